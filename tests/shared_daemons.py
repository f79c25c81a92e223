"""Daemons the tests share across xdist workers: the Docker engine (scripts/docker-engine.sh) and the OCI
registry (scripts/oci-registry.sh).

Workers never stop them: a worker that stopped the engine it started cut another worker's build, push or
container mid-test (seen in CI as "Cannot connect to the Docker daemon" and as a push broken mid-stream).
The controlling process stops, at the end of the session, each daemon the session started
(tests/conftest.py).
"""

from __future__ import annotations

import os
import signal
from dataclasses import dataclass
from pathlib import Path


def _folder(variable: str, default: str) -> Path:
    return Path(os.environ.get(variable) or Path(os.environ.get("TMPDIR", "/tmp")) / default)


@dataclass
class Daemon:
    """A daemon one of our scripts starts in the background, known by the pid file it writes."""

    pidfile: Path

    def pid(self) -> int | None:
        """Its pid, when it is alive."""
        try:
            pid = int(self.pidfile.read_text().strip())
            os.kill(pid, 0)
            return pid
        except (OSError, ValueError):
            return None

    def stop_if_started(self, before: int | None) -> bool:
        """Stop it when it is not the one that was running at ``before``."""
        now = self.pid()
        if now is None or now == before:
            return False
        os.kill(now, signal.SIGTERM)
        return True


DOCKER_ENGINE = Daemon(_folder("MLSPEC_DOCKER_DIR", "mlspec-docker") / "dockerd.pid")
OCI_REGISTRY = Daemon(_folder("MLSPEC_REGISTRY_DIR", "mlspec-registry") / "registry.pid")
SHARED = (DOCKER_ENGINE, OCI_REGISTRY)
