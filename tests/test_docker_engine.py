"""The tests' shared Docker engine is stopped only when this session started it (tests/docker_engine.py)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests import docker_engine


@pytest.fixture
def daemon(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    process = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    pidfile = tmp_path / "dockerd.pid"
    pidfile.write_text(f"{process.pid}\n")
    monkeypatch.setattr(docker_engine, "PIDFILE", pidfile)
    yield process
    process.kill()
    process.wait()


def test_an_engine_that_was_running_before_the_session_is_left_running(daemon: subprocess.Popen) -> None:
    assert docker_engine.dockerd_pid() == daemon.pid
    assert docker_engine.stop_if_started(daemon.pid) is False
    assert daemon.poll() is None


def test_an_engine_the_session_started_is_stopped(daemon: subprocess.Popen) -> None:
    assert docker_engine.stop_if_started(None) is True
    assert daemon.wait(timeout=10) != 0


def test_no_engine_is_nothing_to_stop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(docker_engine, "PIDFILE", tmp_path / "missing.pid")
    assert docker_engine.dockerd_pid() is None
    assert docker_engine.stop_if_started(None) is False
