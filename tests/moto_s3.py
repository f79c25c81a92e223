"""A real S3 API for tests: moto's server on 127.0.0.1 in its own process group, started and stopped here."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pytest


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def moto_s3_server(start_seconds: float = 30) -> Iterator[dict[str, str]]:
    """Start moto's S3 server; yield the AWS variables that point a client at it (test credentials only)."""
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + start_seconds
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError(
                        f"moto's S3 server did not listen on 127.0.0.1:{port} within {start_seconds} s"
                    ) from None
                time.sleep(0.2)
        yield {
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_ENDPOINT_URL": f"http://127.0.0.1:{port}",
        }
    finally:
        os.killpg(server.pid, 15)
        server.wait(10)


def s3_client(env: dict[str, str]) -> Any:
    """A boto3 S3 client of the server ``env`` (what moto_s3_server yields) names, with its test credentials."""
    import boto3

    return boto3.client(
        "s3",
        endpoint_url=env["AWS_ENDPOINT_URL"],
        region_name=env["AWS_DEFAULT_REGION"],
        aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
    )


@contextmanager
def moto_s3_bucket(bucket: str, monkeypatch: pytest.MonkeyPatch | None = None) -> Iterator[dict[str, str]]:
    """moto_s3_server with an empty ``bucket`` made in it; yields the same AWS variables, also set in this process
    through ``monkeypatch`` when given (undone after the test)."""
    with moto_s3_server() as env:
        s3_client(env).create_bucket(Bucket=bucket)
        if monkeypatch is not None:
            for key, value in env.items():
                monkeypatch.setenv(key, value)
        yield env
