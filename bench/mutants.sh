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

# each group: its files (globs, space-separated), the packages whose tests run on each mutant, the
# test targets of those packages that exercise the files (all of them when empty), and optionally a
# regex the mutants' names must match (only the cleanup of alert-test's alert.rs)
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
declare -A targets=(
  [ownership]="lib sync_flow sync_sources sources ownership moves cli bad_input sync_grafana"
  [sync]="lib sync_flow sync_sources sources ownership moves cli bad_input sync_grafana"
  [preflight]="lib bins preflight_flow second_stack install_flow install_failures install_at_once namespace_deleted crds_deleted references_flow values_requirements values_cluster values_lint_flow uninstall_flow diff_verb"
  [alertmanager]="lib alertmanager_0_34 alertmanager_amtool alertmanager_differential alertmanager_messages upstream_alertmanager"
  [promql]="lib upstream_promql promql_messages upstream_rulefmt bad_input corpus deep_input cli differential sources promtool target"
)
order=(ownership sync dashboards-sync alert-test-cleanup preflight promql alertmanager)

# What the test binaries are told (after `--`): skip the differential tests against promtool and
# amtool (seconds to minutes each; they check the parsers against their oracles); every other test of
# the chosen targets runs on each mutant, the upstream corpora included. MUTANTS_ORACLES=1 runs the
# differential tests too: for a second pass over what the first missed (with --iterate).
skips=(--skip promql_agrees_with_promtool --skip rule_files_agree_with_promtool
  --skip alertmanager_configs_agree_with_amtool_0_34 --skip routes_agree_with_amtool
  --skip amtool_0_34_gives_every_verdict_and_reason)
[ -z "${MUTANTS_ORACLES:-}" ] || skips=()

run() { # name, files, packages, test targets, regex
  local name=$1 out=target/mutants/$1${MUTANTS_SHARD:+-${MUTANTS_SHARD/\//-of-}} args=() cargo=()
  [ -z "${MUTANTS_SHARD:-}" ] || args+=(--shard "$MUTANTS_SHARD")
  for f in $2; do args+=(--file "$f"); done
  [ -z "${5:-}" ] || args+=(--re "$5")
  if [ -n "$3" ]; then
    for p in $3; do args+=(--test-package "$p"); cargo+=(--package "$p"); done
  else
    args+=(--test-workspace=true); cargo+=(--workspace)
  fi
  # the test targets go to every cargo command (--cargo-arg), so each build links only those
  for t in ${4:-}; do
    case $t in
      lib | bins) args+=(--cargo-arg "--$t"); cargo+=("--$t") ;;
      *) args+=(--cargo-arg "--test=$t"); cargo+=("--test=$t") ;;
    esac
  done
  mkdir -p "$out"
  # The baseline: the very command each mutant's tests run, on the unmutated tree, must pass (a
  # command that fails for another reason would count every mutant as caught). cargo-mutants's own
  # baseline tests only the mutated package, which lacks some of the targets, so it is skipped.
  echo "$name: baseline: cargo test --profile mutants ${cargo[*]}" >&2
  nice cargo test --profile mutants "${cargo[@]}" -- "${skips[@]}" >"$out/baseline.log" 2>&1 || {
    echo "mutants.sh: $name: the tests fail without a mutant (see $out/baseline.log)" >&2
    return 1
  }
  # The profile leaves out debug info: faster links. MUTANTS_TIMEOUT: the seconds a mutant's tests
  # may take (one that loops forever times out: caught). MUTANTS_ARGS: more of cargo-mutants's
  # options, e.g. --in-place in a worktree of its own, or --iterate (only what a run before did not
  # catch). MUTANTS_SHARD=k/n: one shard of each group, k from 0 (output target/mutants/<group>-k-of-n).
  # MUTANTS_TARGETS: the test targets instead of the group's (e.g. without `lib`, whose second build
  # of the crate is a third of a mutant's time, for files no unit test covers).
  # shellcheck disable=SC2086 # MUTANTS_ARGS is a list of options
  nice cargo mutants --no-shuffle --output "$out" --baseline=skip --timeout "${MUTANTS_TIMEOUT:-60}" --profile mutants \
    ${MUTANTS_ARGS:-} "${args[@]}" -- -- "${skips[@]}" >&2 || true
  local o=$out/mutants.out c m t u p=0
  c=$(wc -l <"$o/caught.txt"); m=$(wc -l <"$o/missed.txt"); t=$(wc -l <"$o/timeout.txt"); u=$(wc -l <"$o/unviable.txt")
  [ ! -f "$o/previously_caught.txt" ] || p=$(wc -l <"$o/previously_caught.txt")
  echo "$name: $((c + m + t + u + p)) mutants: $c caught, $t timed out (caught), $m missed, $u unviable, $p caught or unviable before (--iterate)"
}

if [ "${1:-}" = -- ]; then
  shift
  run chosen "$*" "" ""
  exit
fi
for g in "${@:-${order[@]}}"; do
  [ -n "${files[$g]:-}" ] || { echo "mutants.sh: no group $g (${order[*]})" >&2; exit 2; }
  run "$g" "${files[$g]}" "${packages[$g]}" "${MUTANTS_TARGETS:-${targets[$g]:-}}" "${only[$g]:-}"
done
