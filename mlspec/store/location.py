"""Which store a project (or one of its environments) uses, and what the artifact default loses."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mlspec.store.backend import ContentStore

DEFAULT_NOTE = (
    "note: {name}: no `store:` in the spec, so promoted models live in GitHub Actions artifacts, which GitHub deletes "
    "after 30 days: after that CD cannot rebuild the model and `mlspec rollback` cannot restore it, and no run reuses "
    "another's stages; add `store: s3://bucket/prefix` (or gs://, az://, a folder) to keep every model (docs/store.md)"
)


def store_url(spec: Any, environment: str | None = None) -> str | None:
    """The store URL of ``environment`` (its own `store:`, else the project's), or None (the artifact default)."""
    if environment is not None:
        for env in spec.environments:
            if env.name == environment and env.store is not None:
                return str(env.store.url)
    return str(spec.store.url) if spec.store is not None else None


def open_store(spec: Any, root: Path, environment: str | None = None) -> ContentStore | None:
    url = store_url(spec, environment)
    return ContentStore.open(url, root) if url else None


def default_note(spec: Any) -> str | None:
    """What the artifact default loses, for `validate` and `render` (None when a store is set)."""
    return DEFAULT_NOTE.format(name=spec.name) if spec.store is None else None
