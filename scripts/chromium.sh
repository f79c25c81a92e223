#!/usr/bin/env bash
# Make a headless Chromium available and print its path (on stdout, nothing else).
#
# Idempotent: 1) $MLSPEC_CHROMIUM, or chromium / chromium-browser already on PATH, is reused;
# 2) otherwise Debian's chromium package is installed (root only: apt-get update && apt-get install -y chromium).
# Exits non-zero with the reason on stderr when it cannot: the report rendering test
# (tests/report/test_rendering.py) then skips with that reason.
set -euo pipefail

log() { echo "chromium: $*" >&2; }
fail() { log "$*"; exit 1; }

found() {
    if [ -n "${MLSPEC_CHROMIUM:-}" ] && [ -x "$MLSPEC_CHROMIUM" ]; then echo "$MLSPEC_CHROMIUM"; return 0; fi
    for name in chromium chromium-browser; do
        if command -v "$name" >/dev/null 2>&1; then command -v "$name"; return 0; fi
    done
    return 1
}

if found; then exit 0; fi
[ "$(id -u)" = 0 ] || fail "chromium is not installed and installing it needs root: run 'apt-get install -y chromium' as root"
command -v apt-get >/dev/null 2>&1 || fail "chromium is not installed and there is no apt-get: install Chromium by hand and set MLSPEC_CHROMIUM"
log "installing chromium with apt-get"
export DEBIAN_FRONTEND=noninteractive
# one installer at a time: parallel test workers may all ask at once
exec 9>"${TMPDIR:-/tmp}/mlspec-chromium-install.lock"
flock 9
if found; then exit 0; fi
{ apt-get update -q && apt-get install -y -q --no-install-recommends chromium; } >&2 \
    || fail "apt-get install chromium failed (see above)"
found || fail "chromium is installed but not on PATH"
