"""A daemon the tests share is stopped only when this session started it (tests/shared_daemons.py)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.shared_daemons import Daemon


@pytest.fixture
def daemon(tmp_path: Path) -> Iterator[tuple[Daemon, subprocess.Popen[bytes]]]:
    process = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    pidfile = tmp_path / "daemon.pid"
    pidfile.write_text(f"{process.pid}\n")
    yield Daemon(pidfile), process
    process.kill()
    process.wait()


def test_a_daemon_that_was_running_before_the_session_is_left_running(
    daemon: tuple[Daemon, subprocess.Popen[bytes]],
) -> None:
    shared, process = daemon
    assert shared.pid() == process.pid
    assert shared.stop_if_started(process.pid) is False
    assert process.poll() is None


def test_a_daemon_the_session_started_is_stopped(daemon: tuple[Daemon, subprocess.Popen[bytes]]) -> None:
    shared, process = daemon
    assert shared.stop_if_started(None) is True
    assert process.wait(timeout=10) != 0


def test_no_daemon_is_nothing_to_stop(tmp_path: Path) -> None:
    missing = Daemon(tmp_path / "missing.pid")
    assert missing.pid() is None
    assert missing.stop_if_started(None) is False
