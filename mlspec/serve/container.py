"""OCI image from a built Bento through `bentoml containerize` (docker backend), and pushing it.

Needs a reachable Docker engine (DOCKER_HOST or the default socket) and a base image the engine
has or can pull: `serve.container.base_image` becomes the bentofile's `docker.base_image`.
"""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

from mlspec.errors import ServeError
from mlspec.spec.models import Spec

DEFAULT_SOCKET = "unix:///var/run/docker.sock"


def docker_host() -> str:
    return os.environ.get("DOCKER_HOST") or DEFAULT_SOCKET


def require_engine() -> Any:
    """A docker SDK client for an engine that answers a ping, or a clear error."""
    import docker

    try:
        client = docker.from_env(timeout=15)
        client.ping()
        return client
    except Exception:  # noqa: BLE001 - any failure to reach the engine means the same to the user
        raise ServeError(f"no Docker engine reachable at {docker_host()}: start Docker or set DOCKER_HOST") from None


def image_name(spec: Spec, model_version: str) -> str:
    """`[registry/]repository:tag`; repository defaults to the project name, tag to the model version."""
    container = spec.serve.container
    repository = container.repository or spec.name
    prefix = f"{container.registry}/" if container.registry else ""
    return f"{prefix}{repository}:{model_version.lower()[:128]}"


def has_buildx() -> bool:
    """Whether the docker client has its buildx component (BuildKit builds need it since Docker 23)."""
    try:
        return subprocess.run(["docker", "buildx", "version"], capture_output=True, timeout=30).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def containerize(bento_tag: str, image: str) -> None:
    argv = [
        sys.executable,
        "-m",
        "bentoml",
        "containerize",
        bento_tag,
        "--backend",
        "docker",
        "--image-tag",
        image,
        "--opt",
        "network=host",
    ]
    env = {**os.environ, "BENTOML_DO_NOT_TRACK": os.environ.get("BENTOML_DO_NOT_TRACK", "true")}
    if "DOCKER_BUILDKIT" not in env and not has_buildx():
        # BentoML forces DOCKER_BUILDKIT=1, which a client without buildx refuses; its Dockerfile
        # (without BuildKit) also builds with the classic builder.
        env["DOCKER_BUILDKIT"] = "0"
    result = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=3600)
    if result.returncode != 0:
        tail = "\n".join((result.stderr + "\n" + result.stdout).strip().splitlines()[-20:])
        raise ServeError(
            f"`bentoml containerize {bento_tag}` failed (exit {result.returncode}):\n{tail}",
            hint="the base image must exist locally or in a reachable registry (serve.container.base_image)",
        )
