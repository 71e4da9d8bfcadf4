#!/usr/bin/env bash
# `kubectl promstack rules validate` against `promtool check rules --lint=none` (Prometheus 3.14:
# PROMSTACK_PROMTOOL, else .tools/prometheus-v3.14.0/promtool, else promtool on PATH) on inputs at
# 1x, 10x and 100x their size, to show the time grows linearly:
#   sum       one recording rule `a + a + ...` of 1,000 / 10,000 / 100,000 terms (the largest is
#             400 KB: an expression may not be longer than a rule file the operator loads, 512 KiB);
#   nesting   one rule `((( ... up ... )))` 1,000 / 10,000 / 100,000 parentheses deep;
#   calls     one rule `abs(abs( ... up ... ))` 1,000 / 10,000 / 100,000 deep;
#   corpus    the upstream corpus (refdata, 232 rules) with a distinct expression in every copy
#             (as bench/rules-validate.sh builds it), 1 / 10 / 100 copies, one file a copy;
# and the issue's two cases: a sum of 20,000 distinct metrics, 10,000 parentheses.
# Each: RUNS (3) paired runs, promstack then promtool; the medians of wall time and promstack's CPU
# time (user + system, all threads: what the machine's load moves least), and the growth of each
# from one size to the next (linear: 10x). promtool is quadratic on long or deep expressions: its
# 100x runs take minutes. Needs python3 with PyYAML. Measures; asserts nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
REFDATA=${PROMSTACK_REFDATA:-../shared/refdata}
PROMTOOL=${PROMSTACK_PROMTOOL:-.tools/prometheus-v3.14.0/promtool}
[ -x "$PROMTOOL" ] || PROMTOOL=$(command -v promtool)
cargo build --release --locked -q -p kubectl-promstack-rules
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 - "$REFDATA/upstream-rules" "$work" <<'PY'
import json, os, sys, yaml
src, out = sys.argv[1], sys.argv[2]
def one_rule(d, expr):
    os.makedirs(d)
    with open(os.path.join(d, "rules.yaml"), "w") as f:
        f.write("groups:\n  - name: g\n    rules:\n      - record: r\n        expr: %s\n" % json.dumps(expr))
for scale in (1, 10, 100):
    n = 1000 * scale
    one_rule(f"{out}/sum-x{scale}", " + ".join(["a"] * n))
    one_rule(f"{out}/nesting-x{scale}", "(" * n + "up" + ")" * n)
    one_rule(f"{out}/calls-x{scale}", "abs(" * n + "up" + ")" * n)
one_rule(f"{out}/issue-sum20000", " + ".join(f"m{i}" for i in range(20000)))
one_rule(f"{out}/issue-nesting10000", "(" * 10000 + "up" + ")" * 10000)
groups = [g for f in sorted(os.listdir(src)) for g in yaml.safe_load(open(os.path.join(src, f)))["spec"]["groups"]]
for scale in (1, 10, 100):
    d = f"{out}/corpus-x{scale}"
    os.makedirs(d)
    for c in range(scale):
        wrapped = [dict(g, name=f"{g['name']}-c{c}",
                        rules=[dict(r, expr=f'label_replace(({r["expr"]}), "copy", "{c}", "", "")') for r in g["rules"]])
                   for g in groups]
        yaml.safe_dump({"groups": wrapped}, open(os.path.join(d, f"copy{c}.yaml"), "w"))
PY
RUNS=${RUNS:-3}
python3 - "$work" "$RUNS" "$PROMTOOL" <<'PY'
import glob, os, statistics, subprocess, sys, time
work, runs, promtool = sys.argv[1], int(sys.argv[2]), sys.argv[3]
def timed(argv):
    """Wall and CPU (user + system of the child) seconds, and the exit code."""
    start = time.perf_counter()
    p = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(p.pid, 0)
    return time.perf_counter() - start, usage.ru_utime + usage.ru_stime, os.waitstatus_to_exitcode(status)
def pair(d):
    files = sorted(glob.glob(d + "/*.yaml"))
    ours = ["target/release/kubectl-promstack-rules", "validate", "--dir", d]
    theirs = [promtool, "check", "rules", "--lint=none", *files]
    timed(ours)
    runs_ = [(timed(ours), timed(theirs)) for _ in range(runs)]
    codes = sorted({(o[2], t[2]) for o, t in runs_})
    med = lambda xs: statistics.median(xs)
    return med(o[0] for o, _ in runs_), med(o[1] for o, _ in runs_), med(t[0] for _, t in runs_), codes
for corpus in ("sum", "nesting", "calls", "corpus"):
    prev = None
    for scale in (1, 10, 100):
        wall, cpu, theirs, codes = pair(f"{work}/{corpus}-x{scale}")
        growth = "" if prev is None else (
            f"; growth: promstack {wall/prev[0]:.1f}x wall, {cpu/prev[1]:.1f}x CPU, promtool {theirs/prev[2]:.1f}x")
        print(f"{corpus} x{scale}: promstack {wall*1000:.1f} ms ({cpu*1000:.1f} ms CPU), promtool {theirs*1000:.1f} ms "
              f"({theirs/wall:.1f}x); exit codes {codes}{growth}")
        prev = (wall, cpu, theirs)
for case in ("issue-sum20000", "issue-nesting10000"):
    wall, cpu, theirs, codes = pair(f"{work}/{case}")
    print(f"{case}: promstack {wall*1000:.1f} ms ({cpu*1000:.1f} ms CPU), promtool {theirs*1000:.1f} ms "
          f"({theirs/wall:.1f}x); exit codes {codes}")
PY
