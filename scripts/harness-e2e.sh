#!/usr/bin/env bash
# The e2e suites (scripts/e2e.sh) on the loopback control plane of ../shared/harness, with the versions users run:
# Kubernetes 1.34 (kube-apiserver, kube-controller-manager, kube-scheduler), Prometheus 3.14.0 and Alertmanager 0.34.0
# behind the operator's objects, all as scripts/build-peers.sh builds them into .tools/, and the chart packages of
# ../shared/refdata/charts (88.5.3, and 87.19.2 for the upgrade test): nothing is fetched.
#
# The whole e2e runs once per helm major in PROMSTACK_E2E_HELMS (default "4 3": helm 4, then helm 3), each on a
# harness of its own: started in K8S_STATE (default target/harness), stopped and wiped whatever happens (also on
# Ctrl-C), so a run leaves no process behind. PROMSTACK_HARNESS_KEEP=1 leaves the last one running (to look at it;
# ../shared/harness/down.sh --wipe stops it).
# Needs what scripts/test-tools.sh installs (the peers, helm 3 and 4, kubectl 1.33, etcd, node-exporter).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
harness=$(cd "${PROMSTACK_HARNESS:-../shared/harness}" && pwd)
refdata=$(cd "${PROMSTACK_REFDATA:-../shared/refdata}" && pwd)
tools=$root/.tools

export K8S_STATE=${K8S_STATE:-$root/target/harness}
export K8S_BIN=$tools/kubernetes-v1.34.4
export KUBECTL=$tools/kubectl-v1.33/kubectl
export HARNESS_PROMETHEUS_BIN=$tools/prometheus-v3.14.0/prometheus
export HARNESS_PROMTOOL_BIN=$tools/prometheus-v3.14.0/promtool
export HARNESS_ALERTMANAGER_BIN=$tools/alertmanager-v0.34.0/alertmanager
export HARNESS_AMTOOL_BIN=$tools/alertmanager-v0.34.0/amtool
for b in "$K8S_BIN/kube-apiserver" "$KUBECTL" "$HARNESS_PROMETHEUS_BIN" "$HARNESS_ALERTMANAGER_BIN"; do
  [ -x "$b" ] || { echo "harness-e2e: $b is missing: run scripts/test-tools.sh" >&2; exit 1; }
done

export PROMSTACK_E2E_KUBECONFIG=$K8S_STATE/kubeconfig
# the chart packages unpacked (the values-lint test reads the chart's folders: ci/, charts/crds/)
charts=$root/target/e2e-charts
for v in 88.5.3 87.19.2; do
  if [ ! -f "$charts/$v/kube-prometheus-stack/Chart.yaml" ]; then
    mkdir -p "$charts/$v"
    tar -xzf "$refdata/charts/kube-prometheus-stack-$v.tgz" -C "$charts/$v"
  fi
done
export PROMSTACK_E2E_CHART=$charts/88.5.3/kube-prometheus-stack
export PROMSTACK_E2E_OLD_CHART=$charts/87.19.2/kube-prometheus-stack
export PROMSTACK_E2E_URLS_ENV=$K8S_STATE/stack/urls.env
export PROMSTACK_KUBECTL=$KUBECTL

down() { "$harness/down.sh" --wipe >/dev/null 2>&1 || echo "harness-e2e: down.sh failed (state in $K8S_STATE)" >&2; }
stop() {
  local rc=$?
  if [ "${PROMSTACK_HARNESS_KEEP:-}" = 1 ]; then
    echo "harness-e2e: the harness keeps running (KUBECONFIG=$PROMSTACK_E2E_KUBECONFIG; $harness/down.sh --wipe stops it)" >&2
  else
    down
  fi
  exit "$rc"
}
trap stop EXIT
trap 'exit 130' INT TERM

for major in ${PROMSTACK_E2E_HELMS:-4 3}; do
  [ -x "$tools/helm-v$major/helm" ] || { echo "harness-e2e: $tools/helm-v$major/helm is missing: run scripts/test-tools.sh" >&2; exit 1; }
  start=$SECONDS
  down
  "$harness/up.sh" >&2
  echo "harness-e2e: harness up: Kubernetes $("$KUBECTL" --kubeconfig "$PROMSTACK_E2E_KUBECONFIG" version -o json |
    sed -n '/serverVersion/,/}/s/.*"gitVersion": "\([^"]*\)".*/\1/p'), $("$HARNESS_PROMETHEUS_BIN" --version 2>&1 | head -1), $("$HARNESS_ALERTMANAGER_BIN" --version 2>&1 | head -1), helm $("$tools/helm-v$major/helm" version --template '{{.Version}}')" >&2
  PATH=$tools/helm-v$major:$PATH ./scripts/e2e.sh
  echo "harness-e2e: helm $major: every suite green in $((SECONDS - start)) s" >&2
done
