"""scripts/docker-engine.sh never replaces an engine of ours that is alive but slow to answer: starting a second
one deleted the socket every other test was using (seen as "no Docker engine reachable" in the middle of a run)."""

from __future__ import annotations

import socket
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_a_live_engine_that_does_not_answer_is_waited_for_and_never_replaced(tmp_path: Path) -> None:
    folder = tmp_path / "engine"
    folder.mkdir()
    sock = folder / "docker.sock"
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(sock))  # the running engine's socket
    busy = subprocess.Popen(["sleep", "60"])  # the running engine, as its pid file names it
    (folder / "dockerd.pid").write_text(f"{busy.pid}\n")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name in ("docker", "dockerd"):  # a client whose engine never answers; a dockerd that must not start
        tool = bin_dir / name
        tool.write_text(f"#!/bin/sh\necho {name} >> {tmp_path / 'calls'}\nexit 1\n")
        tool.chmod(0o755)
    env = {
        "PATH": f"{bin_dir}:/usr/bin:/bin",
        "MLSPEC_DOCKER_DIR": str(folder),
        "MLSPEC_DOCKER_WAIT": "2",
        "HOME": str(tmp_path),
    }
    try:
        done = subprocess.run(
            ["bash", str(ROOT / "scripts" / "docker-engine.sh")], env=env, capture_output=True, text=True, timeout=60
        )
    finally:
        busy.kill()
        busy.wait()
        server.close()
    assert done.returncode == 1
    assert done.stdout == ""
    assert f"(pid {busy.pid}) is running but did not answer" in done.stderr
    assert sock.exists()  # the socket other tests use is still there
    assert "dockerd" not in (tmp_path / "calls").read_text().split()  # no second engine was started
