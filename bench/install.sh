#!/usr/bin/env bash
# A fresh `kubectl promstack install` against a bare `helm upgrade --install --wait` with the very
# same values files, side by side on a real cluster, and the ratio (target: promstack <= 1.10x).
#
# Each run, one after the other (one stack per cluster): the bare helm command into a namespace
# that already has the Secrets the values name (the CRDs are there from the warm-up), timed; helm
# uninstall and the namespace removed; then `kubectl promstack install` into a namespace that does
# not exist yet, timed, twice: with the chart's render kept from the warm-up (a second cluster, a
# re-install: ~/.cache/promstack/renders) and as on a new machine (an empty cache folder: the chart
# fetched once and rendered); each uninstalled with its namespace. The CRDs stay between runs, as
# they would. Both ratios are printed.
#
# Needs PROMSTACK_E2E_KUBECONFIG (a cluster with no kube-prometheus-stack), helm 4 (PROMSTACK_HELM,
# else helm on PATH, else .tools/helm-v4/helm), kubectl (PROMSTACK_KUBECTL, else .tools/kubectl-v1.33,
# else kubectl). Optional: PROMSTACK_E2E_CHART (a local chart), PROMSTACK_E2E_VALUES (one more -f),
# BENCH_RUNS (default 3). Measures; asserts nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${PROMSTACK_E2E_KUBECONFIG:?needs a cluster: set PROMSTACK_E2E_KUBECONFIG}"
runs=${BENCH_RUNS:-3}
helm=${PROMSTACK_HELM:-$(command -v helm || echo "$PWD/.tools/helm-v4/helm")}
kubectl=${PROMSTACK_KUBECTL:-$( [ -x .tools/kubectl-v1.33/kubectl ] && echo "$PWD/.tools/kubectl-v1.33/kubectl" || echo kubectl)}
kc() { "$kubectl" --kubeconfig "$PROMSTACK_E2E_KUBECONFIG" "$@"; }
now() { python3 -c 'import time; print(time.monotonic())'; }
major=$("$helm" version --template '{{.Version}}' | sed -E 's/^v([0-9]+).*/\1/')

cargo build --release --locked -q -p kubectl-promstack-install
promstack="$PWD/target/release/kubectl-promstack-install"
ns="promstack-bench"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

sc=$(kc get storageclass -o jsonpath='{range .items[*]}{.metadata.name}{"\n"}{end}' | grep -x local-path ||
     kc get storageclass -o jsonpath='{range .items[?(@.metadata.annotations.storageclass\.kubernetes\.io/is-default-class=="true")]}{.metadata.name}{"\n"}{end}' | head -n1)
[ -n "$sc" ] || { echo "bench: the cluster has no StorageClass" >&2; exit 1; }

ps_args=(--kubeconfig "$PROMSTACK_E2E_KUBECONFIG" -n "$ns" --no-color)
install_args=(--env local --storage-class "$sc" --generate-grafana-password --timeout 15m --yes -o json)
if [ -n "${PROMSTACK_E2E_CHART:-}" ]; then
  install_args+=(--chart "$PROMSTACK_E2E_CHART")
  chart=("$PROMSTACK_E2E_CHART")
else
  chart=(kube-prometheus-stack --repo https://prometheus-community.github.io/helm-charts --version 88.5.3)
fi
extra=()
[ -n "${PROMSTACK_E2E_VALUES:-}" ] && extra=(-f "$PROMSTACK_E2E_VALUES")

# the values promstack passes helm, as files: export writes the same chain
"$promstack" "${ps_args[@]}" export "$work/tree" --env local --storage-class "$sc" >/dev/null
values=(-f "$work/tree/values.yaml" -f "$work/tree/values-local.yaml" -f "$work/tree/values-overlay.yaml")
if [ "$major" -ge 4 ]; then wait_flags=(--rollback-on-failure --wait=watcher); else wait_flags=(--atomic --wait); fi

gone() { kc delete namespace "$ns" --ignore-not-found --wait=false >/dev/null; kc wait --for=delete "namespace/$ns" --timeout=10m >/dev/null 2>&1 || true; }
promstack_install() { "$promstack" "${ps_args[@]}" "${install_args[@]}" "${extra[@]}"; }
promstack_install_cold() { XDG_CACHE_HOME="$(mktemp -d -p "$work")" promstack_install; }
promstack_uninstall() { "$promstack" "${ps_args[@]}" uninstall --yes --delete-namespace >/dev/null; gone; }
helm_ready() {
  # what the bare helm command finds in place: the namespace (Pod Security as promstack sets it) and the Secrets
  kc create namespace "$ns" >/dev/null
  kc label namespace "$ns" pod-security.kubernetes.io/enforce=privileged \
    pod-security.kubernetes.io/warn=privileged pod-security.kubernetes.io/audit=privileged >/dev/null
  kc -n "$ns" create secret generic promstack-grafana-admin --from-literal=admin-user=admin \
    --from-literal=admin-password="$(python3 -c 'import secrets; print(secrets.token_urlsafe(24))')" >/dev/null
  kc -n "$ns" create secret generic promstack-alertmanager-config \
    --from-file=alertmanager.yaml="$work/tree/alertmanager-config.yaml" >/dev/null
}
bare_helm() {
  "$helm" --kubeconfig "$PROMSTACK_E2E_KUBECONFIG" upgrade --install kube-prometheus "${chart[@]}" \
    --namespace "$ns" --skip-crds "${wait_flags[@]}" --timeout 15m "${values[@]}" "${extra[@]}" >/dev/null
}
helm_uninstall() { "$helm" --kubeconfig "$PROMSTACK_E2E_KUBECONFIG" uninstall kube-prometheus --namespace "$ns" --wait >/dev/null; gone; }

echo "bench: warm-up (CRDs in place, the render kept)" >&2
gone
promstack_install >/dev/null
promstack_uninstall

: >"$work/times"
for i in $(seq "$runs"); do
  helm_ready
  t0=$(now); bare_helm; t1=$(now)
  helm_uninstall
  t2=$(now); promstack_install >"$work/report-$i.json"; t3=$(now)
  promstack_uninstall
  t4=$(now); promstack_install_cold >"$work/report-cold-$i.json"; t5=$(now)
  promstack_uninstall
  echo "$t0 $t1 $t2 $t3 $t4 $t5" >>"$work/times"
  python3 - "$work/report-$i.json" "$work/report-cold-$i.json" "$t0" "$t1" "$t2" "$t3" "$t4" "$t5" "$i" <<'PY' >&2
import json, sys
kept, cold = (json.load(open(p))["timings"] for p in sys.argv[1:3])
t0, t1, t2, t3, t4, t5 = map(float, sys.argv[3:9])
h, p, c = t1 - t0, t3 - t2, t5 - t4
split = lambda t: f"helm {t['helm_ms']} ms, waiting {t['waiting_ms']} ms, own {t['own_ms']} ms"
print(f"run {sys.argv[9]}: helm {h:.2f} s; promstack {p:.2f} s ({p/h:.2f}x; {split(kept)}); "
      f"on a new machine {c:.2f} s ({c/h:.2f}x; {split(cold)})")
PY
done
python3 - "$work/times" <<'PY'
import statistics, sys
rows = [list(map(float, l.split())) for l in open(sys.argv[1])]
helm = statistics.median(r[1] - r[0] for r in rows)
kept = statistics.median(r[3] - r[2] for r in rows)
cold = statistics.median(r[5] - r[4] for r in rows)
# each run is a pair (bare helm, promstack) run one after the other: the median of the pairs' ratios
kept_x = statistics.median((r[3] - r[2]) / (r[1] - r[0]) for r in rows)
cold_x = statistics.median((r[5] - r[4]) / (r[1] - r[0]) for r in rows)
print(f"fresh install, median of {len(rows)} pairs: {kept_x:.2f}x (target <= 1.10x; bare helm {helm:.2f} s, "
      f"kubectl promstack install {kept:.2f} s); on a new machine (no render kept) {cold_x:.2f}x ({cold:.2f} s)")
PY
