#!/usr/bin/env bash
# `kubectl promstack rules validate` against `promtool check rules` on the same content: the
# upstream corpus (refdata, 232 rules) as plain rule files, and a ×10 copy of it.
# Needs hyperfine, promtool, python3 with PyYAML. Measures; asserts nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
REFDATA=${PROMSTACK_REFDATA:-../shared/refdata}
cargo build --release --locked -q -p kubectl-promstack-rules
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 - "$REFDATA/upstream-rules" "$work" <<'PY'
import os, sys, yaml
src, out = sys.argv[1], sys.argv[2]
for copies in (1, 10):
    d = os.path.join(out, f"x{copies}")
    os.makedirs(d)
    for c in range(copies):
        for f in sorted(os.listdir(src)):
            doc = yaml.safe_load(open(os.path.join(src, f)))
            yaml.safe_dump({"groups": doc["spec"]["groups"]}, open(os.path.join(d, f"c{c}-{f}"), "w"))
PY
for n in 1 10; do
  d="$work/x$n"
  echo "== corpus x$n: $(ls "$d" | wc -l) files" >&2
  hyperfine --warmup 2 --runs 10 -N --export-json "$work/r$n.json" \
    "target/release/kubectl-promstack-rules validate --dir $d" \
    "promtool check rules $(ls "$d"/*.yaml | tr '\n' ' ')" >&2
  python3 - "$work/r$n.json" "$n" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["results"]
ours, prom = r[0]["mean"], r[1]["mean"]
print(f"x{sys.argv[2]}: promstack {ours*1000:.1f} ms, promtool {prom*1000:.1f} ms, {prom/ours:.1f}x faster")
PY
done
