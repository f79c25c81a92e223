"""The report's first screen says the verdict and then what a reviewer must act on first: every failed gate row
with its reason (failed or missing tests are gate rows too), then checks that errored or were stopped at the
deadline without failing the tests (they did not check anything, so they must not read as passed). Before, the
verdict said "1 of 3 checks failed" and which one, and why, came only after the metrics table and the charts.
The run's time reads to the minute with its zone, not as a raw timestamp with microseconds."""

from __future__ import annotations

from pathlib import Path

from mlspec.gate.evaluate import evaluate_gates
from mlspec.report.markdown import build_report, when
from mlspec.spec import load_spec
from mlspec.state.record import CheckOutcome
from mlspec.state.record import TestOutcome as Outcome
from tests.gate.support import make_record, outcome_of, project_with_gates


def _model_tests_with_an_error() -> Outcome:
    return Outcome(
        kind="model",
        passed=True,  # errored: warn (the default): an error does not fail the tests, and checked nothing
        checks=[
            CheckOutcome(name="RocReport", suite="model_evaluation"),
            CheckOutcome(
                name="SimpleModelComparison",
                suite="model_evaluation",
                status="errored",
                error="ValueError",
                reason="pos_label=1 is not a valid label",
            ),
        ],
        timed_out=["WeakSegmentsPerformance (test)"],
    )


def test_failed_gates_and_unrun_checks_come_right_after_the_verdict(tmp_path: Path) -> None:
    project = project_with_gates(tmp_path, "gates:\n  - {metric: roc_auc, min: 0.99}\n  - {metric: f1, min: 0.5}\n")
    record = make_record(
        project,
        {"roc_auc": 0.9, "f1": 0.8},
        tests={"data": outcome_of("data", 2, 3), "model": _model_tests_with_an_error()},
    )
    loaded = load_spec(project / "mlproject.yaml")
    text = build_report(loaded, record, evaluate_gates(loaded, record, "staging"))
    head = text[: text.index("#### Metrics")]
    lines = head.splitlines()
    assert lines[0].startswith("### ❌ breast-cancer: gate not passed for `staging`")
    assert lines[2].startswith("Model `breast-cancer:challenger`") and "· 2025-01-02 00:00 UTC ·" in lines[2]
    assert lines[4] == "**Act on first:**"
    items = [line for line in lines[5:] if line]
    assert [item.split(":")[0] for item in items] == [
        "- ❌ `data tests passed`",  # in the gate table's order: the tests' row first
        "- ❌ `roc_auc >= 0.99`",
        "- ❗ model tests",
        "- ⏱️ model tests",
    ]
    assert "FeatureDrift000" in items[0]  # the failed checks are named
    assert len(items[1]) > len("- ❌ `roc_auc >= 0.99`: ")  # with the gate's own reason
    assert "1 check errored, so did not check anything: SimpleModelComparison" in items[2]
    assert items[3].endswith("stopped at the deadline, not passed: WeakSegmentsPerformance (test)")
    assert "f1 >= 0.5" not in head  # a passed gate is not something to act on


def test_a_run_where_everything_passed_has_no_act_first_list(tmp_path: Path) -> None:
    project = project_with_gates(tmp_path, "gates:\n  - {metric: roc_auc, min: 0.5}\n")
    record = make_record(project, {"roc_auc": 0.9}, tests={"data": outcome_of("data", 0, 3)})
    loaded = load_spec(project / "mlproject.yaml")
    text = build_report(loaded, record, evaluate_gates(loaded, record, "staging"))
    assert text.startswith("### ✅ breast-cancer: gate passed for `staging`")
    assert "Act on first" not in text


def test_run_time_reads_to_the_minute_in_utc() -> None:
    assert when("2026-12-05T05:00:50.157826Z") == "2026-12-05 05:00 UTC"
    assert when("2026-12-05T05:00:50Z") == "2026-12-05 05:00 UTC"
    assert when("yesterday") == "yesterday"  # anything else is shown as recorded


def test_tests_that_did_not_run_are_said_not_left_out(tmp_path: Path) -> None:
    """Data tests failed, so the model tests did not run: the report's tests showed the data tests only, as if
    there were no model tests; now they have a heading that says they did not run."""
    from mlspec.state.record import StageResult

    project = project_with_gates(tmp_path, "gates:\n  - {metric: roc_auc, min: 0.5}\n")
    record = make_record(
        project,
        {"roc_auc": 0.9},
        tests={"data": outcome_of("data", 1, 2)},
        stages=[
            StageResult(name="data_tests", status="failed", message="data tests failed"),
            StageResult(name="model_tests", status="skipped", message="not run: data tests failed"),
        ],
    )
    loaded = load_spec(project / "mlproject.yaml")
    text = build_report(loaded, record, evaluate_gates(loaded, record, "staging"))
    heading = "#### ⏭️ Model tests: not run (data tests failed)"
    assert heading in text and text.index("#### ❌ Data tests") < text.index(heading) < text.index("#### Why this run")
    assert "- ❌ `model tests passed`: " in text[: text.index("#### Metrics")]  # the gate row, on the first screen
