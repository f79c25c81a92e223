"""The tests' shared OCI registry is stopped only by the session that started it, never by a worker's fixture
(tests/oci_registry.py): the act group's delivery test pushes while the serve group's tests run."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests import oci_registry


@pytest.fixture
def server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    process = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    (tmp_path / "registry.pid").write_text(f"{process.pid}\n")
    monkeypatch.setattr(oci_registry, "REGISTRY_DIR", tmp_path)
    yield process
    process.kill()
    process.wait()


def test_a_registry_that_was_running_before_the_session_is_left_running(server: subprocess.Popen) -> None:
    assert oci_registry.registry_pid() == server.pid
    assert oci_registry.stop_if_started(server.pid) is False
    assert server.poll() is None


def test_a_registry_the_session_started_is_stopped(server: subprocess.Popen) -> None:
    assert oci_registry.stop_if_started(None) is True
    assert server.wait(timeout=10) != 0
