"""`mlspec drift [SPEC] --current PATH [--reference PATH] [--env ENV] [--dispatch]`.

Exit 0: no drift beyond the thresholds; 1: drift found (or a user error, e.g. the schema guard);
4: a drift check errored and no drift was found, so the verdict is unknown (never reported as "no drift")."""

from __future__ import annotations

import contextlib
import io
import logging
import sys
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mlspec.errors import EXIT_FAILED, EXIT_OK, EXIT_UNDECIDED, DataError, UsageError
from mlspec.fsio import atomic_write_json, atomic_write_text, display_path
from mlspec.hosts.all_hosts import current as code_host
from mlspec.monitor.reference import (
    Reference,
    ServedModel,
    drift_environment,
    load_served_model,
    resolve_reference,
)
from mlspec.monitor.schema_guard import STRING, check_schema, column_kind
from mlspec.spec.models import Drift, DriftThresholds
from mlspec.state.layout import LATEST, StateLayout
from mlspec.state.record import new_run_id, utc_now
from mlspec.tables import Table, feature_columns, read_table
from mlspec.usercode import code_folders, user_code_path

if TYPE_CHECKING:
    from mlspec.project import ProjectLike
    from mlspec.spec import LoadedSpec


def drift_dir(spec_root: Path) -> Path:
    return StateLayout(spec_root).drift


def _feature_columns(loaded: LoadedSpec, reference: Table, served: ServedModel | None) -> list[str]:
    """The model's features (metadata), else the spec's feature columns of the reference table
    (`mlspec.tables.feature_columns`, the pipeline's own rule)."""
    if served is not None and served.features:
        return served.features
    return feature_columns(loaded.spec.data, reference.frame.columns)


def _categorical(loaded: LoadedSpec, reference: Table, features: list[str], served: ServedModel | None) -> list[str]:
    declared = set(loaded.spec.data.categorical)
    if served is not None and isinstance(served.metadata.get("categorical"), list):
        declared |= {str(c) for c in served.metadata["categorical"]}
    return [c for c in features if c in declared or column_kind(reference.frame[c]) == STRING]


def _check_reference_has(reference: Reference, features: list[str], label: str) -> None:
    missing = [c for c in features + [label] if c not in reference.table.frame.columns]
    if missing:
        names = ", ".join(f"'{c}'" for c in missing)
        raise DataError(
            f"the reference data {display_path(reference.table.path)} has no column(s) {names}",
            hint="give a reference table with the model's features and label (--reference), "
            "or fix data.features / data.label in the spec",
        )


def _table_info(table: Table, role: str | None = None) -> dict[str, Any]:
    info: dict[str, Any] = {
        "path": display_path(table.path),
        "rows": table.rows,
        "digest": table.digest,
        "files": len(table.files),
    }
    if role:
        info["role"] = role
    return info


@contextlib.contextmanager
def _quiet() -> Any:
    """deepchecks prints progress bars and warnings; the command prints its own summary instead."""
    logger = logging.getLogger("deepchecks")
    level = logger.level
    logger.setLevel(logging.ERROR)
    sink = io.StringIO()
    try:
        with warnings.catch_warnings(), contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
            warnings.simplefilter("ignore")
            yield
    finally:
        logger.setLevel(level)


def _append_step_summary(markdown: str) -> None:
    if code_host().job_summary() is None:
        return
    # The PNG is an artifact; a relative image link would be broken in the job summary.
    text = "\n".join(line for line in markdown.splitlines() if not line.startswith("![")) + "\n"
    if not code_host().append_job_summary(text):
        print("the job summary is full (1 MiB): the drift summary was not appended", file=sys.stderr)


def current_path(loaded: LoadedSpec, current: str | None) -> Path:
    """`--current` when given, else the spec's `triggers.drift.current` (relative to the spec's folder)."""
    if current:
        return Path(current)
    drift = loaded.spec.triggers.drift
    if drift is not None and drift.current:
        return loaded.resolve(drift.current)
    raise UsageError(
        f"{loaded.path}: no current data to check: pass --current PATH, or set triggers.drift.current "
        "in the spec"
        + (
            " (triggers.drift.command writes the data: run it and pass its file)"
            if drift is not None and drift.command
            else ""
        )
    )


def drift_command(
    spec: ProjectLike,
    current: str | None = None,
    reference: str | None = None,
    env: str | None = None,
    dispatch: bool = False,
    from_serving_log: str | None = None,
    since: str | None = None,
) -> int:
    from mlspec.project import Project

    if from_serving_log is not None and current is not None:
        raise UsageError("--from-serving-log and --current both name the current data: give one")
    if since is not None and from_serving_log is None:
        raise UsageError("--since goes with --from-serving-log")
    loaded = Project.of(spec).loaded
    if from_serving_log is not None:
        from mlspec.monitor.serving_log import collect, spec_sink

        sink = from_serving_log or spec_sink(loaded)
        current_file = collect(sink, since, drift_dir(loaded.root) / "serving-log.csv")
    else:
        current_file = current_path(loaded, current)
    project = loaded.spec.name
    drift_spec = loaded.spec.triggers.drift
    # Without a drift section: the defaults of the DriftThresholds and Drift models.
    thresholds = drift_spec.thresholds if drift_spec else DriftThresholds()
    n_samples = drift_spec.n_samples if drift_spec else int(Drift.model_fields["n_samples"].default)
    environment = drift_environment(loaded, env)

    ref = resolve_reference(loaded, environment, reference)
    cur = read_table(current_file, loaded.spec.data.format)
    if cur.rows == 0:
        raise DataError(f"the current data {display_path(cur.path)} has no rows")
    served: ServedModel | None = None
    no_model_reason = "no model is deployed in this environment yet"
    with user_code_path(*code_folders(loaded)):  # the served model may import the project's code, loaded and predicting
        if ref.deployment is not None:
            if ref.deployment.model.store:  # the model is unpickled: only from a store the spec names
                from mlspec.store.models import check_deployed_store

                check_deployed_store(loaded.spec, ref.deployment.model.store, f"deploy/{environment}.yaml")
            served, no_model_reason = load_served_model(ref.deployment, loaded.root)
        label = loaded.spec.data.label
        features = _feature_columns(loaded, ref.table, served)
        _check_reference_has(ref, features, label)
        check_schema(
            ref.table.frame,
            cur.frame,
            features,
            label=label,
            current_name=display_path(cur.path),
            reference_name=display_path(ref.table.path),
        )
        categorical = _categorical(loaded, ref.table, features, served)

        for note in ref.notes:
            print(f"note: {note}", file=sys.stderr)

        from mlspec.monitor.drift_checks import run_drift

        with _quiet():
            result = run_drift(
                ref.table.frame,
                cur.frame,
                features=features,
                categorical=categorical,
                label=label,
                task=loaded.spec.evaluate.task,
                thresholds=thresholds,
                n_samples=n_samples,
                served=served,
                no_model_reason=no_model_reason,
            )

    drift_id = new_run_id()
    folder = drift_dir(loaded.root) / drift_id
    outputs = write_outputs(
        result,
        folder=folder,
        drift_id=drift_id,
        project=project,
        environment=environment,
        ref=ref,
        cur=cur,
        model=served.tag if served else None,
    )
    atomic_write_text(drift_dir(loaded.root) / LATEST, drift_id + "\n")
    _append_step_summary(outputs["markdown"])

    from mlspec.monitor.summary import stdout_table, summary_line

    verdict = "DRIFT" if result.drifted else "could not decide" if result.undecided else "no drift"
    print(
        f"drift of {display_path(cur.path)} ({cur.rows:,} rows) against {display_path(ref.table.path)} "
        f"({ref.table.rows:,} rows), {project} in {environment}: {verdict}"
    )
    print(stdout_table(result))
    if result.undecided:
        problems = result.errors or ["no feature drift score was computed"]
        print(
            f"error: drift could not be decided: {len(problems)} drift check problem(s), so this is not 'no drift':",
            file=sys.stderr,
        )
        for problem in problems[:10]:
            print(f"  - {problem[:500]}", file=sys.stderr)
        print(
            "  hint: check the current data (enough rows, finite numbers); details in "
            f"{display_path(folder / 'drift.json')}",
            file=sys.stderr,
        )
    else:
        print(summary_line(result))
    print(f"report: {display_path(folder / 'drift.html')}, summary: {display_path(folder / 'drift.json')}")

    if result.drifted and dispatch:
        if drift_spec is not None and not drift_spec.retrain:
            print("not starting training: triggers.drift.retrain is false")
        else:
            from mlspec.monitor.trigger import dispatch as send

            outcome = send(
                result,
                project=project,
                environment=environment,
                drift_id=drift_id,
                folder=folder,
                settings=code_host().settings(),
            )
            print(outcome.message)
    if result.undecided:
        return EXIT_UNDECIDED
    return EXIT_FAILED if result.drifted else EXIT_OK


def write_outputs(
    result: Any,
    *,
    folder: Path,
    drift_id: str,
    project: str,
    environment: str,
    ref: Reference,
    cur: Table,
    model: str | None,
) -> dict[str, Any]:
    """drift.html (deepchecks), drift.json, drift.png and drift.md in ``folder``."""
    from mlspec.monitor.html_report import write_html
    from mlspec.monitor.plot import write_plot
    from mlspec.monitor.summary import DriftRun, as_json, markdown

    run = DriftRun(project, environment, _table_info(ref.table, ref.role), _table_info(cur), ref.notes)
    with _quiet():
        write_html(result.suite_result, folder / "drift.html", f"mlspec drift: {project} ({environment})")
    plot = write_plot(result, folder / "drift.png")
    md = markdown(result, run, plot=plot.name if plot else None)
    atomic_write_text(folder / "drift.md", md)
    atomic_write_json(
        folder / "drift.json",
        as_json(result, run, drift_id=drift_id, model=model, created=utc_now()),
    )
    return {"markdown": md, "folder": folder}
