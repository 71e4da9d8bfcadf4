#!/usr/bin/env bash
# `kubectl promstack rules validate` against `promtool check rules --lint=none` on the same content,
# from the upstream corpus (refdata, 232 rules) as plain rule files:
#   same      the corpus, and a ×10 copy of it (each expression ten times: parsed once by us);
#   distinct  the corpus with a distinct expression in every copy (each `expr` wrapped as
#             label_replace((EXPR), "copy", "<i>", "", "")), ×1 and ×10 (2,320 rules, one file a
#             copy: one 1.5 MB file would be over the operator's 512 KiB rule file, which validate
#             reports as a problem).
# Prints, per corpus and size, the medians of RUNS (20) paired runs and of their ratios, and the growth
# from ×1 to ×10. Needs promtool, python3 with PyYAML.
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
# Paired runs: promstack then promtool, RUNS times, each pair's ratio; the medians of the times and
# of the pairs' ratios (the machine's load moves both of a pair alike).
RUNS=${RUNS:-20}
python3 - "$work" "$RUNS" <<'PY'
import glob, os, statistics, subprocess, sys, time, yaml
work, runs = sys.argv[1], int(sys.argv[2])
def timed(argv):
    start = time.perf_counter()
    subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - start
for corpus in ("same", "distinct"):
    medians = {}
    for n in (1, 10):
        d = f"{work}/{corpus}-x{n}"
        files = sorted(glob.glob(d + "/*.yaml"))
        rules = sum(len(g["rules"]) for f in files for g in yaml.safe_load(open(f))["groups"])
        ours = ["target/release/kubectl-promstack-rules", "validate", "--dir", d]
        theirs = ["promtool", "check", "rules", "--lint=none", *files]
        for _ in range(3):
            timed(ours), timed(theirs)
        pairs = [(timed(ours), timed(theirs)) for _ in range(runs)]
        o = statistics.median(p[0] for p in pairs)
        t = statistics.median(p[1] for p in pairs)
        ratio = statistics.median(p[1] / p[0] for p in pairs)
        medians[n] = (o, t)
        print(f"{corpus} x{n} ({rules} rules, {len(files)} files): promstack {o*1000:.1f} ms, "
              f"promtool {t*1000:.1f} ms; median of {runs} paired ratios: {ratio:.1f}x faster")
    (o1, t1), (o10, t10) = medians[1], medians[10]
    print(f"{corpus} growth x1 -> x10: promstack {o10/o1:.1f}x, promtool {t10/t1:.1f}x")
PY
