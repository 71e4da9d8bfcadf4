#!/usr/bin/env bash
# Builds the peers the tests talk to, at the versions kube-prometheus-stack 88.5.3 deploys and Talos users run, from
# their Go modules (the Go module proxy only; nothing fetched is kept in the repository) into .tools/:
#
#   .tools/prometheus-v3.14.0/{prometheus,promtool}      github.com/prometheus/prometheus v0.314.0
#   .tools/alertmanager-v0.34.0/{alertmanager,amtool}    github.com/prometheus/alertmanager v0.34.0 (source: .tools/src/)
#   .tools/kubernetes-v1.34.4/{kube-apiserver,kube-controller-manager,kube-scheduler}
#                                                        k8s.io/kubernetes v1.34.4 (staging modules at v0.34.4)
#
# Prometheus and Kubernetes are built from a small module of ours in scripts/peers/<name> (go.mod + go.sum, pinned
# and checksummed) that requires the upstream module and names its commands as tools: their go.mod files have replace
# directives, which only the main module's count (k8s.io/kubernetes replaces its staging modules with folders of its
# own repository; a module of ours points them at their published versions instead). Alertmanager has none, but its
# ui package embeds the web UI's build output (ui/app/dist), which its module does not hold and `go build` refuses to
# do without: it is built in a writable copy of its module (checksummed by the go command, under .tools/src/) with a
# one-page placeholder there. Nothing needs the web UIs.
# A binary is built only when `<binary> --version` does not report the version asked for, so a second run builds
# nothing; Go's module and build caches (~/go/pkg/mod, ~/.cache/go-build) make a rebuild in a clean clone a link only.
# Usage: scripts/build-peers.sh [prometheus|alertmanager|kubernetes]...   (none: all three)
set -euo pipefail
cd "$(dirname "$0")/.."
tools="$PWD/.tools"
peers="$PWD/scripts/peers"

PROMETHEUS_VERSION=3.14.0
ALERTMANAGER_VERSION=0.34.0
KUBERNETES_VERSION=1.34.4

command -v go >/dev/null 2>&1 || { echo "build-peers: needs the go command (Go 1.25 or newer)" >&2; exit 1; }
export CGO_ENABLED=0 GOFLAGS=-buildvcs=false

# reports DIR BIN WANT: BIN in DIR exists and its --version output contains WANT
reports() { [ -x "$1/$2" ] && "$1/$2" --version 2>&1 | grep -qF -- "$3"; }

# build NAME DIR DEST WANT LDFLAGS CMD...: builds the commands (of the module in DIR) into DEST unless each reports WANT
build() {
  local name=$1 dir=$2 dest=$3 want=$4 ldflags=$5; shift 5
  local missing=()
  for pkg in "$@"; do reports "$dest" "$(basename "$pkg")" "$want" || missing+=("$pkg"); done
  if [ ${#missing[@]} -eq 0 ]; then
    echo "build-peers: $name: $want already in ${dest#"$PWD"/}" >&2
    return
  fi
  echo "build-peers: $name: building ${missing[*]##*/} ($want) from the Go module proxy ..." >&2
  local start=$SECONDS
  mkdir -p "$dest"
  (cd "$dir" && go build -trimpath -ldflags "$ldflags" -o "$dest/" "${missing[@]}")
  for pkg in "$@"; do
    reports "$dest" "$(basename "$pkg")" "$want" || {
      echo "build-peers: $dest/$(basename "$pkg") --version does not report $want:" >&2
      "$dest/$(basename "$pkg")" --version >&2 || true
      exit 1
    }
  done
  echo "build-peers: $name: built in $((SECONDS - start)) s" >&2
}

# alertmanager_source VERSION: a writable copy of github.com/prometheus/alertmanager@VERSION with a placeholder UI
alertmanager_source() {
  local v=$1 src="$tools/src/alertmanager-v$1" mod
  if [ ! -f "$src/go.mod" ]; then
    mod=$(go mod download -json "github.com/prometheus/alertmanager@v$v" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
    if [ -z "$mod" ] || [ ! -f "$mod/go.mod" ]; then
      echo "build-peers: go mod download of alertmanager v$v failed" >&2
      exit 1
    fi
    rm -rf "$src"; mkdir -p "$tools/src"
    cp -R "$mod" "$src"
    chmod -R u+w "$src"
  fi
  mkdir -p "$src/ui/app/dist"
  echo '<!doctype html><title>Alertmanager</title><p>The web UI is not part of this build.</p>' >"$src/ui/app/dist/index.html"
  echo "$src"
}

date=$(date -u +%Y%m%d-%H:%M:%S)
# prometheus/common's version package: what --version, /api/v1/status/buildinfo and prometheus_build_info report
common_version() {
  local v=$1 x=github.com/prometheus/common/version
  echo "-X $x.Version=$v -X $x.Revision=module-v$v -X $x.Branch=HEAD -X $x.BuildUser=promstack-build-peers -X $x.BuildDate=$date"
}
# component-base's version package: what --version and the API server's /version report (helm compares the chart's
# kubeVersion with it; an unset one is v0.0.0 and the chart is refused)
kube_version() {
  local v=$1 x=k8s.io/component-base/version minor
  minor=$(echo "$v" | cut -d. -f2)
  echo "-X $x.gitVersion=v$v -X $x.gitMajor=1 -X $x.gitMinor=$minor -X $x.gitTreeState=clean -X $x.buildDate=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
}

want=("$@")
[ ${#want[@]} -gt 0 ] || want=(prometheus alertmanager kubernetes)
for peer in "${want[@]}"; do
  case "$peer" in
    prometheus)
      build prometheus "$peers/prometheus" "$tools/prometheus-v$PROMETHEUS_VERSION" "version $PROMETHEUS_VERSION " \
        "$(common_version "$PROMETHEUS_VERSION")" \
        github.com/prometheus/prometheus/cmd/prometheus github.com/prometheus/prometheus/cmd/promtool ;;
    alertmanager)
      build alertmanager "$(alertmanager_source "$ALERTMANAGER_VERSION")" "$tools/alertmanager-v$ALERTMANAGER_VERSION" "version $ALERTMANAGER_VERSION " \
        "$(common_version "$ALERTMANAGER_VERSION")" \
        ./cmd/alertmanager ./cmd/amtool ;;
    kubernetes)
      build kubernetes "$peers/kubernetes" "$tools/kubernetes-v$KUBERNETES_VERSION" "Kubernetes v$KUBERNETES_VERSION" \
        "$(kube_version "$KUBERNETES_VERSION")" \
        k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager \
        k8s.io/kubernetes/cmd/kube-scheduler ;;
    *) echo "build-peers: unknown peer $peer (prometheus, alertmanager, kubernetes)" >&2; exit 2 ;;
  esac
done
