#!/usr/bin/env bash
# The whole test suite on a fresh Debian machine: installs what the tests need when it is missing
# (helm 3 and 4, amtool; see scripts/test-tools.sh), then runs every test of the workspace.
# The cluster (e2e) tests are #[ignore]d here and reported as ignored; scripts/e2e.sh runs them.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/test-tools.sh
cargo test --workspace --locked
