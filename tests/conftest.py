from __future__ import annotations

import os
import sys
from pathlib import Path

# pytest keeps each test module's assertion-rewritten code in __pycache__ only where bytecode may be written; with
# PYTHONDONTWRITEBYTECODE set (as on the shared test machine) both xdist workers rewrote and compiled every test
# module at every run (about 5 s of CPU per worker). Set before the imports below so that tests' helpers are kept too.
sys.dont_write_bytecode = False

import pytest  # noqa: E402

from tests.collect_marks import deselects_every_test, module_marks  # noqa: E402
from tests.helpers import SOURCE_COMMIT, copy_example, init_repo  # noqa: E402
from tests.shared_daemons import SHARED  # noqa: E402

_LEAKY = (
    "GITHUB_TOKEN",
    "GH_TOKEN",
    "GITHUB_REPOSITORY",
    "GITHUB_API_URL",
    "GITHUB_EVENT_PATH",
    "GITHUB_STEP_SUMMARY",
    "GITHUB_OUTPUT",
    "GITHUB_SHA",
    "GITHUB_REF",
    "GITHUB_ACTIONS",
    "GITHUB_EVENT_NAME",
    "GITHUB_RUN_ID",
    "GITHUB_SERVER_URL",
    "GITHUB_ACTOR",
)


def _import_jsonschema_without_rfc3987_syntax() -> None:
    """jsonschema builds rfc3987_syntax's Lark grammars when it is imported (1.2 s of CPU per process) for its
    optional 'iri' format checks; no test validates with a format checker, so they would never run. Importing it
    here with the module hidden, as mlspec.pipeline.dc_compat does for deepchecks, spares each worker that."""
    if "jsonschema" in sys.modules or "rfc3987_syntax" in sys.modules:
        return
    sys.modules["rfc3987_syntax"] = None  # type: ignore[assignment]  # None in sys.modules: ImportError
    try:
        import jsonschema  # noqa: F401
    finally:
        del sys.modules["rfc3987_syntax"]


_import_jsonschema_without_rfc3987_syntax()


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """Under `-m` (make test-fast), a test module whose own marks deselect every test in it is not imported
    (tests/collect_marks.py); `make test` (no `-m`) imports every module."""
    markexpr = config.option.markexpr
    if not markexpr or collection_path.suffix != ".py" or not collection_path.name.startswith("test_"):
        return None
    return True if deselects_every_test(markexpr, module_marks(collection_path.read_text("utf-8"))) else None


def _is_controller(config: pytest.Config) -> bool:
    return not hasattr(config, "workerinput")  # xdist workers have it; the controller and a plain run do not


def pytest_sessionstart(session: pytest.Session) -> None:
    if _is_controller(session.config):
        session.config.stash[_DAEMONS_BEFORE] = [daemon.pid() for daemon in SHARED]


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Stop the Docker engine and registry this session started, once every worker is done with them."""
    if _is_controller(session.config):
        before = session.config.stash.get(_DAEMONS_BEFORE, [None] * len(SHARED))
        for daemon, pid in zip(SHARED, before, strict=True):
            daemon.stop_if_started(pid)


_DAEMONS_BEFORE = pytest.StashKey[list[int | None]]()


@pytest.fixture(scope="session", autouse=True)
def _isolated_environment(tmp_path_factory: pytest.TempPathFactory):
    """Tests never touch the user's BentoML store, git config or GitHub credentials."""
    saved = dict(os.environ)
    home = tmp_path_factory.mktemp("home")
    os.environ["BENTOML_HOME"] = str(home / "bentoml")
    os.environ["BENTOML_DO_NOT_TRACK"] = "true"
    os.environ["MPLBACKEND"] = "Agg"
    os.environ["GIT_CONFIG_NOSYSTEM"] = "1"
    # Rendered workflows pin mlspec's actions to the commit mlspec was built from; a fixed one keeps
    # golden files and the examples' committed workflows independent of this checkout's HEAD.
    os.environ["MLSPEC_SOURCE_COMMIT"] = SOURCE_COMMIT
    for name in _LEAKY:
        os.environ.pop(name, None)
    yield
    os.environ.clear()
    os.environ.update(saved)


@pytest.fixture
def example(tmp_path: Path) -> Path:
    """A private copy of examples/breast-cancer (not a git repository)."""
    return copy_example("breast-cancer", tmp_path)


@pytest.fixture
def example_repo(tmp_path: Path) -> Path:
    """examples/breast-cancer as the root of a git repository with a local bare remote."""
    work = copy_example("breast-cancer", tmp_path / "work")
    return init_repo(work, remote=tmp_path / "remote.git")
