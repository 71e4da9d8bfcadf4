#!/usr/bin/env bash
# Builds the promstack kubectl plugins (release) and installs them into ${PREFIX:-$HOME/.local}/bin.
#   ./install.sh              build and install (again: idempotent)
#   ./install.sh --uninstall  remove them
set -euo pipefail
cd "$(dirname "$0")"
PREFIX=${PREFIX:-$HOME/.local}
BIN="$PREFIX/bin"

say() { printf '%s\n' "$*" >&2; }

if [ "${1:-}" = "--uninstall" ]; then
  removed=0
  for f in "$BIN"/kubectl-promstack "$BIN"/kubectl-promstack-*; do
    [ -e "$f" ] || continue
    rm -f "$f" && say "removed $f" && removed=$((removed + 1))
  done
  say "$removed promstack plugin(s) removed from $BIN"
  exit 0
elif [ -n "${1:-}" ]; then
  say "usage: ./install.sh [--uninstall]   (PREFIX=$PREFIX)"
  exit 2
fi

command -v cargo >/dev/null 2>&1 || { say "cargo not found: install Rust from https://rustup.rs, then run ./install.sh again"; exit 1; }

say "building the plugins (release)..."
cargo build --release --locked --bins
mkdir -p "$BIN"
installed=()
for f in target/release/kubectl-promstack target/release/kubectl-promstack-*; do
  [ -f "$f" ] && [ -x "$f" ] || continue
  case "$f" in *.d) continue ;; esac
  install -m 0755 "$f" "$BIN/"
  installed+=("$(basename "$f")")
done
say "installed into $BIN: ${installed[*]}"

case ":$PATH:" in
  *":$BIN:"*) ;;
  *) say "WARNING: $BIN is not on PATH; kubectl will not find the plugins. Add it:  export PATH=\"$BIN:\$PATH\"" ;;
esac

if ! command -v kubectl >/dev/null 2>&1; then
  say "kubectl not found: install it (https://kubernetes.io/docs/tasks/tools/) to run 'kubectl promstack ...'"
fi
if command -v helm >/dev/null 2>&1; then
  say "helm $(helm version --template '{{.Version}}' 2>/dev/null || echo '?') found"
else
  say "helm not found: 'kubectl promstack install' needs helm 3 or 4 (https://helm.sh/docs/intro/install/), or pass --helm PATH"
fi
if command -v kubectl >/dev/null 2>&1; then
  PATH="$BIN:$PATH" kubectl plugin list 2>/dev/null | grep -E 'promstack|plugins' || true
fi
say "next: kubectl promstack install --env local"
