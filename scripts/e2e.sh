#!/usr/bin/env bash
# Every e2e suite against a real cluster, in the one order that works with one stack per cluster:
#
#   1. the install suite installs, checks and uninstalls its own stack in a throwaway namespace
#      (the cluster must have no kube-prometheus-stack yet: it fails, saying so, when one is there);
#   2. a stack for the other suites: the one in PROMSTACK_E2E_NAMESPACE when that namespace has
#      one (left in place), else installed here into a throwaway namespace (removed at the end,
#      also when a suite fails or the script is interrupted);
#   3. the rules, dashboards and alert-test suites against it, each in its own throwaway namespace.
#
# Needs PROMSTACK_E2E_KUBECONFIG. Optional: PROMSTACK_E2E_CHART (with it PROMSTACK_E2E_OLD_CHART: a local
# 87.19.2 for the chart-upgrade test: ../shared/refdata/charts has both), PROMSTACK_E2E_VALUES,
# PROMSTACK_E2E_PROMETHEUS_URL / _ALERTMANAGER_URL / _GRAFANA_URL (instead of port-forwards),
# PROMSTACK_E2E_URLS_ENV (a file of KEY=value lines that the cluster writes once the stack is up, read after step 2
# and before step 3: on ../shared/harness, $K8S_STATE/stack/urls.env, whose pods cannot be port-forwarded to),
# PROMSTACK_HELM (else helm on PATH), PROMSTACK_KUBECTL (else .tools/kubectl-v1.33 or kubectl),
# PROMSTACK_E2E_SUITES (default "install rules dashboards alert-test": the suites to run, in that order).
# Exit status: the first failing step's; every suite that ran says so in cargo's output.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${PROMSTACK_E2E_KUBECONFIG:?needs a cluster: set PROMSTACK_E2E_KUBECONFIG}"
export PROMSTACK_E2E_KUBECONFIG
if [ -z "${PROMSTACK_KUBECTL:-}" ]; then
  if [ -x .tools/kubectl-v1.33/kubectl ]; then PROMSTACK_KUBECTL="$PWD/.tools/kubectl-v1.33/kubectl"; else PROMSTACK_KUBECTL=kubectl; fi
fi
export PROMSTACK_KUBECTL
kc() { "$PROMSTACK_KUBECTL" --kubeconfig "$PROMSTACK_E2E_KUBECONFIG" "$@"; }
suites=" ${PROMSTACK_E2E_SUITES:-install rules dashboards alert-test} "
suite() {
  case "$suites" in
    *" ${1#kubectl-promstack-} "*) cargo test --locked -p "$1" --test e2e -- --ignored --nocapture --test-threads=1 ;;
    *) echo "e2e: $1 left out (PROMSTACK_E2E_SUITES)" >&2 ;;
  esac
}

cargo build --locked --workspace --bins
install_bin="$PWD/target/debug/kubectl-promstack-install"

echo "e2e: 1/3 the install suite" >&2
suite kubectl-promstack-install

echo "e2e: 2/3 a stack for the other suites" >&2
ns="${PROMSTACK_E2E_NAMESPACE:-}"
ours=""
if [ -n "$ns" ] && kc -n "$ns" get service kube-prometheus-prometheus >/dev/null 2>&1; then
  echo "e2e: using the stack in namespace $ns (left in place)" >&2
else
  ns="promstack-e2e-stack-$$"
  ours="$ns"
  cleanup() {
    echo "e2e: removing the stack in $ours" >&2
    "$install_bin" --kubeconfig "$PROMSTACK_E2E_KUBECONFIG" -n "$ours" --no-color uninstall --yes \
      --delete-namespace --delete-crds --force --delete-kubelet-service >&2 || echo "e2e: CLEANUP FAILED for $ours" >&2
  }
  trap cleanup EXIT
  sc=$(kc get storageclass -o jsonpath='{range .items[*]}{.metadata.name}{"\n"}{end}' | grep -x local-path ||
       kc get storageclass -o jsonpath='{range .items[?(@.metadata.annotations.storageclass\.kubernetes\.io/is-default-class=="true")]}{.metadata.name}{"\n"}{end}' | head -n1)
  [ -n "$sc" ] || { echo "e2e: the cluster has no StorageClass (install local-path-provisioner)" >&2; exit 1; }
  args=(--kubeconfig "$PROMSTACK_E2E_KUBECONFIG" -n "$ns" --env local --storage-class "$sc"
        --generate-grafana-password --timeout 15m --no-color --yes)
  [ -n "${PROMSTACK_E2E_CHART:-}" ] && args+=(--chart "$PROMSTACK_E2E_CHART")
  [ -n "${PROMSTACK_E2E_VALUES:-}" ] && args+=(-f "$PROMSTACK_E2E_VALUES")
  "$install_bin" "${args[@]}" >&2
fi
export PROMSTACK_E2E_NAMESPACE="$ns"

if [ -n "${PROMSTACK_E2E_URLS_ENV:-}" ]; then
  # The file names the stack's endpoints once they answer; wait for it (at most 2 min), then take its settings.
  ready=""
  for _ in $(seq 120); do
    if [ -s "$PROMSTACK_E2E_URLS_ENV" ]; then
      set -a
      # shellcheck disable=SC1090
      . "$PROMSTACK_E2E_URLS_ENV"
      set +a
      if [ -n "${PROMSTACK_E2E_PROMETHEUS_URL:-}" ] && curl -fs -o /dev/null "$PROMSTACK_E2E_PROMETHEUS_URL/-/ready"; then
        ready=1; break
      fi
    fi
    sleep 1
  done
  [ -n "$ready" ] ||
    { echo "e2e: $PROMSTACK_E2E_URLS_ENV named no PROMSTACK_E2E_PROMETHEUS_URL that answers within 2 min" >&2; exit 1; }
  echo "e2e: endpoints from $PROMSTACK_E2E_URLS_ENV: Prometheus $PROMSTACK_E2E_PROMETHEUS_URL, Alertmanager ${PROMSTACK_E2E_ALERTMANAGER_URL:-(port-forward)}" >&2
fi

echo "e2e: 3/3 rules, dashboards, alert-test against the stack in $ns" >&2
suite kubectl-promstack-rules
suite kubectl-promstack-dashboards
suite kubectl-promstack-alert-test
echo "e2e: all suites passed" >&2
