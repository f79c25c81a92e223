"""The remote stage cache: before `mlspec run` (or a stage command) recomputes a stage, it asks the model store
(mlspec/store) for a result with the same inputs digest and, when there is one, downloads it (verified) into the
local state, where the planner reuses it like an earlier local run. Reading only: writing is `mlspec push`'s
(docs/security.md)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from mlspec.store.cache import reused_from_store
from mlspec.store.errors import IntegrityError, StoreError
from mlspec.store.location import open_store
from mlspec.store.stages import Found, lookup, materialize, origin

if TYPE_CHECKING:
    from mlspec.pipeline.cache import Inputs
    from mlspec.state.record import RunRecord, RunStore


def fetch_stages(
    loaded: Any,
    runs: RunStore,
    inputs: Inputs,
    pool: list[RunRecord],
    stream: TextIO,
    cached_here: Callable[[str, str], bool],
) -> dict[str, Found]:
    """Stages the store holds for the current inputs and the local state does not: downloaded, their records
    added to ``pool``. A store that cannot be read is a warning (the stages are computed); an object whose
    content does not match its digest is an IntegrityError (refused, the run stops). ``cached_here(stage, digest)``
    says whether the local state already holds a usable result (the runner's own cache lookup)."""
    from mlspec.pipeline.cache import STAGES

    try:
        store = open_store(loaded.spec, Path(loaded.root))
    except StoreError as exc:
        stream.write(f"warning: the model store is not usable ({exc.message}): every stage is computed here\n")
        return {}
    if store is None:
        return {}
    from mlspec.store.trust import untrusted_store

    refused = untrusted_store(loaded)
    if refused is not None:
        stream.write(f"warning: the model store is not read: {refused}; every stage is computed here\n")
        return {}
    fetched: dict[str, Found] = {}
    for stage in STAGES:
        digest = inputs.digests[stage]
        if cached_here(stage, digest):
            earlier = _filled_earlier(runs, pool, stage, digest)
            if earlier is not None:  # an earlier command of this job took it from the store
                fetched[stage] = earlier
            continue
        try:
            found = lookup(store, loaded.spec.name, stage, digest)
            record = materialize(store, runs, found, stage, digest) if found is not None else None
        except IntegrityError:
            raise
        except StoreError as exc:  # unreachable, no credentials (a fork's pull request): one warning, no more tries
            stream.write(f"warning: cannot read the model store ({exc.message}): the stages are computed here\n")
            break
        if found is None or record is None:
            continue
        pool[:] = [r for r in pool if r.run_id != record.run_id] + [record]
        fetched[stage] = found
    return fetched


def _filled_earlier(runs: RunStore, pool: list[RunRecord], stage: str, digest: str) -> Found | None:
    """The store's result for (stage, digest) that an earlier command downloaded into a local run, if any."""
    for record in pool:
        result = record.stage(stage)
        if result is not None and result.inputs_digest == digest:
            found = origin(runs.run_dir(record.run_id), stage)
            if found is not None:
                return found
    return None


def status_notes(loaded: Any, inputs: Inputs, rows: list[tuple[str, str, list[str]]], latest: RunRecord | None) -> None:
    """Add to `mlspec status`'s rows: a stage the latest run reused from the store says from which run; a stage
    that would run says when the store holds its result (`mlspec run` will reuse it)."""
    from mlspec.pipeline.cache import STAGES

    reused = dict(reused_from_store(latest)) if latest is not None else {}
    store = None
    for stage, state, reasons in rows:
        if stage not in STAGES:  # an on-demand stage (the servability check) is never in the store
            continue
        if state == "up to date":
            if stage in reused:
                reasons.append(f"{reused[stage]} in the model store")
            continue
        try:
            store = store or open_store(loaded.spec, Path(loaded.root))
            found = lookup(store, loaded.spec.name, stage, inputs.digests[stage]) if store else None
        except StoreError as exc:
            reasons.append(f"the model store cannot be read: {exc.message}")
            continue
        if found is not None:
            reasons.append(f"the model store holds its result: `mlspec run` reuses it ({found.origin()})")
