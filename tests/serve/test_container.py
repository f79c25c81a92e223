"""`mlspec build --containerize` for real, where the suite can start a Docker engine
(scripts/docker-engine.sh). No image registry is reachable here, so the base image is made locally
(scripts/docker-base-image.sh: debootstrap of Debian bookworm + python3.11 + uv, `docker import`).
Skipped, with the concrete reason, only when the engine or the base image cannot be had."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers import ROOT, run_mlspec
from tests.serve.conftest import Project
from tests.serve.image_predictions import image_predictions

# A cold machine installs docker.io and debootstrap, builds the rootfs and downloads the image's packages.
pytestmark = [pytest.mark.slow, pytest.mark.docker, pytest.mark.xdist_group("serve"), pytest.mark.timeout(2400)]

BASE_IMAGE = os.environ.get("MLSPEC_TEST_BASE_IMAGE", "mlspec-test-base:latest")
BASE_IMAGE_TIMEOUT = 900


@pytest.fixture
def engine() -> Iterator[str]:
    """An engine for the test, left running for the other workers (tests/shared_daemons.py)."""
    yield _engine()


def _engine() -> str:
    script = ROOT / "scripts" / "docker-engine.sh"
    result = subprocess.run(["bash", str(script)], capture_output=True, text=True, timeout=600)
    if result.returncode != 0:
        pytest.skip(f"no Docker engine: scripts/docker-engine.sh failed: {result.stderr.strip()[-500:]}")
    return result.stdout.strip().splitlines()[-1]


def _base_image(env: dict[str, str]) -> None:
    """The base image, made locally by scripts/docker-base-image.sh (debootstrap) when the engine lacks it."""
    if subprocess.run(["docker", "image", "inspect", BASE_IMAGE], capture_output=True, env=env).returncode == 0:
        return
    script = ROOT / "scripts" / "docker-base-image.sh"
    result = subprocess.run(
        ["bash", str(script), BASE_IMAGE], capture_output=True, text=True, env=env, timeout=BASE_IMAGE_TIMEOUT
    )
    if result.returncode != 0:
        pytest.skip(
            f"no base image {BASE_IMAGE} (no registry is reachable) and scripts/docker-base-image.sh "
            f"could not make one: {result.stderr.strip()[-800:]}"
        )


def test_containerize_builds_the_image(project: Project, tmp_path: Path, engine: str) -> None:
    host = engine
    env = {**os.environ, "DOCKER_HOST": host}
    _base_image(env)
    spec = project.spec.read_text()
    copy = tmp_path / "mlproject.yaml"
    for folder in ("data", "src"):
        (tmp_path / folder).symlink_to(project.root / folder)
    copy.write_text(
        spec.replace(
            "serve:\n  service: breast_cancer",
            f"serve:\n  service: breast_cancer\n  container:\n    base_image: {BASE_IMAGE}\n"
            "    repository: mlspec-test/breast-cancer",
        )
    )
    result = run_mlspec(
        "build", str(copy), "--version", project.tag, "--containerize", env={"DOCKER_HOST": host}, timeout=1800
    )
    assert result.returncode == 0, result.stderr
    image = f"mlspec-test/breast-cancer:{project.tag.split(':')[1]}"
    assert f"image {image} built" in result.stdout
    try:
        assert subprocess.run(["docker", "image", "inspect", image], env=env, capture_output=True).returncode == 0
        # The image's own Python and packages load the Bento's model and predict as on the host (no network).
        rows = project.X_test.head(5)
        assert image_predictions(image, rows, env, timeout=120) == project.model.predict(rows).tolist()
    finally:  # each session's model version makes a new ~1 GB image
        subprocess.run(["docker", "image", "rm", "-f", image], env=env, capture_output=True)
