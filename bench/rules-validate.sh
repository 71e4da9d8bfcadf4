#!/usr/bin/env bash
# `kubectl promstack rules validate` against `promtool check rules --lint=none` on the same content,
# from the upstream corpus (refdata, 232 rules) as plain rule files:
#   same      the corpus, and a ×10 copy of it (each expression ten times: parsed once by us);
#   distinct  the corpus with a distinct expression in every copy (each `expr` wrapped as
#             label_replace((EXPR), "copy", "<i>", "", "")), ×1 and ×10 (2,320 rules, one file a
#             copy: one 1.5 MB file would be over the operator's 512 KiB rule file, which validate
#             reports as a problem).
# Prints each ratio and the growth from ×1 to ×10. Needs hyperfine, promtool, python3 with PyYAML.
# Measures; asserts nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
REFDATA=${PROMSTACK_REFDATA:-../shared/refdata}
cargo build --release --locked -q -p kubectl-promstack-rules
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 - "$REFDATA/upstream-rules" "$work" <<'PY'
import os, sys, yaml
src, out = sys.argv[1], sys.argv[2]
files = {f: yaml.safe_load(open(os.path.join(src, f)))["spec"]["groups"] for f in sorted(os.listdir(src))}
for copies in (1, 10):
    same = os.path.join(out, f"same-x{copies}")
    distinct = os.path.join(out, f"distinct-x{copies}")
    os.makedirs(same)
    os.makedirs(distinct)
    for c in range(copies):
        for f, groups in files.items():
            yaml.safe_dump({"groups": groups}, open(os.path.join(same, f"c{c}-{f}"), "w"))
        wrapped = [
            dict(g, name=f"{g['name']}-c{c}",
                 rules=[dict(r, expr=f'label_replace(({r["expr"]}), "copy", "{c}", "", "")') for r in g["rules"]])
            for groups in files.values() for g in groups
        ]
        yaml.safe_dump({"groups": wrapped}, open(os.path.join(distinct, f"copy{c}.yaml"), "w"))
PY
for corpus in same distinct; do
  for n in 1 10; do
    d="$work/$corpus-x$n"
    rules=$(python3 -c "import glob,yaml,sys; print(sum(len(g['rules']) for f in glob.glob(sys.argv[1]+'/*.yaml') for g in yaml.safe_load(open(f))['groups']))" "$d")
    echo "== $corpus x$n: $rules rules in $(ls "$d" | wc -l) files" >&2
    hyperfine --warmup 3 --runs 20 -N --export-json "$work/$corpus-$n.json" \
      "target/release/kubectl-promstack-rules validate --dir $d" \
      "promtool check rules --lint=none $(ls "$d"/*.yaml | tr '\n' ' ')" >&2
  done
  python3 - "$work/$corpus-1.json" "$work/$corpus-10.json" "$corpus" <<'PY'
import json, sys
def means(p):
    r = json.load(open(p))["results"]
    return r[0]["median"], r[1]["median"]
(o1, p1), (o10, p10) = means(sys.argv[1]), means(sys.argv[2])
c = sys.argv[3]
print(f"{c} x1:  promstack {o1*1000:.1f} ms, promtool {p1*1000:.1f} ms, {p1/o1:.1f}x faster")
print(f"{c} x10: promstack {o10*1000:.1f} ms, promtool {p10*1000:.1f} ms, {p10/o10:.1f}x faster")
print(f"{c} growth x1 -> x10: promstack {o10/o1:.1f}x, promtool {p10/p1:.1f}x")
PY
done
