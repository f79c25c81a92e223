"""Stores with real parts: a folder, and an S3 API (moto's server on 127.0.0.1, as tests/pipeline's data tests)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.moto_s3 import moto_s3_bucket


@pytest.fixture
def s3_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    """moto's S3 server on 127.0.0.1 with a bucket `models`; the AWS variables set here and returned for children."""
    with moto_s3_bucket("models", monkeypatch) as env:
        yield env


@pytest.fixture(params=["folder", "s3"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The URL of an empty store: a folder, or a prefix in moto's S3."""
    if request.param == "folder":
        return str(tmp_path / "store")
    request.getfixturevalue("s3_env")
    return "s3://models/team/project"
