"""pytest fixture for the GitHub stand-in. In a conftest.py:

from tests.github_standin.fixtures import github_standin  # noqa: F401
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.github_standin.server import GitHubStandIn


@pytest.fixture
def github_standin() -> Iterator[GitHubStandIn]:
    """A fresh stand-in per test; fails the test if any request or response broke the description."""
    with GitHubStandIn() as standin:
        yield standin
        assert standin.violations == [], "GitHub stand-in saw requests/responses that break the REST description"
