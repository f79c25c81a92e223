from __future__ import annotations

from pathlib import Path

import pytest

from tests.spec.cases import materialize


@pytest.fixture(scope="session")
def cases(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """tests/cases with every case's shared files in place (tests/spec/cases.py); tests must not change it."""
    return materialize(tmp_path_factory.mktemp("cases") / "cases")
