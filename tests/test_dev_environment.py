"""The development environment `make setup` builds (actions/setup/install.sh --editable) holds the bytecode of every
module the tests' `mlspec` processes import: uv writes none, and where PYTHONDONTWRITEBYTECODE is set (as on the
shared test machine) no interpreter writes it, so each of the suite's hundreds of processes compiled pandas,
scikit-learn and mlspec from source again (3.5 s of CPU per `mlspec` start instead of 1.1 s)."""

from __future__ import annotations

import importlib
import importlib.util
import sys
from pathlib import Path

import pytest

# what every `mlspec` command imports, and what the model-test processes add
MODULES = ["pandas", "numpy", "sklearn.linear_model", "yaml", "pydantic", "jinja2", "mlspec.cli", "mlspec.spec.models"]


@pytest.mark.skipif(
    not (Path(sys.prefix) / ".installed").is_file(),  # the Makefile's stamp: another environment (make test-newest)
    reason="not the environment `make setup` builds",
)
@pytest.mark.parametrize("name", MODULES)
def test_the_modules_every_mlspec_process_imports_have_their_bytecode(name: str) -> None:
    module = importlib.import_module(name)
    source = Path(module.__file__ or "")
    cached = Path(importlib.util.cache_from_source(str(source)))
    assert cached.is_file(), f"{cached} is missing: run `make setup` (install.sh compiles the environment's bytecode)"
