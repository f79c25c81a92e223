"""`mlspec run|status|test|train|evaluate|gc`: thin wrappers printing what the runner did."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mlspec.errors import EXIT_FAILED, EXIT_OK, StageFailed, UsageError
from mlspec.pipeline.cache import STAGES, TITLES
from mlspec.project import Project

if TYPE_CHECKING:
    from mlspec.project import ProjectLike
    from mlspec.state.record import StageName


def _short(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _changes_line(out: Any, label: str, changes: list[Any]) -> None:
    changes = [c for c in changes if c.kind != "first-run"]
    if changes:
        shown = [f"{c.what} ({_short(c.detail)})" if c.detail else c.what for c in changes[:8]]
        more = f"; and {len(changes) - 8} more" if len(changes) > 8 else ""
        out.write(f"changes {label}: " + "; ".join(shown) + more + "\n")


def _summary(outcome: Any, root: Path) -> None:
    record = outcome.record
    if record is None:
        return
    width = max(len(TITLES[s]) for s in (*STAGES, *(stage.name for stage in record.stages)))
    out = sys.stdout
    out.write(f"\nrun {record.run_id}: {record.status}\n")
    for stage in record.stages:
        first = (stage.message or "").splitlines()[0] if stage.message else ""
        timing = f"{stage.seconds:6.1f}s" if stage.status not in ("cached", "skipped", "stale") else "      -"
        out.write(f"  {TITLES[stage.name]:<{width}}  {stage.status:<7} {timing}  {first}\n")
    if outcome.failure:
        out.write("\n")
        for line in outcome.failure.splitlines():
            out.write(f"  {line}\n")
    since_previous = "since the champion" if (record.changes_baseline or {}).get("kind") == "champion" else ""
    _changes_line(out, since_previous or "since the previous run", record.changes)
    if record.champion_baseline is not None and record.champion_changes:
        _changes_line(out, f"since the champion ({record.champion_baseline.get('model')})", record.champion_changes)
    from mlspec.fsio import display_path
    from mlspec.state.record import RunStore

    out.write(f"record: {display_path(RunStore(root).run_dir(record.run_id) / 'record.json')}\n")
    out.flush()


def _execute(spec: ProjectLike, targets: list[StageName], force: bool, whole: bool) -> int:
    from mlspec.pipeline.runner import execute

    start = time.perf_counter()
    outcome = execute(spec, targets, force, whole=whole)
    if outcome.up_to_date:
        assert outcome.record is not None
        print(
            f"up to date: every stage's inputs match run {outcome.record.run_id} ({time.perf_counter() - start:.2f}s)"
        )
        return EXIT_OK
    assert outcome.record is not None
    if not whole and outcome.failed_stage:
        # a single stage failed: the CLI prints `error: <why>` (the record is already saved)
        raise StageFailed(outcome.failure)
    _summary(outcome, Project.of(spec).root)
    return EXIT_FAILED if outcome.failed_stage else EXIT_OK


def run_command(spec: ProjectLike = "mlproject.yaml", force: bool = False) -> int:
    """data tests -> train -> evaluate -> model tests; a new run record unless everything is cached.
    On a project's first run `.mlspec/` goes into the spec folder's `.gitignore` (as `mlspec init` does)."""
    from mlspec.state.retention import ensure_gitignored

    project = Project.of(spec)
    if project.spec_path.is_file():
        note = ensure_gitignored(project.root)
        if note:
            print(note)
    return _execute(project, list(STAGES), force, whole=True)


def train_command(spec: ProjectLike = "mlproject.yaml", force: bool = False) -> int:
    return _execute(spec, ["train"], force, whole=False)


def evaluate_command(spec: ProjectLike = "mlproject.yaml", force: bool = False) -> int:
    return _execute(spec, ["evaluate"], force, whole=False)


def test_command(kind: str, spec: ProjectLike = "mlproject.yaml", force: bool = False) -> int:
    return _execute(spec, ["data_tests" if kind == "data" else "model_tests"], force, whole=False)


def status_command(spec: ProjectLike = "mlproject.yaml") -> int:
    """Each stage: up to date, stale (with reasons), failed or never run. Exit 0 either way."""
    from mlspec.pipeline.runner import status_lines
    from mlspec.state.lock import sweep_if_idle

    project = Project.of(spec)
    if project.spec_path.is_file():
        for run_id in sweep_if_idle(project.root, "status"):
            print(f"run {run_id} was left running by a process that ended: marked interrupted")
    rows, latest = status_lines(project)
    problem = _latest_problem(project) if latest is None else None
    if problem is not None:
        print(f"{problem}\nevery stage will run (`mlspec run`)")
    elif latest is None:
        print("no runs yet: every stage will run (`mlspec run`)")
    else:
        from mlspec.state.gate_verdict import last_gate_line

        print(f"latest run {latest.run_id} ({latest.status})")
        print(f"  {last_gate_line(project.runs, latest.run_id)}")  # the stages passing is not the gate passing
    width = max(len(TITLES[s]) for s in (*STAGES, *(row[0] for row in rows)))
    for stage, state, reasons in rows:
        print(f"  {TITLES[stage]:<{width}}  {state}")
        for reason in reasons:
            print(f"      {reason}")
    return EXIT_OK


def _latest_problem(spec: ProjectLike) -> str | None:
    """Why the latest run record cannot be used (corrupt, or an unsafe run id), or None."""
    from mlspec.errors import MlspecError
    from mlspec.project import Project

    store = Project.of(spec).runs
    if store.latest_id() is None:
        return None
    try:
        store.latest()
    except MlspecError as error:
        return f"the latest run cannot be used: {error}"
    return None


def gc_command(spec: ProjectLike = "mlproject.yaml", keep: int | None = None, dry_run: bool = False) -> int:
    """`mlspec gc`: delete the oldest runs (mlspec/state/retention.py decides which)."""
    from mlspec.project import Project
    from mlspec.state.retention import gc

    if keep is not None and keep < 1:
        raise UsageError(f"--keep {keep}: keep at least 1 run", hint="e.g. `mlspec gc --keep 10`")
    project = Project.of(spec)
    loaded = project.load(check_files=False)
    count = keep if keep is not None else loaded.spec.state.keep_runs
    start = time.perf_counter()
    environments = [env.name for env in loaded.spec.environments]
    if dry_run:  # reads only: no lock, a run in progress is left as it is
        deleted, kept, freed = gc(loaded.root, environments, count, dry_run=True)
    else:
        from mlspec.state.lock import project_lock, sweep_interrupted

        if not project.state.runs.is_dir():
            deleted, kept, freed = [], {}, 0
        else:
            with project_lock(loaded.root, "gc"):  # waits for runs and promotions of this project (state/lock.py)
                for run_id in sweep_interrupted(loaded.root, "gc"):
                    print(f"run {run_id} was left running by a process that ended: marked interrupted")
                deleted, kept, freed = gc(loaded.root, environments, count)
    verb = "would delete" if dry_run else "deleted"
    print(
        f"{verb} {len(deleted)} run{'s' if len(deleted) != 1 else ''} ({freed / 1e6:.1f} MB), "
        f"keeping the newest {count} ({time.perf_counter() - start:.2f}s)"
    )
    for run_id in deleted:
        print(f"  {verb} {run_id}")
    for run_id, why in sorted(kept.items()):
        print(f"  kept {run_id}: referenced by {why}")
    return 0
