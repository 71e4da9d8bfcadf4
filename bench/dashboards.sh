#!/usr/bin/env bash
# validate + render (sync --dry-run -o yaml) of the 29 upstream dashboards (refdata). Measures only.
set -euo pipefail
cd "$(dirname "$0")/.."
REFDATA=${PROMSTACK_REFDATA:-../shared/refdata}
cargo build --release --locked -q -p kubectl-promstack-dashboards
hyperfine --warmup 2 --runs 20 -N \
  "target/release/kubectl-promstack-dashboards validate --dir $REFDATA/upstream-dashboards" \
  "target/release/kubectl-promstack-dashboards sync --dry-run -o yaml --dir $REFDATA/upstream-dashboards"
