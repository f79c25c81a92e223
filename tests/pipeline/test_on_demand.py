"""mlspec/pipeline/on_demand.py: the servability check as the latest run's `serving` stage, recorded, reused, made
stale and shown by `mlspec status` and the gate. The check itself is replaced here by one that writes the figures a
check writes (tests/serve/test_servability.py runs the real one, with BentoML); what is tested is the stage around it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mlspec.errors import MlspecError
from mlspec.gate.evaluate import evaluate_gates
from mlspec.pipeline import cache
from mlspec.pipeline.cache import MACHINE_INPUT, MODEL_INPUT, STAGES, compute_inputs
from mlspec.pipeline.fingerprint import StatCache
from mlspec.pipeline.on_demand import run_on_demand
from mlspec.pipeline.runner import invalidate_downstream, set_stage, status_lines
from mlspec.project import Project
from mlspec.spec import load_spec
from mlspec.state.layout import StateLayout
from mlspec.state.record import RunRecord, RunStore, StageResult, StageStatus
from mlspec.state.servability import result_path
from tests.gate.support import make_record, project_with_gates
from tests.helpers import run_cli

RUN = "20250102T000000000000Z-00001"
TAG = "breast-cancer:challenger"


class Check:
    """What `mlspec test serving`'s check leaves: servability.json (the gate's figures) and the server's log."""

    def __init__(self, verdict: str = "pass", p95: float = 9.4) -> None:
        self.verdict, self.p95, self.calls = verdict, p95, 0

    def __call__(self, project: Project, record: RunRecord) -> tuple[StageStatus, str]:
        self.calls += 1
        assert record.model is not None
        reason = f"143 test rows served equal; p95 {self.p95} ms" if self.verdict == "pass" else "1 answer differs"
        figures = {
            "verdict": self.verdict,
            "reason": reason,
            "model": record.model.tag,
            "checked": f"call {self.calls}",
        }
        result_path(project.runs, record.run_id).write_text(json.dumps({**figures, "latency_ms": {"p95": self.p95}}))
        (project.runs.run_dir(record.run_id) / "servability-server.log").write_text("serving\n")
        return ("passed" if self.verdict == "pass" else "failed"), reason


def _run(root: Path, check: Check, *, force: bool = False):  # type: ignore[no-untyped-def]
    return run_on_demand(
        Project.of(root / "mlproject.yaml"), "serving", check, force=force, needed_for="check", hint="train"
    )


def _status(root: Path) -> dict[str, tuple[str, list[str]]]:
    rows, _latest = status_lines(root / "mlproject.yaml")
    return {stage: (state, reasons) for stage, state, reasons in rows}


def _gate_row(root: Path, run_id: str = RUN):  # type: ignore[no-untyped-def]
    record = RunStore(root).load(run_id)
    report = evaluate_gates(load_spec(root / "mlproject.yaml"), record, "staging")
    return next(r for r in report.results if r.kind == "serving")


def trained(root: Path, run_id: str = RUN, tag: str = TAG) -> RunRecord:
    """A run whose train stage is up to date for the current inputs, with a model (made by hand: no training)."""
    inputs = compute_inputs(load_spec(root / "mlproject.yaml"), StatCache(StateLayout(root).stat_cache))
    record = make_record(root, {"roc_auc": 0.99}, tag=tag, run_id=run_id, save=False)
    set_stage(
        record,
        StageResult(
            name="train", status="passed", inputs_digest=inputs.digests["train"], inputs=inputs.components["train"]
        ),
    )
    store = RunStore(root)
    store.save(record)
    (store.run_dir(run_id) / "model.bentomodel").write_bytes(b"the model's archive")
    return record


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """The breast-cancer example with a latest run that trained a model."""
    root = project_with_gates(tmp_path, "gates:\n  - {metric: roc_auc, min: 0.5}\n", remote=False)
    trained(root)
    return root


def test_a_record_that_never_ran_the_check_has_no_row_and_reads_as_before(root: Path) -> None:
    before = (RunStore(root).layout.record_file(RUN)).read_bytes()
    status = run_cli("status", cwd=root)
    assert status.returncode == 0 and "servability" not in status.stdout
    assert list(_status(root)) == list(STAGES)
    assert RunStore(root).layout.record_file(RUN).read_bytes() == before  # status wrote nothing into it
    assert not [r for r in evaluate_gates(load_spec(root / "mlproject.yaml"), RunStore(root).load(RUN), "staging")
                .results if r.kind == "serving"]  # fmt: skip


def test_the_check_is_recorded_in_the_latest_run_and_status_shows_it(root: Path) -> None:
    done = _run(root, Check())
    assert done.ran and done.result.status == "passed"
    record = RunStore(root).load(RUN)
    result = record.stage("serving")
    assert result is not None and result == done.result
    assert result.message == "143 test rows served equal; p95 9.4 ms" and result.started and result.seconds >= 0
    assert result.reasons == ["never ran"] and len(result.inputs_digest) > 20
    assert result.inputs[MODEL_INPUT] == TAG and result.inputs[MACHINE_INPUT] == cache.machine_id()
    assert {"spec:serve", "spec:data", "spec:evaluate.labels", "version:bentoml", "stage:train"} <= set(result.inputs)
    assert set(result.outputs) == {"servability.json"}  # the server's log is kept, not required
    assert record.status == "passed" and [s.name for s in record.stages] == ["train", "evaluate", "serving"]

    assert _status(root)["serving"] == ("up to date", [])
    status = run_cli("status", cwd=root)
    assert "  servability check  up to date" in status.stdout, status.stdout
    assert "  data tests         never run" in status.stdout  # the column widens only for a record that ran it
    row = _gate_row(root)
    assert row.passed and row.reason == "servability: 143 test rows served equal; p95 9.4 ms" and row.value == 9.4


def test_unchanged_inputs_reuse_the_result_and_force_reruns_it(root: Path) -> None:
    check = Check()
    _run(root, check)
    again = _run(root, check)
    assert not again.ran and check.calls == 1 and again.result.status == "passed"  # said as reused by the command
    forced = _run(root, check, force=True)
    assert forced.ran and check.calls == 2 and forced.result.reasons == ["--force"]


def test_a_failed_check_is_recorded_failed_and_rerun(root: Path) -> None:
    check = Check("fail")
    done = _run(root, check)
    assert done.ran and done.result.status == "failed" and done.result.inputs_digest == ""
    record = RunStore(root).load(RUN)
    assert record.status == "passed"  # the run's own verdict is the pipeline's: the gate fails with the check
    state, reasons = _status(root)["serving"]
    assert state == "failed" and reasons[0] == f"failed in run {RUN}: 1 answer differs"
    assert not _gate_row(root).passed
    assert _run(root, check).ran and check.calls == 2  # a failure is never reused


def test_a_check_that_raises_is_recorded_failed_and_the_error_goes_on(root: Path) -> None:
    def broken(project: Project, record: RunRecord) -> tuple[StageStatus, str]:
        raise MlspecError("data/test.csv: no column 'mean radius'")

    with pytest.raises(MlspecError, match="no column"):
        _run(root, broken)  # type: ignore[arg-type]
    result = RunStore(root).load(RUN).stage("serving")
    assert (
        result is not None and result.status == "failed" and result.message == "data/test.csv: no column 'mean radius'"
    )


def test_a_retrain_makes_the_result_stale_for_status_and_the_gate(root: Path) -> None:
    _run(root, Check())
    store = RunStore(root)
    record = store.load(RUN)
    invalidate_downstream(record, "train")  # what `mlspec train` does to the record it continues, then a new model
    record.model = record.model.model_copy(update={"tag": "breast-cancer:retrained"}) if record.model else None
    store.save(record)

    state, reasons = _status(root)["serving"]
    why = f"train reran after it in run {RUN}: its result (passed) is for model {TAG}; rerun `mlspec test serving`"
    assert (state, reasons) == ("stale", [why])
    assert "  servability check  stale" in run_cli("status", cwd=root).stdout
    row = _gate_row(root)
    assert not row.passed and row.reason == f"the servability result of run {RUN} is stale: {why}"

    check = Check()
    done = _run(root, check)
    assert done.ran and done.result.inputs[MODEL_INPUT] == "breast-cancer:retrained"
    assert done.result.reasons == [why]
    assert _gate_row(root).passed


def test_a_change_of_the_serve_section_or_of_the_machine_makes_it_stale(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    check = Check()
    _run(root, check)
    spec = root / "mlproject.yaml"
    spec.write_text(spec.read_text().replace("serve:\n", "serve:\n  workers: 2\n", 1))
    assert _status(root)["serving"] == ("stale", ["spec section serve changed"])
    assert _run(root, check).ran and check.calls == 2

    monkeypatch.setattr(cache, "machine_id", lambda: "xxh3_128:another-machine")
    state, reasons = _status(root)["serving"]
    assert state == "stale" and reasons == ["it ran on another machine (a latency measured there does not hold here)"]
    done = _run(root, check)
    assert done.ran and check.calls == 3  # a latency measured on another machine is never reused


def test_an_earlier_runs_result_for_the_same_model_is_copied_and_labelled_reused(root: Path) -> None:
    check = Check()
    _run(root, check)
    later = "20250103T000000000000Z-00001"
    trained(root, later)  # a new run that reused the model (train cached)
    assert "serving" not in _status(root)  # it did not run the check: no row

    done = _run(root, check)
    assert not done.ran and check.calls == 1
    assert done.result.status == "cached" and done.result.cached_from == RUN
    assert (RunStore(root).run_dir(later) / "servability.json").read_bytes() == result_path(
        RunStore(root), RUN
    ).read_bytes()
    row = _gate_row(root, later)
    assert row.passed and row.reason.startswith(f"servability (reused from run {RUN}'s check): ")
    assert _status(root)["serving"] == ("up to date", [])

    other = "20250104T000000000000Z-00001"
    trained(root, other, "breast-cancer:another")  # another model: never reused
    assert _run(root, check).ran and check.calls == 2


def test_a_stale_or_failed_stage_is_never_a_passed_gate_row(root: Path) -> None:
    """The gate reads the stage's result with the figures: a file saying pass under a stage that failed fails."""
    _run(root, Check())
    store = RunStore(root)
    record = store.load(RUN)
    record.stages = [s for s in record.stages if s.name != "serving"] + [
        StageResult(name="serving", status="failed", message="internal error: BrokenPipeError")
    ]
    store.save(record)
    row = _gate_row(root)
    assert not row.passed and row.reason == "servability: internal error: BrokenPipeError"


@pytest.mark.slow  # trains the example's model twice (seconds each)
def test_mlspec_train_after_the_check_makes_it_stale(tmp_path: Path) -> None:
    """The real path: `mlspec train --force` continues the run that holds a check and retrains; the check's result
    stays in the record as `stale`, `mlspec status` says so and the gate fails it."""
    root = project_with_gates(tmp_path, "gates:\n  - {metric: roc_auc, min: 0.5}\n", remote=False)
    first = run_cli("train", cwd=root)
    assert first.returncode == 0, first.stdout + first.stderr
    store = RunStore(root)
    run_id = str(store.latest_id())
    _run(root, Check())
    checked = store.load(run_id)
    assert checked.model is not None and checked.stage("serving") is not None
    assert run_cli("status", cwd=root).stdout.count("servability check  up to date") == 1

    again = run_cli("train", "--force", cwd=root)
    assert again.returncode == 0, again.stdout + again.stderr
    record = store.load(run_id)  # the same run, continued: same data
    assert record.model is not None and record.model.tag != checked.model.tag
    result = record.stage("serving")
    assert result is not None and result.status == "stale"
    why = (
        f"train reran after it in run {run_id}: its result (passed) is for model {checked.model.tag}; "
        "rerun `mlspec test serving`"
    )
    assert result.message == why
    status = run_cli("status", cwd=root).stdout
    assert f"  servability check  stale\n      {why}\n" in status, status
    row = _gate_row(root, run_id)
    assert not row.passed and row.reason == f"the servability result of run {run_id} is stale: {why}"

    # a failed check fails the gate, not the run: a stage command that continues the record keeps its status
    assert _run(root, Check("fail")).result.status == "failed"
    evaluated = run_cli("evaluate", "--force", cwd=root)
    assert evaluated.returncode == 0, evaluated.stdout + evaluated.stderr
    record = store.load(run_id)
    assert record.status == "passed" and getattr(record.stage("serving"), "status", None) == "failed"
