#!/usr/bin/env bash
# `kubectl promstack install diff` of the whole release against a real cluster: the time of one
# diff (render kept from the first run, as any run after the first has it; every object of the
# release read and dry-run applied, `helm get manifest`), median of BENCH_RUNS runs (default 7),
# and the same with a changed value (spec.retention), which must show exactly one object.
# Target: <= 3 s (issue 20).
#
# Needs PROMSTACK_E2E_KUBECONFIG and a stack installed by promstack in PROMSTACK_E2E_NAMESPACE
# (default monitoring) with --env local. Optional: PROMSTACK_E2E_CHART (a local chart), PROMSTACK_HELM.
# Measures; asserts nothing but that the diffs say what they should.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${PROMSTACK_E2E_KUBECONFIG:?needs a cluster: set PROMSTACK_E2E_KUBECONFIG}"
runs=${BENCH_RUNS:-7}
ns=${PROMSTACK_E2E_NAMESPACE:-monitoring}
cargo build --release --locked -q -p kubectl-promstack-install
promstack="$PWD/target/release/kubectl-promstack-install"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
args=(diff --kubeconfig "$PROMSTACK_E2E_KUBECONFIG" -n "$ns" --no-color --env local -o json)
[ -n "${PROMSTACK_E2E_CHART:-}" ] && args+=(--chart "$PROMSTACK_E2E_CHART")
printf 'prometheus:\n  prometheusSpec:\n    retention: 3d\n' > "$work/retention.yaml"

# one run: its seconds on stdout; the exit code and the number of objects that change checked
timed() {
  local want_code=$1 want_objects=$2; shift 2
  local t0 t1 code=0
  t0=$(python3 -c 'import time; print(time.monotonic())')
  "$promstack" "${args[@]}" "$@" > "$work/out.json" 2>/dev/null || code=$?
  t1=$(python3 -c 'import time; print(time.monotonic())')
  [ "$code" = "$want_code" ] || { echo "bench: install diff exited $code, not $want_code" >&2; exit 1; }
  python3 - "$work/out.json" "$want_objects" <<'PY' >&2
import json, sys
d = json.load(open(sys.argv[1]))["diff"]
n = len(d["objects"]); total = sum(sum(c.values()) for c in d["counts"].values())
assert n == int(sys.argv[2]), f"{n} objects change, not {sys.argv[2]}"
print(f"  {total} objects compared, {n} changing")
PY
  python3 -c "print($t1 - $t0)"
}

median() { sort -n | awk '{a[NR]=$1} END {m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf "%.2f", m}'; }

timed 0 0 >/dev/null # the first run keeps the chart's render
echo "install diff, nothing changes ($runs runs):" >&2
same=$(for _ in $(seq "$runs"); do timed 0 0; done | median)
echo "install diff -f retention.yaml, one object changes ($runs runs):" >&2
timed 3 1 -f "$work/retention.yaml" >/dev/null
changed=$(for _ in $(seq "$runs"); do timed 3 1 -f "$work/retention.yaml"; done | median)
echo "install diff of the whole release: ${same} s unchanged, ${changed} s with one change (median of $runs; target <= 3 s)"
