"""The OCI registry of the tests (scripts/oci-registry.sh), shared by every xdist worker.

As for the Docker engine (tests/docker_engine.py), workers never stop it: the act group's delivery test pushes and
pulls while the serve group's tests run, and a worker that stopped the registry it started would cut the other's
push or pull. The controlling process stops, at the end of the session, a registry the session started
(tests/conftest.py)."""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path

import pytest

from tests.helpers import ROOT

REGISTRY_DIR = Path(os.environ.get("MLSPEC_REGISTRY_DIR") or Path(os.environ.get("TMPDIR", "/tmp")) / "mlspec-registry")


def registry_pid() -> int | None:
    """The pid of the registry scripts/oci-registry.sh started, when it is alive."""
    try:
        pid = int((REGISTRY_DIR / "registry.pid").read_text().strip())
        os.kill(pid, 0)
        return pid
    except (OSError, ValueError):
        return None


def stop_if_started(before: int | None) -> bool:
    """Stop the script's registry when it is not the one that was running at ``before``."""
    now = registry_pid()
    if now is None or now == before:
        return False
    os.kill(now, signal.SIGTERM)
    return True


def registry_address() -> str:
    """`127.0.0.1:PORT` of the running registry, started when none is; the test is skipped, with the reason, when
    the script cannot start one."""
    result = subprocess.run(
        ["bash", str(ROOT / "scripts" / "oci-registry.sh")], capture_output=True, text=True, timeout=600
    )
    if result.returncode != 0:
        pytest.skip(f"no OCI registry: scripts/oci-registry.sh failed: {result.stderr.strip()[-500:]}")
    return result.stdout.strip().splitlines()[-1]
