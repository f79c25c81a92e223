#!/usr/bin/env bash
# Print the path of a kubectl with its built-in Kustomize (the tests of mlspec/deploy build overlays with
# `kubectl kustomize`). Uses the one on PATH (GitHub's ubuntu runners and the standard machine image have
# one); otherwise downloads the pinned release from dl.k8s.io into $MLSPEC_KUBECTL_DIR (default:
# .venv/bin), checks it against the published SHA-256, and prints that path. Nothing else on stdout.
set -euo pipefail

VERSION="${MLSPEC_KUBECTL_VERSION:-v1.32.4}"
DIR="${MLSPEC_KUBECTL_DIR:-$(cd "$(dirname "$0")/.." && pwd)/.venv/bin}"

log() { echo "kubectl: $*" >&2; }

if command -v kubectl >/dev/null 2>&1 && kubectl kustomize --help >/dev/null 2>&1; then
    command -v kubectl
    exit 0
fi
if [ -x "$DIR/kubectl" ]; then echo "$DIR/kubectl"; exit 0; fi

case "$(uname -m)" in
    x86_64) arch=amd64 ;;
    aarch64 | arm64) arch=arm64 ;;
    *) log "no kubectl release for $(uname -m): install kubectl by hand"; exit 1 ;;
esac
url="https://dl.k8s.io/release/$VERSION/bin/linux/$arch/kubectl"
mkdir -p "$DIR"
tmp="$(mktemp "$DIR/.kubectl.XXXXXX")"
trap 'rm -f "$tmp"' EXIT
log "downloading $url"
curl -fsSL --retry 3 -o "$tmp" "$url"
want="$(curl -fsSL --retry 3 "$url.sha256")"
echo "$want  $tmp" | sha256sum --check --quiet - >&2 || { log "checksum mismatch for $url"; exit 1; }
chmod +x "$tmp"
mv "$tmp" "$DIR/kubectl"
trap - EXIT
echo "$DIR/kubectl"
