#!/usr/bin/env bash
# Mutation testing (cargo-mutants, crates.io) of the code that decides what is written, deleted or
# accepted: each mutant (a function's body replaced, an operator swapped, a condition negated) is
# built and the tests that cover its file are run; a mutant that no test catches is a gap in the
# suite (or an equivalent mutant, explained in bench/mutants.md).
#
#   bench/mutants.sh                 # the set of bench/mutants.md, one group after the other
#   bench/mutants.sh GROUP...        # some groups of it (names below)
#   bench/mutants.sh -- FILE...      # chosen files (tested with the whole workspace's tests)
#
# Needs cargo-mutants (`cargo install --locked cargo-mutants`) and what the tests need
# (scripts/test-tools.sh). Results: target/mutants/<group>/mutants.out/{caught,missed,timeout,unviable}.txt;
# the last line of each group is its numbers, as bench/README.md records them.
set -euo pipefail
set -f # the globs are cargo-mutants's (it reads `**`), not the shell's
cd "$(dirname "$0")/.."
command -v cargo-mutants >/dev/null || { echo "mutants.sh: cargo-mutants is missing: cargo install --locked cargo-mutants" >&2; exit 1; }

# each group: its files (globs, space-separated), the packages whose tests run on each mutant, and
# optionally a regex the mutants' names must match (only the cleanup of alert-test's alert.rs)
declare -A files=(
  [ownership]="shared/src/kube/owned.rs"
  [sync]="shared/src/kube/sync/*.rs"
  [preflight]="plugins/install/src/verb/install/preflight/*.rs"
  [alertmanager]="shared/src/alertmanager/config/**/*.rs"
  [promql]="shared/src/prometheus/promql/check.rs"
  [dashboards-sync]="plugins/dashboards/src/verb/sync.rs"
  [alert-test-cleanup]="plugins/alert-test/src/alert.rs"
)
declare -A only=(
  [alert-test-cleanup]="cleanup|with_retry|Leftovers"
)
declare -A packages=(
  [ownership]="promstack-shared kubectl-promstack-rules kubectl-promstack-dashboards"
  [sync]="promstack-shared kubectl-promstack-rules kubectl-promstack-dashboards"
  [preflight]="kubectl-promstack-install"
  [alertmanager]="promstack-shared"
  [promql]="promstack-shared kubectl-promstack-rules"
  [dashboards-sync]="kubectl-promstack-dashboards"
  [alert-test-cleanup]="kubectl-promstack-alert-test"
)
order=(ownership sync dashboards-sync alert-test-cleanup preflight promql alertmanager)

run() { # name, files, packages, regex
  local name=$1 out=target/mutants/$1 args=()
  for f in $2; do args+=(--file "$f"); done
  [ -z "${4:-}" ] || args+=(--re "$4")
  if [ -n "$3" ]; then
    for p in $3; do args+=(--test-package "$p"); done
  else
    args+=(--test-workspace=true)
  fi
  mkdir -p "$out"
  # the slow differential tests (promtool, amtool) check parsers against oracles, not what a mutant breaks here
  # the differential tests (promtool, amtool: minutes) check the parsers against their oracles;
  # every other test runs on each mutant
  nice cargo mutants --no-shuffle --output "$out" --timeout 300 "${args[@]}" -- --skip agree >&2 || true
  local o=$out/mutants.out c m t u
  c=$(wc -l <"$o/caught.txt"); m=$(wc -l <"$o/missed.txt"); t=$(wc -l <"$o/timeout.txt"); u=$(wc -l <"$o/unviable.txt")
  echo "$name: $((c + m + t + u)) mutants: $c caught, $t timed out (caught), $m missed, $u unviable"
}

if [ "${1:-}" = -- ]; then
  shift
  run chosen "$*" ""
  exit
fi
for g in "${@:-${order[@]}}"; do
  [ -n "${files[$g]:-}" ] || { echo "mutants.sh: no group $g (${order[*]})" >&2; exit 2; }
  run "$g" "${files[$g]}" "${packages[$g]}" "${only[$g]:-}"
done
