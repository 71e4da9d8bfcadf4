#!/usr/bin/env bash
# The whole test suite on a fresh Debian machine: installs what the tests need when it is missing
# (helm 3 and 4, amtool; see scripts/test-tools.sh), then runs every test of the workspace.
# The e2e test runs too when PROMSTACK_E2E_KUBECONFIG is set (it skips, saying so, otherwise).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/test-tools.sh
cargo test --workspace --locked
