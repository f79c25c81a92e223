"""Running stages in order with caching, progress lines and the run record.

`mlspec run` starts a new record (cached stages are copied from earlier records); a stage command
(`mlspec train`, `mlspec evaluate`, `mlspec test data|model`) continues the latest record while its
data is unchanged, and runs the stale stages the target needs first (like `dvc repro <stage>`)."""

from __future__ import annotations

import shutil
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mlspec.errors import MlspecError
from mlspec.fsio import atomic_write_text, display_path
from mlspec.numbers import fmt
from mlspec.pipeline.cache import (
    MODEL_INPUT,
    STAGES,
    TITLES,
    Inputs,
    compute_inputs,
    package_version,
    with_model,
)
from mlspec.pipeline.fingerprint import StatCache
from mlspec.pipeline.stage_plan import Prior, Step, plan_stages, reusable
from mlspec.stages import BY_NAME, ON_DEMAND, PIPELINE, STAGE_NAMES
from mlspec.state.record import (
    DataFile,
    ModelRef,
    RunRecord,
    RunStore,
    StageName,
    StageResult,
    StageStatus,
    TestKind,
    code_digests,
    new_run_id,
    utc_now,
)
from mlspec.state.retention import shrink_html

if TYPE_CHECKING:
    from mlspec.pipeline.data import Tables
    from mlspec.project import ProjectLike
    from mlspec.spec import LoadedSpec

OK = ("passed", "cached")
ARTIFACTS: dict[str, tuple[str, ...]] = {stage.name: stage.outputs for stage in PIPELINE}  # mlspec/stages.py
VERSIONED = ("mlspec", "python", "numpy", "pandas", "scikit-learn", "deepchecks", "bentoml", "xxhash")


class Progress:
    """One line per stage on stderr: `[2/4] train ... passed in 1.3s` (no escape codes)."""

    def __init__(self, total: int, stream: Any = None) -> None:
        self.total = total
        self.index = 0
        self.stream = stream or sys.stderr

    def start(self, stage: str) -> None:
        self.index += 1
        self.stream.write(f"[{self.index}/{self.total}] {TITLES[stage]} ... ")
        self.stream.flush()

    def end(self, text: str) -> None:
        self.stream.write(text + "\n")
        self.stream.flush()


@dataclass
class RunContext:
    loaded: LoadedSpec
    store: RunStore
    cache: StatCache
    inputs: Inputs
    record: RunRecord
    force: bool
    _tables: Tables | None = None
    warnings: list[str] = field(default_factory=list)

    @property
    def run_dir(self) -> Path:
        return self.store.run_dir(self.record.run_id)

    @property
    def spec(self) -> Any:
        return self.loaded.spec

    def tables(self) -> Any:
        if self._tables is None:
            from mlspec.pipeline.data import load_tables

            self._tables = load_tables(self.loaded)
            for ref in self._tables.files:
                rows = self._tables.rows.get(ref.role)
                self.cache.remember(ref.path, "rows", rows)
                self.cache.remember(ref.path, "columns", [str(c) for c in (self._tables.train.columns)])
                if self._tables.split is not None:
                    self.cache.remember(ref.path, split_key(self.spec), self._tables.split)
            self.record.data = data_records(self)
            self.record.split = self._tables.split
            warning = (self._tables.split or {}).get("warning")
            if warning and warning not in self.warnings:
                self.warnings.append(warning)
        return self._tables

    def save(self, *, latest: bool = False) -> None:
        self.store.save(self.record, latest=latest)


def split_key(spec: Any) -> str:
    """Cache key of the split details of a source table under this spec's split settings."""
    import hashlib
    import json

    settings = {
        "split": spec.data.split.model_dump(mode="json"),
        "label": spec.data.label,
        "datetime": spec.data.datetime,
        "task": spec.evaluate.task,
    }
    return "split:" + hashlib.sha256(json.dumps(settings, sort_keys=True).encode()).hexdigest()[:16]


def split_record(ctx: RunContext) -> dict[str, Any] | None:
    """The split of the run's source table: from the loaded tables, else remembered for this file content."""
    if ctx._tables is not None:
        return ctx._tables.split
    from mlspec.pipeline.data import data_files

    for ref in data_files(ctx.loaded):
        if ref.role == "source" or (ref.role == "train" and not ctx.spec.data.test):
            remembered: dict[str, Any] | None = ctx.cache.extra(ref.path, split_key(ctx.spec))
            return remembered
    return None


def data_records(ctx: RunContext) -> list[DataFile]:
    from mlspec.pipeline.data import data_files

    result = []
    for ref in data_files(ctx.loaded):
        digest, size = ctx.inputs.files.get(ref.relative, ("missing", 0))
        rows = ctx.cache.extra(ref.path, "rows")
        if ctx._tables is not None:
            rows = ctx._tables.rows.get(ref.role, rows)
        columns = ctx.cache.extra(ref.path, "columns") or []
        origin = ref.fingerprint.origin if ref.fingerprint else None
        result.append(
            DataFile(
                role=ref.role, path=ref.relative, digest=digest, bytes=size, rows=rows, columns=columns, origin=origin
            )
        )
    return result


def versions() -> dict[str, str]:
    found = {name: package_version(name) for name in VERSIONED if name != "python"}
    found["python"] = sys.version.split()[0]
    return found


# ----------------------------------------------------------------------------- stages


def stage_data_tests(ctx: RunContext) -> tuple[StageStatus, str]:
    return _stage_tests(ctx, "data", None)


def stage_train(ctx: RunContext) -> tuple[StageStatus, str]:
    from mlspec.pipeline import training
    from mlspec.pipeline.data import column_dtypes
    from mlspec.pipeline.engines import engine_for
    from mlspec.state import model_store

    spec, tables = ctx.spec, ctx.tables()
    params = training.train_params(spec)
    log_path = ctx.run_dir / "train.log"
    engine = engine_for(spec, ctx.loaded, ctx.inputs.digests["train"])  # local, or a Ray cluster (train.engine)
    if spec.train.entrypoint:
        where = f"train.entrypoint {spec.train.entrypoint}"
        model = engine.train_entrypoint(
            ctx.loaded.root, spec.train.entrypoint, tables, params, log_path, spec.train.timeout_minutes
        )
    else:
        where = "train.command"
        train_path, test_path = _command_paths(ctx, tables)
        model = engine.train_command(
            ctx.loaded.root,
            spec.train.command,
            train_path,
            test_path,
            params,
            spec.train.seed,
            ctx.run_dir,
            log_path,
            spec.train.timeout_minutes,
        )
    task = spec.evaluate.task
    training.check_model(model, task, where)
    if task != "regression":
        training.check_model_classes(model, tables.y_train, tables.label, where)
    classes = training.model_classes(model, tables.y_train) if task != "regression" else None
    record = ctx.record
    from mlspec.pipeline.signature import example_row, missing_as, missing_columns, nonfinite_kinds, nullable_dtypes

    metadata = {
        "project": spec.name,
        "run_id": record.run_id,
        "task": task,
        "label": tables.label,
        "features": list(tables.features),
        "dtypes": column_dtypes(tables.train, tables.features),
        # what the service accepts: null where training had missing values, NaN/inf as trained, an example row
        "missing": missing_columns(tables.train, list(tables.features)),
        "nonfinite": nonfinite_kinds(tables.train, list(tables.features)),
        "missing_as": missing_as(tables.train, list(tables.features)),
        "nullable_dtypes": nullable_dtypes(tables.train, list(tables.features)),
        "categorical": list(tables.categorical),
        "classes": classes,
        "data": {d.role: d.digest for d in record.data},
        "params": params,
        "git_commit": record.git.commit,
        "spec_digest": record.spec_digest,
    }
    metadata["example"] = example_row(tables.train, list(tables.features), metadata["dtypes"])
    labels = {
        "project": spec.name,
        "run_id": record.run_id,
        "git_commit": record.git.commit[:12] if record.git.commit else None,
        "task": task,
    }
    tag = model_store.save_model(spec.name, model, labels=labels, metadata=metadata)
    archive = model_store.export_model(tag, ctx.run_dir / "model.bentomodel")  # what CT hands to CD
    record.model = ModelRef(
        tag=tag,
        path=archive.name,
        kind="regressor" if task == "regression" else "classifier",
        features=metadata["dtypes"],
        classes=classes,
    )
    record.params = params
    record.seed = spec.train.seed
    return "passed", f"model {tag}{engine.trained_where()}"


def _command_paths(ctx: RunContext, tables: Any) -> tuple[Path, Path]:
    from mlspec.pipeline.data import data_files

    refs = {r.role: r for r in data_files(ctx.loaded)}
    if "train" in refs and "test" in refs:
        return refs["train"].path, refs["test"].path
    paths = []
    for name, frame in (("split_train.csv", tables.train), ("split_test.csv", tables.test)):
        path = ctx.run_dir / name
        atomic_write_text(path, frame.to_csv(index=False))
        paths.append(path)
    return paths[0], paths[1]


def _load_model(ctx: RunContext) -> Any:
    from mlspec.state import model_store

    if ctx.record.model is None:
        raise MlspecError("no trained model in this run", hint="run `mlspec train` first")
    # a model reused from another run (another machine's, through the store) is imported from the run's archive
    archive = ctx.run_dir / Path(ctx.record.model.path).name if ctx.record.model.path else None
    hint = "run `mlspec train` (or `mlspec run --force`) to train it here"
    stored = model_store.get_or_import(ctx.record.model.tag, archive, "the run record", hint=hint, say=sys.stderr)
    return model_store.load_stored(stored)


def stage_evaluate(ctx: RunContext) -> tuple[StageStatus, str]:
    import numpy as np

    from mlspec.pipeline import metrics as m
    from mlspec.pipeline.training import model_classes

    spec, tables = ctx.spec, ctx.tables()
    task = spec.evaluate.task
    model = _load_model(ctx)
    classes = model_classes(model, tables.y_train) if task != "regression" else None
    try:
        y_pred, proba = m.predict(model, tables.X_test, task, classes)
    except MlspecError as exc:
        raise MlspecError(f"evaluate: {exc.message}", hint=exc.hint) from None
    except Exception as exc:  # noqa: BLE001 - user model
        raise MlspecError(
            f"evaluate: the model failed to predict on the test set: {type(exc).__name__}: {exc}"
        ) from None
    row = tables.test[tables.index].to_numpy() if tables.index else tables.test.index.to_numpy()
    preds = m.Predictions(np.asarray(tables.y_test), y_pred, proba, classes, row, tables.positive_class)
    values, problems = m.compute_metrics(m.metric_names(spec), task, preds)
    for problem in problems:
        ctx.warnings.append(problem)
    atomic_write_text(ctx.run_dir / "predictions.csv", m.predictions_csv(preds))
    ctx.record.metrics = values
    ctx.record.predictions = "predictions.csv"
    ctx.record.task = task
    ctx.record.positive_class = tables.positive_class
    shown = ", ".join(
        f"{k} {fmt(values[k])}" if values.get(k) is not None else f"{k} n/a" for k in spec.evaluate.metric_names()
    )
    return m.evaluation_verdict(values, problems, shown)


def stage_model_tests(ctx: RunContext) -> tuple[StageStatus, str]:
    tests = ctx.spec.tests.model
    return _stage_tests(ctx, "model", _load_model(ctx) if tests.enabled else None)


def _stage_tests(ctx: RunContext, kind: TestKind, model: Any) -> tuple[StageStatus, str]:
    """The data or model tests: deepchecks on the tables (and the model), recorded with the report's notes."""
    from mlspec.pipeline.checks import failure_message, run_tests
    from mlspec.pipeline.data import to_datasets

    tests = ctx.spec.tests.data if kind == "data" else ctx.spec.tests.model
    if not tests.enabled:
        ctx.record.tests.pop(kind, None)
        return "skipped", f"disabled (tests.{kind}.enabled: false)"
    from mlspec.pipeline.labels import deepchecks_model

    tables = ctx.tables()
    model, label_note = deepchecks_model(model, tables)
    outcome = run_tests(
        kind,
        tests,
        to_datasets(tables, tests.n_samples, ctx.spec.train.seed),
        model,
        ctx.run_dir,
        ctx.spec.train.seed,
        task=ctx.spec.evaluate.task,
    )
    outcome.notes += tables.text_note() + label_note
    ctx.record.tests[kind] = outcome
    outcome.html = shrink_html(ctx.run_dir, outcome.html) if outcome.html else outcome.html
    if outcome.passed:
        verdict = outcome.verdict()
        return "passed", outcome.counts_text() if verdict == "passed" else f"{verdict}: {outcome.counts_text()}"
    return "failed", failure_message(outcome)


RUNNERS: dict[StageName, Callable[[RunContext], tuple[StageStatus, str]]] = {
    "data_tests": stage_data_tests,
    "train": stage_train,
    "evaluate": stage_evaluate,
    "model_tests": stage_model_tests,
}


# ----------------------------------------------------------------------------- caching


def outputs(stage: str) -> tuple[str, ...]:
    """The files a stage must leave in its run folder (its log and the deepchecks HTML, kept plain or
    gzip-compressed within the run's HTML budget (mlspec.state.retention), are no outputs)."""
    return tuple(a for a in BY_NAME[stage].outputs if not a.endswith((".log", ".html", ".html.gz")))


def output_digests(folder: Path, stage: str, cache: StatCache) -> dict[str, str]:
    """Digest of each output the stage left; a missing one is a stage that did not do its job."""
    found: dict[str, str] = {}
    for name in outputs(stage):
        try:
            found[name] = cache.digest(folder / name)[0]
        except OSError:
            raise MlspecError(
                f"{TITLES[stage]}: the stage ended without writing {display_path(folder / name)}; it failed",
                hint="rerun it; if the training code ends the process (sys.exit, os._exit), let it return instead",
            ) from None
    return found


def intact(store: RunStore, record: RunRecord, stage: str, cache: StatCache) -> bool:
    """A cached stage is reused only while its outputs exist and match the digests recorded when it ran."""
    result = record.stage(stage)
    if result is None or result.status == "skipped":
        return result is not None
    recorded = result.outputs
    folder = store.run_dir(record.run_id)
    for name in outputs(stage):
        try:
            digest = cache.digest(folder / name)[0]
        except OSError:
            return False
        if name in recorded and recorded[name] != digest:
            return False
    return True


def usable(store: RunStore, record: RunRecord | None, stage: str, digest: str, cache: StatCache) -> bool:
    return record is not None and reusable(record.stage(stage), digest) and intact(store, record, stage, cache)


def find_cached(
    store: RunStore, stage: str, digest: str, candidates: list[RunRecord], cache: StatCache
) -> RunRecord | None:
    for record in candidates:
        if usable(store, record, stage, digest, cache):
            return record
    return None


def copy_stage(ctx: RunContext, stage: str, source: RunRecord) -> None:
    """Take a cached stage's results (and files) from an earlier record."""
    record = ctx.record
    copy_files(ctx.store, stage, source.run_id, record.run_id)
    tests = BY_NAME[stage].tests
    if tests is not None and tests in source.tests:
        record.tests[tests] = source.tests[tests]
    elif stage == "train":
        record.model, record.params, record.seed = source.model, source.params, source.seed
    elif stage == "evaluate":
        record.metrics, record.predictions, record.task = dict(source.metrics), source.predictions, source.task
        record.positive_class = source.positive_class


def copy_files(store: RunStore, stage: str, source: str, target: str) -> None:
    """Copy the files ``stage`` left in run ``source``'s folder into run ``target``'s (atomically, each)."""
    src_dir, run_dir = store.run_dir(source), store.run_dir(target)
    for name in BY_NAME[stage].outputs:
        src = src_dir / name
        if src.exists() and src_dir != run_dir:
            run_dir.mkdir(parents=True, exist_ok=True)
            tmp = run_dir / f".{name}.copy.tmp"
            shutil.copyfile(src, tmp)
            tmp.replace(run_dir / name)


def candidates(store: RunStore, latest: RunRecord | None, project: str) -> list[RunRecord]:
    found = [latest] if latest is not None else []
    for record in reversed(store.history(project)):
        if latest is None or record.run_id != latest.run_id:
            found.append(record)
    return found


# ----------------------------------------------------------------------------- records


def latest_record(store: RunStore, project: str) -> RunRecord | None:
    try:
        record = store.latest() if store.latest_id() else None
    except MlspecError:
        return None
    return record if record is not None and record.project == project else None


def new_record(loaded: LoadedSpec, store: RunStore, cache: StatCache, inputs: Inputs) -> RunRecord:
    from mlspec.pipeline.changes import git_info, trigger
    from mlspec.repo_root import repository_root

    root = loaded.root
    top = repository_root(root, ask_git=True, git_errors=False)
    try:
        spec_path = loaded.path.relative_to(top).as_posix() if top else loaded.path.name
    except ValueError:
        spec_path = loaded.path.name
    record = RunRecord(
        run_id=new_run_id(),
        project=loaded.spec.name,
        spec_path=spec_path,
        spec_digest=loaded.digest,
        created=utc_now(),
        git=git_info(root),
        seed=loaded.spec.train.seed,
        task=loaded.spec.evaluate.task,
        trigger=trigger(),
        versions=versions(),
    )
    record.spec_sections = inputs.sections
    return record


def finish_record(ctx: RunContext, previous: RunRecord | None) -> None:
    from mlspec.pipeline.changes import compute_changes, drift_change

    record = ctx.record
    record.data = data_records(ctx)
    record.split = split_record(ctx) or record.split
    code = code_digests(ctx.inputs.components["train"])
    found = compute_changes(ctx.loaded, ctx.store, record, previous, code)
    record.changes = drift_change(record) + found.since_previous
    record.changes_baseline = found.previous
    record.champion_changes, record.champion_baseline = found.since_champion, found.champion
    statuses = [s.status for s in record.stages if not BY_NAME[s.name].on_demand]  # a failed check fails the gate
    record.status = "failed" if "failed" in statuses else "passed"
    record.finished = utc_now()
    if ctx.warnings:
        record.warnings = list(ctx.warnings)


def set_stage(record: RunRecord, result: StageResult) -> None:
    record.stages = [s for s in record.stages if s.name != result.name] + [result]
    record.stages.sort(key=lambda s: STAGE_NAMES.index(s.name))


def invalidate_downstream(record: RunRecord, stage: str) -> None:
    """A retrained model makes the earlier evaluation, model tests and servability check of this record
    meaningless. The pipeline's results are dropped (the run reruns them); an on-demand stage's result is kept as
    `stale`, saying why, since nothing reruns it but its own command (status and the gate say so)."""
    invalidated = [BY_NAME[name] for name in BY_NAME[stage].invalidates]
    if not invalidated:
        return
    kept: list[StageResult] = []
    for result in record.stages:
        later = BY_NAME[result.name]
        if later not in invalidated:
            kept.append(result)
        elif later.on_demand and result.status != "stale":
            checked = result.inputs.get(MODEL_INPUT) or (record.model.tag if record.model else "(none)")
            result.message = (
                f"{TITLES[stage]} reran after it in run {record.run_id}: its result ({result.status}) is for model "
                f"{checked}; rerun `{later.command}`"
            )
            result.status, result.inputs_digest = "stale", ""
            kept.append(result)
        elif later.on_demand:
            kept.append(result)
    record.stages = kept
    for later in invalidated:
        for name in later.record_fields:  # back to the record's defaults: no metrics, no predictions
            setattr(record, name, type(record).model_fields[name].get_default(call_default_factory=True))
        if later.tests is not None:
            record.tests.pop(later.tests, None)


# ----------------------------------------------------------------------------- driver


@dataclass
class Outcome:
    record: RunRecord | None
    up_to_date: bool = False
    failed_stage: str | None = None
    failure: str = ""


def prepare(spec_path: ProjectLike, loaded: LoadedSpec | None = None) -> tuple[Any, RunStore, StatCache, Inputs]:
    from mlspec.project import Project

    project = Project.of(spec_path if loaded is None or isinstance(spec_path, Project) else loaded)
    loaded = project.loaded
    store = project.runs
    cache = StatCache(project.state.stat_cache)
    inputs = compute_inputs(loaded, cache)
    return loaded, store, cache, inputs


def execute(
    spec_path: ProjectLike, targets: list[StageName], force: bool, *, whole: bool, stream: Any = None
) -> Outcome:
    """Run ``targets`` (and, for stage commands, the stale upstream stages they need), holding the project's run
    lock (mlspec/state/lock.py) for the whole run: gc waits for it, another run too; a record a killed run left
    `running` is marked `interrupted` first."""
    from mlspec.project import Project
    from mlspec.state.lock import project_lock, sweep_interrupted

    project = Project.of(spec_path)
    loaded = project.loaded
    with project_lock(loaded.root, "run") as note_run:
        sweep_interrupted(loaded.root, "run")
        return _execute(project, loaded, targets, force, whole=whole, stream=stream, note_run=note_run)


def _execute(
    spec_path: ProjectLike,
    loaded: LoadedSpec,
    targets: list[StageName],
    force: bool,
    *,
    whole: bool,
    stream: Any,
    note_run: Callable[[str], None],
) -> Outcome:
    loaded, store, cache, inputs = prepare(spec_path, loaded)
    stream = stream or sys.stderr
    latest = latest_record(store, loaded.spec.name)
    if inputs.missing:
        from mlspec.pipeline.data import data_files, read_data_file

        for ref in data_files(loaded):
            if ref.relative in inputs.missing:
                read_data_file(ref)  # raises the DataError naming the key and file
    if whole and not force and latest is not None and latest.status == "passed":
        if all(usable(store, latest, s, inputs.digests[s], cache) for s in STAGES):
            cache.save()
            return Outcome(latest, up_to_date=True)

    continuing = False
    if whole or latest is None:
        record = new_record(loaded, store, cache, inputs)
    else:
        current_data = {ref.relative: inputs.files.get(ref.relative, ("missing", 0))[0] for ref in _refs(loaded)}
        same_data = current_data == {d.path: d.digest for d in latest.data}
        if same_data:
            record, continuing = latest, True
            record.spec_digest = loaded.digest
            record.spec_sections = inputs.sections
            record.versions = versions()
        else:
            record = new_record(loaded, store, cache, inputs)
    note_run(record.run_id)
    ctx = RunContext(loaded, store, cache, inputs, record, force)
    if not continuing:
        record.data = data_records(ctx)
    previous = latest if not continuing else _previous(store, record)
    pool = [r for r in candidates(store, latest, loaded.spec.name) if r.run_id != record.run_id]
    from mlspec.pipeline.remote import fetch_stages
    from mlspec.store.cache import origin_line

    fetched = (
        {}
        if force
        else fetch_stages(
            loaded,
            store,
            inputs,
            pool,
            stream,
            lambda stage, digest: find_cached(store, stage, digest, pool, cache) is not None,
        )
    )  # the remote stage cache
    priors = gather_priors(store, cache, inputs, record, latest, pool, here=continuing)
    plan = [
        step
        for step in plan_stages(
            inputs, priors, targets=targets, whole=whole, force=force, sections=latest.spec_sections if latest else {}
        )
        if step.action != "skip"
    ]
    by_id = {r.run_id: r for r in pool}
    progress = Progress(len(plan), stream)
    outcome = Outcome(record)
    shown = 0
    up_to_date: list[str] = []
    started = False
    for step in plan:
        stage = step.stage
        progress.start(stage)
        if outcome.failed_stage is not None:
            set_stage(
                record,
                StageResult(name=stage, status="skipped", message=f"not run: {TITLES[outcome.failed_stage]} failed"),
            )
            progress.end("skipped")
            continue
        if step.action == "reuse" and step.source is None:
            progress.end("up to date")
            up_to_date.append(stage)
            continue
        if not started and not continuing:
            # a new record is saved `running` before its first stage: killed now, it is found and marked interrupted
            # (a continued record, `latest`, stays as it was until the command ends: killed, it is left intact)
            record.status, started = "running", True
            ctx.save()
        if step.action == "reuse":
            result = take_cached(ctx, stage, by_id[str(step.source)])
            found = fetched.get(stage)
            if found is not None and found.run_id == step.source:
                result.message = f"{origin_line(found)} in the store: {result.message}".rstrip(": ")
                progress.end(
                    f"{origin_line(found)} in the store" if result.status == "cached" else "skipped (disabled)"
                )
                continue
            progress.end(f"cached (run {result.cached_from})" if result.status == "cached" else "skipped (disabled)")
            continue
        result = run_stage(ctx, step)
        if result.status == "failed":
            outcome.failed_stage, outcome.failure = stage, result.message
            progress.end(f"FAILED in {result.seconds:.1f}s")
        else:
            progress.end(
                f"{result.status} in {result.seconds:.1f}s"
                if result.status == "passed"
                else f"{result.status}: {result.message}"
            )
        for warning in ctx.warnings[shown:]:
            stream.write(f"  warning: {warning}\n")
        shown = len(ctx.warnings)
    if continuing and len(up_to_date) == len(plan):
        cache.save()
        return Outcome(record, up_to_date=True)
    finish_record(ctx, previous)
    ctx.save(latest=True)
    cache.save()
    return outcome


def take_cached(ctx: RunContext, stage: StageName, source: RunRecord) -> StageResult:
    """Reuse ``source``'s result of ``stage`` in this record (its files copied), as `cached` (or `skipped`)."""
    copy_stage(ctx, stage, source)
    previous_result = source.stage(stage)
    assert previous_result is not None
    result = StageResult(
        name=stage,
        status="cached" if previous_result.status != "skipped" else "skipped",
        message=previous_result.message,
        inputs_digest=ctx.inputs.digests[stage],
    )
    result.cached_from = source.run_id
    result.inputs = ctx.inputs.components[stage]
    result.outputs = dict(previous_result.outputs)
    set_stage(ctx.record, result)
    return result


def run_stage(ctx: RunContext, step: Step) -> StageResult:
    """Run one planned stage and record its result (saved: the record is `running` until the run ends)."""
    stage = step.stage
    started, t0 = utc_now(), time.perf_counter()
    invalidate_downstream(ctx.record, stage)
    produced: dict[str, str] = {}
    try:
        status, message = RUNNERS[stage](ctx)
        if status == "passed":
            produced = output_digests(ctx.run_dir, stage, ctx.cache)
    except MlspecError as exc:
        status, message = "failed", str(exc)
    except Exception as exc:  # an internal error still ends the run: the record says failed, not running
        _record_crash(ctx, stage, started, exc)
        raise
    result = StageResult(
        name=stage,
        status=status,
        started=started,
        seconds=round(time.perf_counter() - t0, 3),
        message=message,
        inputs_digest=ctx.inputs.digests[stage] if status != "failed" else "",
    )
    result.inputs = ctx.inputs.components[stage]
    result.outputs = produced
    result.reasons = [reason.run_text() for reason in step.reasons]
    set_stage(ctx.record, result)
    ctx.save()  # a "running" record; `latest` moves only when the record is complete
    return result


def _record_crash(ctx: RunContext, stage: StageName, started: str, exc: BaseException) -> None:
    """Mark the stage and its record failed (saved, not made `latest`) before an unexpected error escapes."""
    message = f"internal error: {type(exc).__name__}: {str(exc).strip()[:300]}"
    set_stage(ctx.record, StageResult(name=stage, status="failed", started=started, message=message))
    ctx.record.status, ctx.record.finished = "failed", utc_now()
    try:
        ctx.save()
    except Exception:  # noqa: BLE001 - the original error matters more than a failed save
        pass


def _refs(loaded: LoadedSpec) -> list[Any]:
    from mlspec.pipeline.data import data_files

    return data_files(loaded)


def _previous(store: RunStore, record: RunRecord) -> RunRecord | None:
    for older in reversed(store.history(record.project)):
        if older.run_id < record.run_id:
            return older
    return None


def gather_priors(
    store: RunStore,
    cache: StatCache,
    inputs: Inputs,
    record: RunRecord,
    latest: RunRecord | None,
    pool: list[RunRecord],
    *,
    here: bool,
    stages: tuple[StageName, ...] = STAGES,
) -> dict[StageName, Prior]:
    """What the records say about each stage of ``stages`` (the part of planning that reads files). ``record`` is
    the one being continued or started (``here``: it is continued, so its own results may stand); ``pool`` the
    earlier records whose results may be reused, newest first."""
    priors: dict[StageName, Prior] = {}
    for stage in stages:
        digest = inputs.digests[stage]
        before = record.stage(stage) or (latest.stage(stage) if latest else None)
        owner = record if record.stage(stage) else latest
        source = find_cached(store, stage, digest, pool, cache)
        priors[stage] = Prior(
            before=before,
            here=here and usable(store, record, stage, digest, cache),
            intact=owner is None or before is None or intact(store, owner, stage, cache),
            cached_from=source.run_id if source is not None else None,
        )
    return priors


def status_lines(spec_path: ProjectLike) -> tuple[list[tuple[str, str, list[str]]], RunRecord | None]:
    """(stage, "up to date" | "stale" | "never run" | "failed", reasons) for each stage: what `mlspec run`
    would do (plan_stages), against the latest run; an on-demand stage (the servability check) only when the
    latest run ran it, saying what its command would do."""
    loaded, store, cache, inputs = prepare(spec_path)
    latest = latest_record(store, loaded.spec.name)
    rows: list[tuple[str, str, list[str]]] = []
    if latest is None:
        rows = [(stage, "never run", []) for stage in STAGES]
    else:
        pool = [r for r in candidates(store, latest, loaded.spec.name) if r.run_id != latest.run_id]
        ran = tuple(s.name for s in ON_DEMAND if latest.stage(s.name) is not None)
        with_model(inputs, latest.model.tag if latest.model else None)
        priors = gather_priors(store, cache, inputs, latest, latest, pool, here=True, stages=STAGES + ran)
        for step in plan_stages(inputs, priors, sections=latest.spec_sections, stages=STAGES + ran):
            rows.append((step.stage, _state(step), _status_reasons(step, latest.run_id)))
    from mlspec.pipeline.remote import status_notes

    status_notes(loaded, inputs, rows, latest)
    cache.save()
    return rows, latest


def _state(step: Step) -> str:
    if step.action == "reuse":
        return "up to date"
    kind = step.reasons[0].kind if step.reasons else "changed"
    return {"never": "never run", "failed": "failed"}.get(kind, "stale")


def _status_reasons(step: Step, run_id: str) -> list[str]:
    if step.action == "reuse":
        return [f"its inputs match run {step.source}: that result is reused"] if step.source else []
    texts = [reason.status_text(run_id) for reason in step.reasons]
    return [text for text in texts if text is not None]


def display(path: Path) -> str:
    return display_path(path)
