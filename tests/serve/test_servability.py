"""`mlspec test serving` with real BentoML: the Bento of a run's model is built, served on 127.0.0.1,
sent the test rows, compared with the in-process predictions and timed; the gate reads the verdict and
`serve.slo.p95_ms` turns the latency into a gate."""

from __future__ import annotations

import json
import shutil

import pytest

from mlspec.gate.evaluate import evaluate_gates
from mlspec.serve.check import percentile, verdict
from mlspec.spec import load_spec
from mlspec.state.record import GitInfo, ModelRef, RunRecord, RunStore, utc_now
from tests.helpers import run_mlspec
from tests.serve.conftest import Project

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("serve")]


def _record(project: Project) -> RunRecord:
    loaded = load_spec(project.spec)
    record = RunRecord(
        run_id="20260101T000000000000Z-00001",
        project="breast-cancer",
        spec_path="mlproject.yaml",
        spec_digest=loaded.digest,
        created=utc_now(),
        git=GitInfo(commit="0" * 40),
        task="binary",
        metrics={"roc_auc": 0.99, "f1": 0.97, "accuracy": 0.96},
        model=ModelRef(tag=project.tag, kind="classifier"),
        status="passed",
    )
    RunStore(project.root).save(record)
    return record


def _serving_row(project: Project, record: RunRecord):
    report = evaluate_gates(load_spec(project.spec), record, "staging")
    return next(r for r in report.results if r.kind == "serving")


def test_servability_check_passes_and_the_slo_gates_the_latency(project: Project) -> None:
    record = _record(project)
    original = project.spec.read_text()
    try:
        project.spec.write_text(original.rstrip("\n") + "\n" if "serve:" in original else original)
        result = run_mlspec("test", "serving", str(project.spec))
        assert result.returncode == 0, result.stdout + result.stderr
        figures = json.loads((RunStore(project.root).run_dir(record.run_id) / "servability.json").read_text())
        assert figures["verdict"] == "pass" and figures["model"] == project.tag
        assert figures["rows"] == len(project.X_test) and figures["mismatches"] == 0
        assert figures["apis"] == ["predict", "predict_proba"]
        assert figures["latency_ms"]["requests"] == min(len(project.X_test), 100)
        assert 0 < figures["latency_ms"]["p50"] <= figures["latency_ms"]["p95"] <= figures["latency_ms"]["max"]
        assert f"servability of {project.tag}: pass - {len(project.X_test)} test rows served equal" in result.stdout
        row = _serving_row(project, record)
        assert row.passed and row.threshold == "served = in-process" and row.value == figures["latency_ms"]["p95"]

        # An SLO no service meets: the check fails (exit 1) and so does the gate.
        project.spec.write_text(
            original.replace("serve:\n", "serve:\n  slo: {p95_ms: 0.001}\n", 1)
            if "serve:\n" in original
            else original + "serve:\n  slo: {p95_ms: 0.001}\n"
        )
        result = run_mlspec("test", "serving", str(project.spec))
        assert result.returncode == 1, result.stdout + result.stderr
        assert "exceeds serve.slo.p95_ms 0.001 ms" in result.stderr
        assert "error: the servability check of run 20260101T000000000000Z-00001 failed: " in result.stderr
        assert "Traceback" not in result.stderr
        row = _serving_row(project, record)
        assert not row.passed and row.threshold == "served = in-process, p95 <= 0.001 ms"

        # No result at all with an SLO set: the gate fails closed.
        (RunStore(project.root).run_dir(record.run_id) / "servability.json").unlink()
        row = _serving_row(project, record)
        assert not row.passed
        assert row.reason == (
            f"run {record.run_id} has no servability result, so the latency objective serve.slo "
            "cannot be checked (run `mlspec test serving`)"
        )
    finally:
        project.spec.write_text(original)
        # the session's project never ran (tests/serve/test_serve.py relies on it): leave no run behind
        shutil.rmtree(project.root / ".mlspec" / "runs", ignore_errors=True)


def test_verdict_names_mismatches_failures_and_the_slo() -> None:
    figures = {
        "rows": 3,
        "mismatches": 1,
        "examples": ["/predict row 2: served 1, in process 0"],
        "latency_ms": {"requests": 3, "failed": 1, "p50": 2.0, "p95": 9.5, "max": 10.0},
    }
    outcome, reason = verdict(figures, 5)
    assert outcome == "fail"
    assert reason == (
        "1 served answers differ from the in-process predictions (first: /predict row 2: served 1, "
        "in process 0); the service rejected 1 of 3 one-row /predict requests; p95 latency 9.5 ms exceeds "
        "serve.slo.p95_ms 5 ms (3 test rows sent; one-row /predict p50 2 ms, p95 9.5 ms (2 answered requests), "
        "SLO p95 <= 5 ms)"
    )
    assert percentile([1.0, 2.0, 3.0, 4.0], 50) == 2.5 and percentile([5.0], 95) == 5.0


def test_the_check_is_the_runs_serving_stage_and_is_reused_on_this_machine(project: Project) -> None:
    """A real `mlspec test serving` records its stage result in the latest run's record and `mlspec status` shows
    it; run again with nothing changed it reuses that result, says so and starts no service."""
    from mlspec.pipeline.cache import compute_inputs
    from mlspec.pipeline.fingerprint import StatCache
    from mlspec.state.layout import StateLayout
    from mlspec.state.record import StageResult

    record = _record(project)
    inputs = compute_inputs(load_spec(project.spec), StatCache(StateLayout(project.root).stat_cache))
    record.stages = [
        StageResult(
            name="train", status="passed", inputs_digest=inputs.digests["train"], inputs=inputs.components["train"]
        )
    ]
    store = RunStore(project.root)
    store.save(record)
    (store.run_dir(record.run_id) / "model.bentomodel").write_bytes(b"the run's archive")
    try:
        result = run_mlspec("test", "serving", str(project.spec))
        assert result.returncode == 0, result.stdout + result.stderr
        serving = store.load(record.run_id).stage("serving")
        assert serving is not None and serving.status == "passed" and serving.reasons == ["never ran"]
        assert serving.message.startswith(f"{len(project.X_test)} test rows served equal") and serving.seconds > 0
        assert serving.inputs["model:tag"] == project.tag and serving.inputs_digest
        assert (store.run_dir(record.run_id) / "servability-server.log").is_file()
        status = run_mlspec("status", str(project.spec))
        assert "  servability check  up to date\n" in status.stdout, status.stdout

        again = run_mlspec("test", "serving", str(project.spec))
        assert again.returncode == 0, again.stdout + again.stderr
        assert f"servability of {project.tag}: reused its result of " in again.stdout
        assert "--force reruns it" in again.stdout and "starting" not in again.stdout
        assert store.load(record.run_id).stage("serving") == serving
        row = _serving_row(project, store.load(record.run_id))
        assert row.passed and row.reason == f"servability: {serving.message}"

        forced = run_mlspec("test", "serving", "--force", str(project.spec))  # --force reruns it (it was ignored)
        assert forced.returncode == 0 and "servability: starting " in forced.stdout, forced.stdout + forced.stderr
        rerun = store.load(record.run_id).stage("serving")
        assert rerun is not None and rerun.reasons == ["--force"] and rerun.started != serving.started
    finally:
        shutil.rmtree(project.root / ".mlspec" / "runs", ignore_errors=True)
