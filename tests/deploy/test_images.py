"""Image references and the record of pushed digests (the push itself: tests/serve/test_image_by_digest.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlspec.deploy.images import record_image, recorded_image, split_image
from tests.deploy.projects import k8s_project
from tests.helpers import run_cli


@pytest.mark.parametrize(
    "image, parts",
    [
        ("127.0.0.1:5055/acme/model:v1", ("127.0.0.1:5055/acme/model", "v1")),
        ("ghcr.io/acme/model:abc-123", ("ghcr.io/acme/model", "abc-123")),
        ("127.0.0.1:5055/acme/model", ("127.0.0.1:5055/acme/model", "latest")),
        ("model:v2", ("model", "v2")),
    ],
)
def test_split_image_keeps_the_registry_port(image: str, parts: tuple[str, str]) -> None:
    assert split_image(image) == parts


def test_pushed_digests_are_recorded_per_model(tmp_path: Path) -> None:
    first = "127.0.0.1:5055/acme/model@sha256:" + "a" * 64
    second = "127.0.0.1:5055/acme/model@sha256:" + "b" * 64
    assert recorded_image(tmp_path, "model:v1") is None
    record_image(tmp_path, "model:v1", first)
    record_image(tmp_path, "model:v2", second)
    assert (recorded_image(tmp_path, "model:v1"), recorded_image(tmp_path, "model:v2")) == (first, second)
    (tmp_path / ".mlspec" / "images.json").write_text('{"model:v1": "not an image; rm -rf /"}')
    assert recorded_image(tmp_path, "model:v1") is None  # only image references by digest are believed


def test_push_needs_containerize(tmp_path: Path) -> None:
    spec = k8s_project(tmp_path / "repo")
    result = run_cli("build", str(spec), "--push")
    assert result.returncode == 2
    assert "--push goes with --containerize" in result.stderr
