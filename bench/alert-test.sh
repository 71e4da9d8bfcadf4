#!/usr/bin/env bash
# How fast alert-test proves routing, against the real Prometheus and Alertmanager the tests start
# on loopback (Debian packages). Targets: direct mode within 2 s; rule mode within the evaluation
# interval (1 s here) + `for` (0 s) + 5 s, delivery included. Measures; asserts nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
for _ in 1 2 3; do
  cargo test -q --release -p kubectl-promstack-alert-test --test real_stack -- --nocapture \
    direct_mode_routes_delivers_and_resolves rule_mode_routes_by_severity_delivers_and_cleans_up 2>&1 \
    | grep -E '^(direct|rule) mode:'
done
