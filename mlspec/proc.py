"""Child processes in their own process group, stopped from outside: a deadline the child's code cannot
catch or swallow, and nothing left behind (the whole group is signalled, not only the direct child)."""

from __future__ import annotations

import os
import signal
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

STOP_GRACE_SECONDS = 5.0


def _signal_group(pgid: int, signum: int) -> None:
    try:
        os.killpg(pgid, signum)
    except (ProcessLookupError, PermissionError):
        pass


def stop_group(child: subprocess.Popen[Any], grace_seconds: float = 20) -> int:
    """Stop ``child`` and its process group: SIGTERM, then SIGKILL after ``grace_seconds``."""
    if child.poll() is None:
        _signal_group(child.pid, signal.SIGTERM)
        try:
            child.wait(timeout=grace_seconds)
        except subprocess.TimeoutExpired:
            _signal_group(child.pid, signal.SIGKILL)
            child.wait()
    return int(child.returncode)


@dataclass(frozen=True)
class GroupResult:
    returncode: int
    timed_out: bool


def run_in_group(
    argv: Sequence[str] | str,
    *,
    cwd: Path,
    env: dict[str, str],
    log_path: Path,
    timeout_seconds: float | None,
    shell: bool = False,
) -> GroupResult:
    """Run ``argv`` in a new session (its own process group) with stdout and stderr written to ``log_path``;
    past ``timeout_seconds`` the whole group is stopped. An interrupt of mlspec stops the group too."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "wb") as log:
        child = subprocess.Popen(
            argv,
            shell=shell,
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            child.wait(timeout=timeout_seconds)
        except subprocess.TimeoutExpired:
            stop_group(child, STOP_GRACE_SECONDS)
            _signal_group(child.pid, signal.SIGKILL)  # whatever the child left running in its group
            return GroupResult(int(child.returncode), timed_out=True)
        except BaseException:
            stop_group(child, STOP_GRACE_SECONDS)
            raise
        _signal_group(child.pid, signal.SIGKILL)
    return GroupResult(int(child.returncode), timed_out=False)


def run_captured(
    argv: Sequence[str],
    *,
    cwd: Path,
    env: dict[str, str],
    input_text: str | None,
    timeout_seconds: float,
) -> subprocess.CompletedProcess[str]:
    """Run ``argv`` in its own process group with stdout and stderr captured as text (undecodable bytes kept
    as surrogates); past ``timeout_seconds`` the whole group is killed (helpers the child started too, which
    would otherwise hold the pipes open) and ``subprocess.TimeoutExpired`` is raised."""
    child = subprocess.Popen(
        argv,
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL if input_text is None else subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        encoding="utf-8",
        errors="surrogateescape",
        start_new_session=True,
    )
    try:
        stdout, stderr = child.communicate(input_text, timeout=timeout_seconds)
    except subprocess.TimeoutExpired:
        _signal_group(child.pid, signal.SIGKILL)
        child.communicate()
        raise
    except BaseException:
        _signal_group(child.pid, signal.SIGKILL)
        child.wait()
        raise
    return subprocess.CompletedProcess(list(argv), int(child.returncode), stdout, stderr)
