#!/usr/bin/env bash
# Make a Docker engine available and print the DOCKER_HOST to use (on stdout, nothing else).
#
# Idempotent: 1) an engine that already answers (DOCKER_HOST, the default socket, or the private
# socket of an earlier run) is reused; 2) Debian's docker.io is installed when dockerd is missing
# (root only: apt-get update && apt-get install -y docker.io); 3) dockerd is started in the
# background on a private socket under $MLSPEC_DOCKER_DIR (default: $TMPDIR/mlspec-docker).
# Exits non-zero with the reason on stderr when it cannot. Stop the engine it started with
#   kill "$(cat "$MLSPEC_DOCKER_DIR/dockerd.pid")"
set -euo pipefail

DIR="${MLSPEC_DOCKER_DIR:-${TMPDIR:-/tmp}/mlspec-docker}"
SOCK="$DIR/docker.sock"
WAIT_SECONDS="${MLSPEC_DOCKER_WAIT:-30}"

log() { echo "docker-engine: $*" >&2; }
fail() { log "$*"; exit 1; }

answers() {  # answers HOST -> 0 when an engine replies there
    command -v docker >/dev/null 2>&1 || return 1
    DOCKER_HOST="$1" timeout 10 docker version --format '{{.Server.Version}}' >/dev/null 2>&1
}

if [ -n "${DOCKER_HOST:-}" ] && answers "$DOCKER_HOST"; then echo "$DOCKER_HOST"; exit 0; fi
if [ -S /var/run/docker.sock ] && answers unix:///var/run/docker.sock; then echo unix:///var/run/docker.sock; exit 0; fi
if [ -S "$SOCK" ] && answers "unix://$SOCK"; then echo "unix://$SOCK"; exit 0; fi

# An engine of ours that is alive but slow to answer (a busy build on a loaded machine) is waited for, never
# replaced: starting another would delete the socket every other test is using.
PIDFILE="$DIR/dockerd.pid"
if [ -f "$PIDFILE" ] && kill -0 "$(cat "$PIDFILE" 2>/dev/null)" 2>/dev/null; then
    for _ in $(seq 1 "$WAIT_SECONDS"); do
        if answers "unix://$SOCK"; then echo "unix://$SOCK"; exit 0; fi
        sleep 1
    done
    fail "dockerd (pid $(cat "$PIDFILE")) is running but did not answer on unix://$SOCK within the wait; see $DIR/dockerd.log"
fi

if ! command -v dockerd >/dev/null 2>&1; then
    [ "$(id -u)" = 0 ] || fail "dockerd is not installed and installing it needs root: run 'apt-get install -y docker.io' as root"
    command -v apt-get >/dev/null 2>&1 || fail "dockerd is not installed and there is no apt-get: install Docker by hand"
    log "installing docker.io with apt-get"
    export DEBIAN_FRONTEND=noninteractive
    { apt-get update -q && apt-get install -y -q docker.io; } >&2 || fail "apt-get install docker.io failed (see above)"
    command -v dockerd >/dev/null 2>&1 || fail "docker.io is installed but dockerd is not on PATH"
fi
command -v docker >/dev/null 2>&1 || fail "dockerd is installed but the docker client is not on PATH"
[ "$(id -u)" = 0 ] || fail "starting dockerd needs root (or start Docker yourself and set DOCKER_HOST)"

mkdir -p "$DIR"
start() {  # start STORAGE_DRIVER -> 0 when the engine answers within WAIT_SECONDS
    local driver="$1"
    rm -f "$SOCK"
    log "starting dockerd (storage driver $driver) on unix://$SOCK, log in $DIR/dockerd.log"
    # No bridge/iptables: builds and containers use the host network (works in unprivileged sandboxes).
    setsid dockerd --host "unix://$SOCK" --data-root "$DIR/data" --exec-root "$DIR/exec" \
        --pidfile "$PIDFILE" --storage-driver "$driver" --bridge none --iptables=false \
        --ip6tables=false >"$DIR/dockerd.log" 2>&1 </dev/null &
    local pid=$!
    for _ in $(seq 1 "$WAIT_SECONDS"); do
        if answers "unix://$SOCK"; then return 0; fi
        kill -0 "$pid" 2>/dev/null || return 1
        sleep 1
    done
    kill "$pid" 2>/dev/null || true
    return 1
}
if start overlay2 || start vfs; then echo "unix://$SOCK"; exit 0; fi
fail "dockerd did not start; last lines of $DIR/dockerd.log: $(tail -n 5 "$DIR/dockerd.log" 2>/dev/null | tr '\n' ' ')"
