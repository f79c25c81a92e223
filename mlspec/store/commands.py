"""`mlspec push` (the latest run's stages into the store) and `mlspec store gc --dry-run`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

from mlspec.errors import EXIT_OK, UsageError
from mlspec.store.backend import ContentStore

if TYPE_CHECKING:
    from mlspec.spec import LoadedSpec


def _store(spec_path: str) -> tuple[LoadedSpec, Path, ContentStore]:
    from mlspec.spec.validate import load_spec
    from mlspec.store.location import open_store

    loaded = load_spec(spec_path)
    store = open_store(loaded.spec, loaded.root)
    if store is None:
        raise UsageError(
            f"{spec_path}: the spec names no model store",
            hint="add `store: s3://bucket/prefix` (or gs://, az://, a folder) to the spec (docs/store.md)",
        )
    return loaded, loaded.root, store


def push_command(spec: str = "mlproject.yaml") -> int:
    """Upload the latest run's reusable stages (outputs, then each stage's index) to the spec's store.

    Who may push: a maintainer locally, and CT on the default branch (the only job given write credentials);
    pull-request jobs only read (docs/security.md)."""
    from mlspec.ownership import check_record
    from mlspec.state.record import RunStore
    from mlspec.store.stages import push_record

    loaded, root, store = _store(spec)
    runs = RunStore(root)
    record = runs.latest()
    check_record(record, loaded)
    if record.status == "running":
        raise UsageError(f"run {record.run_id} has not finished", hint="wait for it, then `mlspec push`")
    pushed = push_record(store, runs, record)
    for item in pushed:
        what = f"{item.files} file(s) uploaded" if item.new else "already in the store"
        print(f"{item.stage}: inputs {item.inputs.rsplit(':', 1)[-1][:12]}: {what}")
    print(f"pushed run {record.run_id} to {store.url}" if pushed else f"run {record.run_id}: no stage to push")
    return EXIT_OK


def store_command(action: str, spec: str = "mlproject.yaml", dry_run: bool = False) -> int:
    """`mlspec store gc --dry-run`: the objects no deploy file in git history names (directly, or through the
    stage index of a deployed model). Deleting is left to the store's own tools: mlspec never deletes from it."""
    from mlspec.store.history import named_digests

    if action != "gc" or not dry_run:
        raise UsageError(
            "mlspec store gc lists unreferenced objects only: pass --dry-run",
            hint="mlspec never deletes from the store; delete what it lists with the store's own tools",
        )
    loaded, root, store = _store(spec)
    named = {f"blobs/sha256/{d[:2]}/{d}" for d in named_digests(root)}
    keep = set(named)
    keys = store.listing()
    for key in [k for k in keys if k.startswith("stages/") and k.endswith(".json")]:
        try:
            index = json.loads(store.fs.cat_file(store.key(key)))
            digests = [str(index["record"]), *[str(v) for v in index["files"].values()]]
        except Exception:  # noqa: BLE001 - a damaged index keeps nothing
            continue
        blobs = {f"blobs/sha256/{d[7:9]}/{d[7:]}" for d in digests if d.startswith("sha256:")}
        if blobs & named:  # the index of a deployed model's stage (not one that merely shares a blob with it)
            keep |= blobs | {key}
    unreferenced = [k for k in keys if k not in keep]
    for key in unreferenced:
        print(store.display(store.key(key)))
    print(f"{len(unreferenced)} of {len(keys)} object(s) named by no deploy file in git history (nothing deleted)")
    return EXIT_OK
