"""The Docker engine of the tests (scripts/docker-engine.sh), shared by every xdist worker.

Workers never stop it: a worker that stopped the engine it started would cut another worker's
build, push or container mid-test (seen in CI as "Cannot connect to the Docker daemon" and as a
push broken mid-stream). The controlling process stops, at the end of the session, an engine that
the session started (tests/conftest.py).
"""

from __future__ import annotations

import os
import signal
from pathlib import Path

PIDFILE = (
    Path(os.environ.get("MLSPEC_DOCKER_DIR") or Path(os.environ.get("TMPDIR", "/tmp")) / "mlspec-docker")
    / "dockerd.pid"
)


def dockerd_pid() -> int | None:
    """The pid of the engine scripts/docker-engine.sh started, when it is alive."""
    try:
        pid = int(PIDFILE.read_text().strip())
        os.kill(pid, 0)
        return pid
    except (OSError, ValueError):
        return None


def stop_if_started(before: int | None) -> bool:
    """Stop the script's engine when it is not the one that was running at ``before``."""
    now = dockerd_pid()
    if now is None or now == before:
        return False
    os.kill(now, signal.SIGTERM)
    return True
