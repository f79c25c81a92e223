"""A promoted model in the store: the deploy file names it as `model.store` + `model.digest` (`sha256:<hex>` of the
exported `.bentomodel`), and CD and rollback get it from there, verified, whatever its age."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mlspec.errors import shown
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


def spec_stores(spec: Any) -> list[str]:
    """Every store URL the spec names: the project's `store:` and each environment's own."""
    urls = [str(spec.store.url)] if getattr(spec, "store", None) is not None else []
    urls += [str(env.store.url) for env in spec.environments if env.store is not None]
    return list(dict.fromkeys(urls))


def check_deployed_store(spec: Any, url: str, where: str) -> None:
    """Refuse a deploy file's `model.store` that the spec does not name (the project's or an environment's store).

    The model fetched from there is unpickled (CD's build, the gate's champion, the drift monitor), so it must come
    from a store the reviewed spec names: a deploy file edited by hand to name a bucket its author filled (any
    digest verifies against the bytes its author chose) is refused before anything is read from it."""
    allowed = spec_stores(spec)
    if url in allowed:
        return
    named = ", ".join(allowed) if allowed else "none"
    raise StoreError(
        f"{where}: model.store {shown(url)} is not a store the spec names (its stores: {named}); nothing was read from it",
        hint="a deploy file names only the model store of the spec (`store:`, or the environment's `store:`): "
        "promote the model again (`mlspec promote`), or add that store to the spec through a reviewed pull request; "
        "after moving to a new store, promote again from a CT run that pushed to it",
    )


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
