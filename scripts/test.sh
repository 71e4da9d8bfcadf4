#!/usr/bin/env bash
# The whole test suite on a fresh Debian machine:
#   1. scripts/test-tools.sh installs what the tests need when it is missing (helm 3 and 4, kubectl 1.33, etcd,
#      node-exporter, shellcheck) and builds the peers from their Go modules (Prometheus 3.14.0, Alertmanager
#      0.34.0, Kubernetes 1.34.4; scripts/build-peers.sh);
#   2. every test of the workspace (cargo test): unit tests, the in-memory cluster, the real tools;
#   3. the four e2e suites on the loopback control plane of ../shared/harness, with helm 4 and with helm 3
#      (scripts/harness-e2e.sh; the cluster tests are #[ignore]d in step 2 and run here).
# --no-e2e: steps 1 and 2 only. Each step's time is printed.
set -euo pipefail
cd "$(dirname "$0")/.."
e2e=1
for a in "$@"; do
  case $a in
    --no-e2e) e2e= ;;
    *) echo "usage: scripts/test.sh [--no-e2e]" >&2; exit 2 ;;
  esac
done
step() {
  local name=$1 start=$SECONDS; shift
  "$@"
  echo "test: $name took $((SECONDS - start)) s" >&2
}
step "tools" ./scripts/test-tools.sh
step "cargo test" cargo test --workspace --locked
[ -z "$e2e" ] || step "e2e on the harness" ./scripts/harness-e2e.sh
