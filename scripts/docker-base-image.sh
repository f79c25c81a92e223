#!/usr/bin/env bash
# Make a local base image for `bentoml containerize` without any image registry, and print its name
# (on stdout, nothing else; logs go to stderr).
#
# The image is Debian bookworm (minbase) made with debootstrap from the Debian package mirror, with
# python3.11, ca-certificates, and the `uv` binary of this project's venv in /usr/local/bin
# (BentoML's Dockerfile then skips `pip install uv`, which Debian's pip refuses under PEP 668).
#
# Idempotent: 1) an image the engine already has is reused; 2) a rootfs tarball cached under
# $MLSPEC_DOCKER_DIR (default: $TMPDIR/mlspec-docker) is imported again (fast with a fresh engine);
# 3) otherwise (root only) debootstrap builds the rootfs (apt-get installs debootstrap if missing).
# DOCKER_HOST comes from the environment. Exits non-zero with the reason on stderr when it cannot.
#   usage: scripts/docker-base-image.sh [IMAGE]   (default: $MLSPEC_TEST_BASE_IMAGE or mlspec-test-base:latest)
set -euo pipefail

IMAGE="${1:-${MLSPEC_TEST_BASE_IMAGE:-mlspec-test-base:latest}}"
DIR="${MLSPEC_DOCKER_DIR:-${TMPDIR:-/tmp}/mlspec-docker}"
SUITE=bookworm
PACKAGES=python3.11,ca-certificates  # uv makes the venv itself: no python3.11-venv
ROOT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
UV="${MLSPEC_UV:-$ROOT_DIR/.venv/bin/uv}"
# Certificate authorities the host's admin added (e.g. of a TLS-intercepting egress proxy): the image
# trusts them too, or `uv pip install` in the image build cannot reach PyPI from this network.
LOCAL_CAS=/usr/local/share/ca-certificates
# The cached rootfs is keyed by what goes into it.
KEY="$({ echo "$SUITE $PACKAGES"; sha256sum "$UV" 2>/dev/null; cat "$LOCAL_CAS"/*.crt 2>/dev/null; } | sha256sum | cut -c1-12)"
TARBALL="$DIR/base-rootfs-$SUITE-$KEY.tar"

log() { echo "docker-base-image: $*" >&2; }
fail() { log "$*"; exit 1; }

command -v docker >/dev/null 2>&1 || fail "the docker client is not on PATH (run scripts/docker-engine.sh first)"
timeout 10 docker version --format '{{.Server.Version}}' >/dev/null 2>&1 \
    || fail "no Docker engine answers at ${DOCKER_HOST:-the default socket}: run scripts/docker-engine.sh and export the DOCKER_HOST it prints"

if docker image inspect "$IMAGE" >/dev/null 2>&1; then echo "$IMAGE"; exit 0; fi
# One maker at a time (parallel test workers on a fresh engine both got here, and the second's debootstrap
# failed on the first's half-written tarball): wait for the other, then reuse what it made.
mkdir -p "$DIR"
exec 9>"$DIR/base-image.lock"
flock 9
if docker image inspect "$IMAGE" >/dev/null 2>&1; then echo "$IMAGE"; exit 0; fi

mirror() {  # the first Debian mirror URI apt uses here, else deb.debian.org
    local uri=""
    if [ -r /etc/apt/sources.list.d/debian.sources ]; then
        uri="$(awk '/^URIs:/ { for (i = 2; i <= NF; i++) if ($i !~ /security/) { print $i; exit } }' \
            /etc/apt/sources.list.d/debian.sources)"
    fi
    if [ -z "$uri" ] && [ -r /etc/apt/sources.list ]; then
        uri="$(awk '$1 == "deb" && $0 !~ /security/ { for (i = 2; i <= NF; i++) if ($i ~ /^https?:/) { print $i; exit } }' \
            /etc/apt/sources.list)"
    fi
    echo "${uri:-http://deb.debian.org/debian}"
}

make_tarball() {
    [ "$(id -u)" = 0 ] || fail "building the base rootfs with debootstrap needs root; or import one yourself: docker import <rootfs.tar> $IMAGE"
    [ -x "$UV" ] || fail "uv binary not found at $UV (set MLSPEC_UV to a uv executable)"
    if ! command -v debootstrap >/dev/null 2>&1; then
        command -v apt-get >/dev/null 2>&1 || fail "debootstrap is not installed and there is no apt-get to install it"
        log "installing debootstrap with apt-get"
        export DEBIAN_FRONTEND=noninteractive
        { apt-get install -y -q debootstrap || { apt-get update -q && apt-get install -y -q debootstrap; }; } >&2 \
            || fail "apt-get install debootstrap failed (see above)"
    fi
    mkdir -p "$DIR"
    local rootfs uri
    rootfs="$(mktemp -d "$DIR/rootfs.XXXXXX")"
    trap 'rm -rf "$rootfs" "$TARBALL.part"' EXIT
    uri="$(mirror)"
    log "debootstrap --variant=minbase --include=$PACKAGES $SUITE from $uri (a few minutes)"
    if ! debootstrap --variant=minbase --include="$PACKAGES" "$SUITE" "$rootfs" "$uri" >&2; then
        tail -n 20 "$rootfs/debootstrap/debootstrap.log" >&2 2>/dev/null || true
        fail "debootstrap $SUITE from $uri failed (its log's tail is above)"
    fi
    [ -x "$rootfs/usr/bin/python3.11" ] || fail "debootstrap finished but the rootfs has no /usr/bin/python3.11"
    install -m 0755 "$UV" "$rootfs/usr/local/bin/uv"
    if compgen -G "$LOCAL_CAS/*.crt" >/dev/null; then
        log "adding the host's local CAs ($(cd "$LOCAL_CAS" && echo *.crt)) to the image's trust store"
        cp "$LOCAL_CAS"/*.crt "$rootfs$LOCAL_CAS/"
        chroot "$rootfs" update-ca-certificates >&2 || fail "update-ca-certificates in the rootfs failed"
    fi
    rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/log/*.log \
        "$rootfs"/tmp/* "$rootfs"/root/.cache
    tar --numeric-owner -C "$rootfs" -cf "$TARBALL.part" . || fail "could not write $TARBALL.part"
    mv "$TARBALL.part" "$TARBALL"
    rm -rf "$rootfs"
    trap - EXIT
    log "rootfs cached in $TARBALL"
}

[ -s "$TARBALL" ] || make_tarball
log "importing $TARBALL as $IMAGE"
docker import --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'ENV SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt' --change 'CMD ["/bin/bash"]' "$TARBALL" "$IMAGE" >/dev/null \
    || fail "docker import of $TARBALL failed (delete it to rebuild the rootfs)"
docker image inspect "$IMAGE" >/dev/null 2>&1 || fail "docker import reported success but $IMAGE is missing"
echo "$IMAGE"
