#!/usr/bin/env bash
# Start a real OCI registry (Debian's `docker-registry`, the CNCF distribution) on 127.0.0.1 and print its
# address `127.0.0.1:PORT` (on stdout, nothing else). For the push/pull-by-digest tests of mlspec/deploy.
#
# Idempotent: a registry this script started earlier that still answers is reused. Installs the package
# with apt-get when it is missing (root only). Storage and config live in $MLSPEC_REGISTRY_DIR (default:
# $TMPDIR/mlspec-registry); no authentication, loopback only. Stop it with
#   kill "$(cat "$MLSPEC_REGISTRY_DIR/registry.pid")"
set -euo pipefail

DIR="${MLSPEC_REGISTRY_DIR:-${TMPDIR:-/tmp}/mlspec-registry}"
PORT="${MLSPEC_REGISTRY_PORT:-5055}"
ADDR="127.0.0.1:$PORT"

log() { echo "oci-registry: $*" >&2; }
fail() { log "$*"; exit 1; }
answers() { curl -fsS -o /dev/null --max-time 5 "http://$ADDR/v2/" 2>/dev/null; }

if [ -f "$DIR/registry.pid" ] && kill -0 "$(cat "$DIR/registry.pid")" 2>/dev/null && answers; then
    echo "$ADDR"; exit 0
fi
if ! command -v docker-registry >/dev/null 2>&1; then
    [ "$(id -u)" = 0 ] || fail "docker-registry is not installed and installing it needs root: run 'apt-get install -y docker-registry' as root"
    command -v apt-get >/dev/null 2>&1 || fail "docker-registry is not installed and there is no apt-get"
    log "installing docker-registry with apt-get"
    export DEBIAN_FRONTEND=noninteractive
    { apt-get install -y -q docker-registry || { apt-get update -q && apt-get install -y -q docker-registry; }; } >&2 \
        || fail "apt-get install docker-registry failed (see above)"
fi
answers && fail "something else answers on $ADDR: set MLSPEC_REGISTRY_PORT to a free port"

mkdir -p "$DIR/storage"
cat >"$DIR/config.yml" <<CONFIG
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $DIR/storage
  delete:
    enabled: true
http:
  addr: $ADDR
CONFIG
nohup docker-registry serve "$DIR/config.yml" >"$DIR/registry.log" 2>&1 &
echo $! >"$DIR/registry.pid"
for _ in $(seq 1 50); do
    if answers; then echo "$ADDR"; exit 0; fi
    sleep 0.2
done
fail "the registry did not answer on $ADDR within 10 s; see $DIR/registry.log"
