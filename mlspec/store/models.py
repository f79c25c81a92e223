"""A promoted model in the store: the deploy file names it as `model.store` + `model.digest` (`sha256:<hex>` of the
exported `.bentomodel`), and CD and rollback get it from there, verified, whatever its age."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mlspec.state.layout import StateLayout
from mlspec.store.backend import PREFIX, ContentStore, bare, file_sha256
from mlspec.store.errors import StoreError


def archive_ref(spec: Any, root: Path, environment: str, archive: Path) -> tuple[str, str] | None:
    """(store URL, `sha256:<hex>`) for a model archive promoted to ``environment`` when the spec names a store
    for it; StoreError when the store lacks the archive (push it first). None: the artifact default."""
    from mlspec.store.location import store_url

    url = store_url(spec, environment)
    if url is None:
        return None
    digest = PREFIX + file_sha256(archive)
    store = ContentStore.open(url, root)
    if not store.has_blob(digest):
        raise StoreError(
            f"the model archive {archive.name} ({digest}) is not in the store {store.url}: a deploy file must not "
            "name a model the store does not keep",
            hint="run `mlspec push` first (CT does it on the default branch), then promote again",
        )
    return url, digest


def archive_cache(root: Path, digest: str) -> Path:
    """Where a model archive fetched from the store is kept: `.mlspec/cache/store/<sha256>.bentomodel`."""
    return StateLayout(root).cache / "store" / f"{bare(digest)}.bentomodel"


def fetch_archive(url: str, digest: str, target: Path, *, base: Path) -> Path:
    """The model archive ``digest`` from the store at ``url`` (a folder relative to ``base``) at ``target``,
    verified against its sha256 (a copy already there is checked, not downloaded again)."""
    value = bare(digest)
    if target.is_file() and file_sha256(target) == value:
        return target
    return ContentStore.open(url, base).get_blob(value, target)


def require(url: str, digest: str, root: Path, where: str) -> None:
    """StoreError when the store at ``url`` does not hold ``digest`` (said before a rollback PR names it)."""
    store = ContentStore.open(url, root)
    if not store.has_blob(digest):
        raise StoreError(
            f"{where}: model.digest {digest} is not in the store {store.url}: the model cannot be restored from it",
            hint="restore the object from a backup, or roll back to another version",
        )


def deployed_archive(root: Path, model: Any) -> Path | None:
    """The archive of a deploy file's ``model`` fetched from the store (verified) when it names one (`store` +
    `digest`) and the BentoML store lacks its tag; else None (the caller falls back to `model.artifact`)."""
    if not (getattr(model, "store", None) and getattr(model, "digest", None)):
        return None
    import bentoml

    try:
        bentoml.models.get(model.tag)
        return None  # already here: nothing to fetch
    except (bentoml.exceptions.NotFound, ValueError):
        pass
    return fetch_archive(model.store, model.digest, archive_cache(root, model.digest), base=root)
