"""The stages `mlspec run` never runs (mlspec/stages.py's `ON_DEMAND`: the servability check), run by their own
command on the latest run's model and recorded in that run's record like the others.

Under the project's run lock for the whole command (state/lock.py), as `mlspec train` is: the latest record is read,
the stage planned against its inputs (stage_plan.py; the run's model and this machine are among them, cache.py's
`with_model` and `machine_id`), then either

- reused: the latest run's own result stands for the same inputs (nothing runs, the command says so), or an earlier
  run of this project holds one (same model, spec sections, data, library versions and machine): its files are
  copied and the result recorded as `cached` from that run, as `mlspec run` reuses a stage;
- or run (``force``, never run, failed, stale, inputs changed): the result (status, message, timing, inputs
  digest, outputs, why it ran) is written into the record with runner.py's `set_stage` and `RunStore.save`
  (atomic). The record's own status stays the pipeline's: a failed check fails the gate, not the run.

Upstream stages are never run from here: the check is of the model the latest run has (a stale `train` makes the
check's row stale in `mlspec status`)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from mlspec.errors import MlspecError
from mlspec.pipeline.cache import compute_inputs, with_model
from mlspec.pipeline.fingerprint import StatCache
from mlspec.pipeline.runner import candidates, copy_files, find_cached, intact, output_digests, set_stage, usable
from mlspec.pipeline.stage_plan import Prior, Reason, own_reasons
from mlspec.stages import BY_NAME
from mlspec.state.record import RunRecord, StageName, StageResult, StageStatus, utc_now

if TYPE_CHECKING:
    from mlspec.project import Project

__all__ = ["Done", "run_on_demand"]

Check = Callable[["Project", RunRecord], tuple[StageStatus, str]]  # runs the stage on the record's model


@dataclass(frozen=True)
class Done:
    record: RunRecord  # the latest run, with the stage's result in it
    result: StageResult
    ran: bool  # False: a recorded result was reused (`result.cached_from` names the run when it was copied)


def run_on_demand(project: Project, stage: StageName, check: Check, *, force: bool, needed_for: str, hint: str) -> Done:
    """Run (or reuse) on-demand ``stage`` on the latest run of ``project`` and record it there."""
    from mlspec.state.lock import project_lock, sweep_interrupted

    assert BY_NAME[stage].on_demand, f"{stage} is one of `mlspec run`'s stages"
    store, root = project.runs, project.root
    if store.latest_id() is None:
        raise MlspecError(f"no runs under {store.runs}: nothing to check", hint="run `mlspec run` first")
    with project_lock(root, "run") as note_run:
        sweep_interrupted(root, BY_NAME[stage].command.removeprefix("mlspec "))
        record = project.latest_run(needed_for=needed_for, hint=hint)
        assert record.model is not None  # latest_run checked it
        note_run(record.run_id)
        cache = StatCache(project.state.stat_cache)
        inputs = with_model(compute_inputs(project.loaded, cache), record.model.tag)
        digest = inputs.digests[stage]
        before = record.stage(stage)
        if not force and usable(store, record, stage, digest, cache):
            assert before is not None
            cache.save()
            return Done(record, before, ran=False)
        pool = [r for r in candidates(store, record, record.project) if r.run_id != record.run_id]
        source = None if force else find_cached(store, stage, digest, pool, cache)
        if source is not None:
            earlier = source.stage(stage)
            assert earlier is not None
            copy_files(store, stage, source.run_id, record.run_id)
            result = StageResult(
                name=stage,
                status="cached",
                message=earlier.message,
                inputs_digest=digest,
                inputs=inputs.components[stage],
                outputs=dict(earlier.outputs),
                cached_from=source.run_id,
            )
            set_stage(record, result)
            store.save(record, latest=False)
            cache.save()
            return Done(record, result, ran=False)
        prior = Prior(before=before, intact=before is None or intact(store, record, stage, cache))
        reasons = [Reason("force")] if force else own_reasons(stage, inputs, prior, record.spec_sections)
        result = _run(project, record, stage, check, cache)
        result.inputs_digest = digest if result.status != "failed" else ""
        result.inputs = inputs.components[stage]
        result.reasons = [reason.run_text() for reason in reasons]
        set_stage(record, result)
        store.save(record, latest=False)  # the record stays where it is: `runs/latest` already names it
        cache.save()
        return Done(record, result, ran=True)


def _run(project: Project, record: RunRecord, stage: StageName, check: Check, cache: StatCache) -> StageResult:
    """Run the check; its result, also when it raised (recorded failed before the error goes on)."""
    started, t0 = utc_now(), time.perf_counter()
    try:
        status, message = check(project, record)
        produced = output_digests(project.runs.run_dir(record.run_id), stage, cache) if status == "passed" else {}
    except Exception as exc:
        text = exc.message if isinstance(exc, MlspecError) else f"internal error: {type(exc).__name__}: {exc}"
        failed = StageResult(name=stage, status="failed", started=started, message=text.strip()[:2000])
        failed.seconds = round(time.perf_counter() - t0, 3)
        set_stage(record, failed)
        try:
            project.runs.save(record, latest=False)
        except Exception:  # noqa: BLE001 - the original error matters more than a failed save
            pass
        raise
    return StageResult(
        name=stage,
        status=status,
        started=started,
        seconds=round(time.perf_counter() - t0, 3),
        message=message,
        outputs=produced,
    )
