"""Which store a project (or one of its environments) uses, and what the artifact default loses."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mlspec.spec.notes import default_note as default_note
from mlspec.store.backend import ContentStore


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
