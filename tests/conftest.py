from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests import oci_registry
from tests.docker_engine import dockerd_pid, stop_if_started
from tests.helpers import SOURCE_COMMIT, copy_example, init_repo

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


def _is_controller(config: pytest.Config) -> bool:
    return not hasattr(config, "workerinput")  # xdist workers have it; the controller and a plain run do not


def pytest_sessionstart(session: pytest.Session) -> None:
    if _is_controller(session.config):
        session.config.stash[_ENGINE_BEFORE] = dockerd_pid()
        session.config.stash[_REGISTRY_BEFORE] = oci_registry.registry_pid()


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Stop the Docker engine and the OCI registry this session started, once every worker is done with them."""
    if _is_controller(session.config):
        stop_if_started(session.config.stash.get(_ENGINE_BEFORE, None))
        oci_registry.stop_if_started(session.config.stash.get(_REGISTRY_BEFORE, None))


_ENGINE_BEFORE = pytest.StashKey[int | None]()
_REGISTRY_BEFORE = pytest.StashKey[int | None]()


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
