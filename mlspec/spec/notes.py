"""Notes `validate` and `render` print about a valid spec: what a default loses."""

from __future__ import annotations

from typing import Any

DEFAULT_NOTE = (
    "note: {name}: no `store:` in the spec, so promoted models live in GitHub Actions artifacts, which GitHub deletes "
    "after 30 days: after that CD cannot rebuild the model and `mlspec rollback` cannot restore it, and no run reuses "
    "another's stages; add `store: s3://bucket/prefix` (or gs://, az://, a folder) to keep every model (docs/store.md)"
)


def default_note(spec: Any) -> str | None:
    """What the artifact default loses, for `validate` and `render` (None when a store is set)."""
    return DEFAULT_NOTE.format(name=spec.name) if spec.store is None else None
