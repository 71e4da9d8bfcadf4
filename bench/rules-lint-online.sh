#!/usr/bin/env bash
# `kubectl promstack rules lint` of promstack's default rules with the online checks, against the
# stack's Prometheus: the time of one lint, median of BENCH_RUNS runs (default 7), release build.
# Also the chart's own rules (the stack's PrometheusRules, ~250 rules) for scale. Target: <= 2 s
# for the default rules (issue 21); the queries run at most 8 at once.
#
# Needs PROMSTACK_E2E_PROMETHEUS_URL (the harness writes it to ~/.cache/k8s-harness/stack/urls.env)
# or PROMSTACK_E2E_KUBECONFIG with the stack in PROMSTACK_E2E_NAMESPACE (default monitoring; a
# port-forward). Measures; asserts nothing but that the online checks ran.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${BENCH_RUNS:-7}
ns=${PROMSTACK_E2E_NAMESPACE:-monitoring}
cargo build --release --locked -q -p kubectl-promstack-rules
bin="$PWD/target/release/kubectl-promstack-rules"
args=(lint -n "$ns" --no-color -o json)
if [ -n "${PROMSTACK_E2E_PROMETHEUS_URL:-}" ]; then
  args+=(--prometheus-url "$PROMSTACK_E2E_PROMETHEUS_URL")
else
  : "${PROMSTACK_E2E_KUBECONFIG:?set PROMSTACK_E2E_PROMETHEUS_URL or PROMSTACK_E2E_KUBECONFIG}"
  args+=(--kubeconfig "$PROMSTACK_E2E_KUBECONFIG")
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

timed() {
  local t0 t1
  t0=$(python3 -c 'import time; print(time.monotonic())')
  "$bin" "${args[@]}" "$@" > "$work/out.json" 2>/dev/null || [ $? = 3 ]
  t1=$(python3 -c 'import time; print(time.monotonic())')
  python3 -c "import json,sys; d=json.load(open(sys.argv[1])); assert 'prometheus' in d, 'the online checks did not run'" "$work/out.json"
  python3 -c "print($t1 - $t0)"
}
median() { sort -n | awk '{a[NR]=$1} END {m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf "%.2f", m}'; }

default=$(for _ in $(seq "$runs"); do timed; done | median)
echo "rules lint, promstack's default rules, online: ${default} s (median of $runs; target <= 2 s)"
if [ -n "${PROMSTACK_E2E_KUBECONFIG:-}" ]; then
  kubectl=${PROMSTACK_KUBECTL:-kubectl}
  mkdir "$work/chart"
  "$kubectl" --kubeconfig "$PROMSTACK_E2E_KUBECONFIG" -n "$ns" get prometheusrules -o json |
    python3 -c '
import json, sys, yaml
for it in json.load(sys.stdin)["items"]:
    open(sys.argv[1] + "/" + it["metadata"]["name"] + ".yaml", "w").write(yaml.safe_dump({"groups": it["spec"]["groups"]}))
' "$work/chart"
  chart=$(for _ in $(seq "$runs"); do timed --dir "$work/chart"; done | median)
  echo "rules lint, the chart's $(find "$work/chart" -name "*.yaml" | wc -l) PrometheusRules, online: ${chart} s (median of $runs)"
fi
