#!/usr/bin/env bash
# Cold start of `kubectl-promstack-install --help` against `helm version` (target: at least 10x faster).
# Uses hyperfine (apt install hyperfine). Measures; asserts nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
HELM=${HELM:-$(command -v helm || echo .tools/helm-v4/helm)}
cargo build --release --locked -q -p kubectl-promstack-install
out=$(mktemp)
hyperfine --warmup 3 --runs 30 -N --export-json "$out" \
  "target/release/kubectl-promstack-install --help" "$HELM version" >&2
python3 - "$out" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["results"]
ours, helm = r[0]["mean"], r[1]["mean"]
print(f"kubectl-promstack-install --help: {ours*1000:.2f} ms, helm version: {helm*1000:.2f} ms, ratio {helm/ours:.1f}x (target >= 10x)")
PY
rm -f "$out"
