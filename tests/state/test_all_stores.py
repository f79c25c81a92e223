"""The model-store seam (mlspec/state/store_base.py, all_stores.py): a deploy file's `model.artifact` is resolved by
the first store that handles it. A toy store registered here is asked before the built-in ones."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from mlspec.errors import MlspecError
from mlspec.state import all_stores
from mlspec.state.artifacts import ARTIFACT_DIR_ENV, GitHubArtifactStore, LocalFileStore


class ToyStore:
    name = "toy"

    def handles(self, reference: str) -> bool:
        return reference.startswith("toy://")

    def local_path(self, root: Path, reference: str, where: str, project: str) -> Path:
        return root / "fetched" / project / reference.removeprefix("toy://")


@pytest.fixture
def toy_store(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(all_stores, "STORES", list(all_stores.STORES))
    all_stores.register(ToyStore())
    yield


@pytest.mark.usefixtures("toy_store")
def test_a_registered_store_resolves_its_references(tmp_path: Path) -> None:
    assert all_stores.archive_path(tmp_path, "toy://m.bentomodel", project="p") == tmp_path / "fetched/p/m.bentomodel"
    assert all_stores.archive_path(tmp_path, "models/m.bentomodel", project="p") == tmp_path / "models/m.bentomodel"


def test_the_built_in_stores(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ARTIFACT_DIR_ENV, str(tmp_path / "dl"))
    reference = "gh-artifact:42/mlspec-p-ct-state/runs/r/model.bentomodel"
    assert isinstance(all_stores.store_for(reference), GitHubArtifactStore)
    assert isinstance(all_stores.store_for("m.bentomodel"), LocalFileStore)
    assert all_stores.archive_path(tmp_path, reference, project="p") == (
        tmp_path / "dl/42/mlspec-p-ct-state/runs/r/model.bentomodel"
    )
    with pytest.raises(MlspecError, match="not 'mlspec-p-ct-state'"):
        all_stores.archive_path(tmp_path, "gh-artifact:42/other/x.bentomodel", project="p")
    with pytest.raises(MlspecError):
        all_stores.archive_path(tmp_path, "../outside.bentomodel", project="p")
