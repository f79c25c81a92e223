"""Every model store mlspec knows, asked in order (the one registry: a new store is its class plus one line here).
`archive_path` is how serve, the monitor and the gate find a deploy file's model archive on this machine."""

from __future__ import annotations

from typing import TYPE_CHECKING

from mlspec.state.artifacts import GitHubArtifactStore, LocalFileStore

if TYPE_CHECKING:
    from pathlib import Path

    from mlspec.state.store_base import ModelStore

__all__ = ["STORES", "archive_path", "register", "store_for"]

STORES: list[ModelStore] = [GitHubArtifactStore(), LocalFileStore()]  # the local file last: it takes any reference


def register(store: ModelStore) -> None:
    """Ask ``store`` before the built-in ones (a store of the same name is replaced)."""
    STORES[:] = [store] + [s for s in STORES if s.name != store.name]


def store_for(reference: str) -> ModelStore:
    return next(store for store in STORES if store.handles(reference))


def archive_path(root: Path, reference: str, where: str = "model.artifact", *, project: str) -> Path:
    """A deploy file's `model.artifact` as a path on this machine (``root``: the spec's folder), by its store."""
    return store_for(reference).local_path(root, reference, where, project)
