#!/usr/bin/env bash
# The release archive krew installs from, for this machine's platform:
# dist/promstack-<os>-<arch>.tar.gz holding the five binaries and README.md at its top level (the
# `files` of .krew.yaml), and its sha256. Build on each platform (or cross-compile with
# CARGO_BUILD_TARGET) for the four archives .krew.yaml names.
set -euo pipefail
cd "$(dirname "$0")/.."
os=$(uname -s | tr '[:upper:]' '[:lower:]')
case "$(uname -m)" in x86_64|amd64) arch=amd64 ;; aarch64|arm64) arch=arm64 ;; *) arch=$(uname -m) ;; esac
cargo build --release --locked --bins
target=target/${CARGO_BUILD_TARGET:+$CARGO_BUILD_TARGET/}release
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
for b in kubectl-promstack kubectl-promstack-install kubectl-promstack-rules kubectl-promstack-dashboards kubectl-promstack-alert-test; do
  install -m 0755 "$target/$b" "$stage/$b"
done
cp README.md "$stage/"
mkdir -p dist
archive="dist/promstack-$os-$arch.tar.gz"
tar -C "$stage" -czf "$archive" .
sha256sum "$archive" | tee "$archive.sha256"
