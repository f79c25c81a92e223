"""The test servers stop at once: each test's teardown stops a GitHub stand-in (and some a recorder or an artifact
file server), and serve_forever's default poll (0.5 s) made every stop wait for it, about half a second per test."""

from __future__ import annotations

import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.github_standin.artifacts import ArtifactStore
from tests.github_standin.server import GitHubStandIn
from tests.hosts.github.recorder import Recorder

CYCLES = 5


def _standin(_: Path) -> Callable[[], None]:
    standin = GitHubStandIn().start()
    request = urllib.request.Request(
        f"{standin.api_url}/repos/{standin.repository}", headers={"Authorization": f"Bearer {standin.token}"}
    )
    with urllib.request.urlopen(request, timeout=30) as answer:  # it serves
        assert answer.status == 200
    return standin.stop


def _recorder(_: Path) -> Callable[[], None]:
    return Recorder().stop


def _artifacts(tmp_path: Path) -> Callable[[], None]:
    return ArtifactStore(tmp_path).stop


@pytest.mark.parametrize("start", [_standin, _recorder, _artifacts], ids=["standin", "recorder", "artifacts"])
def test_a_started_server_stops_at_once(start: Callable[[Path], Callable[[], None]], tmp_path: Path) -> None:
    stops = []
    for _ in range(CYCLES):
        stop = start(tmp_path)
        began = time.monotonic()
        stop()
        stops.append(time.monotonic() - began)
    # with the default poll, a stop right after the start waits out the first 0.5 s select: 2.5 s for five
    assert sum(stops) < 1.25, stops
