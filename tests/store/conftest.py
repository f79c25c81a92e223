"""Stores with real parts: a folder, and an S3 API (moto's server on 127.0.0.1, as tests/pipeline's data tests)."""

from __future__ import annotations

import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.moto_s3 import moto_s3_server, s3_client


@pytest.fixture(scope="session")
def _moto_s3() -> Iterator[dict[str, str]]:
    """One moto server per worker (its start-up is a second of CPU); s3_env empties it before each test."""
    with moto_s3_server() as env:
        yield env


@pytest.fixture
def s3_env(_moto_s3: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """moto's S3 server on 127.0.0.1 with only an empty bucket `models` (moto's reset API drops what earlier tests
    stored); the AWS variables set here and returned for children."""
    env = _moto_s3
    reset = urllib.request.Request(f"{env['AWS_ENDPOINT_URL']}/moto-api/reset", method="POST")
    with urllib.request.urlopen(reset, timeout=30) as answer:
        assert answer.status == 200
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    s3_client(env).create_bucket(Bucket="models")
    return env


@pytest.fixture(params=["folder", "s3"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The URL of an empty store: a folder, or a prefix in moto's S3."""
    if request.param == "folder":
        return str(tmp_path / "store")
    request.getfixturevalue("s3_env")
    return "s3://models/team/project"
