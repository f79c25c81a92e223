"""`mlspec build --containerize` for real, where the suite can start a Docker engine
(scripts/docker-engine.sh) and a base image exists locally (no image registry is reachable here).
Otherwise skipped with the concrete reason."""

from __future__ import annotations

import os
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers import ROOT, run_mlspec
from tests.serve.conftest import Project

pytestmark = [pytest.mark.slow, pytest.mark.docker, pytest.mark.xdist_group("serve")]

BASE_IMAGE = os.environ.get("MLSPEC_TEST_BASE_IMAGE", "mlspec-test-base:latest")


PIDFILE = Path(os.environ.get("MLSPEC_DOCKER_DIR") or Path(os.environ.get("TMPDIR", "/tmp")) / "mlspec-docker") / "dockerd.pid"


def _dockerd_pid() -> int | None:
    try:
        pid = int(PIDFILE.read_text().strip())
        os.kill(pid, 0)
        return pid
    except (OSError, ValueError):
        return None


@pytest.fixture
def engine() -> Iterator[str]:
    """An engine for the test; one this test started (via the script) is stopped afterwards."""
    before = _dockerd_pid()
    try:
        yield _engine()
    finally:
        started = _dockerd_pid()
        if started is not None and started != before:
            os.kill(started, signal.SIGTERM)


def _engine() -> str:
    script = ROOT / "scripts" / "docker-engine.sh"
    result = subprocess.run(["bash", str(script)], capture_output=True, text=True, timeout=600)
    if result.returncode != 0:
        pytest.skip(f"no Docker engine: scripts/docker-engine.sh failed: {result.stderr.strip()[-500:]}")
    return result.stdout.strip().splitlines()[-1]


def test_containerize_builds_the_image(project: Project, tmp_path: Path, engine: str) -> None:
    host = engine
    env = {**os.environ, "DOCKER_HOST": host}
    found = subprocess.run(["docker", "image", "inspect", BASE_IMAGE], capture_output=True, text=True, env=env)
    if found.returncode != 0:
        pytest.skip(f"engine at {host} answers, but base image {BASE_IMAGE} is not there and no registry is "
                    "reachable to pull one; make one locally (e.g. `docker import` of a Debian rootfs with "
                    "Python 3.11 and this project's packages) and set MLSPEC_TEST_BASE_IMAGE")
    spec = project.spec.read_text()
    copy = tmp_path / "mlproject.yaml"
    for folder in ("data", "src"):
        (tmp_path / folder).symlink_to(project.root / folder)
    copy.write_text(spec.replace("serve:\n  service: breast_cancer",
                                 f"serve:\n  service: breast_cancer\n  container:\n    base_image: {BASE_IMAGE}\n"
                                 "    repository: mlspec-test/breast-cancer"))
    result = run_mlspec("build", str(copy), "--version", project.tag, "--containerize", env={"DOCKER_HOST": host},
                        timeout=1800)
    assert result.returncode == 0, result.stderr
    image = f"mlspec-test/breast-cancer:{project.tag.split(':')[1]}"
    assert f"image {image} built" in result.stdout
    assert subprocess.run(["docker", "image", "inspect", image], env=env, capture_output=True).returncode == 0
