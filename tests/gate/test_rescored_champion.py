"""Issue 12 item 5: when the champion can be re-scored on the current test set, the gates, the deltas and
the report's metrics table use those numbers and say which test data each number comes from; intervals
and deltas use one unit."""

from __future__ import annotations

import pytest

from mlspec.gate.evaluate import evaluate_gates
from mlspec.report.markdown import build_report
from mlspec.spec import load_spec
from mlspec.state.record import RunStore
from tests.gate.support import commit_champion, make_record, project_with_gates
from tests.gate.test_bootstrap import BOOT, models  # noqa: F401 - the session fixture

pytestmark = pytest.mark.xdist_group("gate-bootstrap")
RUN = "20250102T000000000000Z-00001"
OLD_TEST = "xxh3_128:" + "c" * 32  # the champion was promoted after scoring another test set


def _project(tmp_path, models, gates: str):  # noqa: F811
    project = project_with_gates(tmp_path, gates)
    commit_champion(
        project,
        "staging",
        {"accuracy": 0.5, "roc_auc": 0.5},
        tag=models["tag"],
        lineage={"run_id": "20250101T000000000000Z-00000", "data": {"test": OLD_TEST}},
    )
    folder = RunStore(project).run_dir(RUN)
    folder.mkdir(parents=True)
    models["strong"].to_csv(folder / "predictions.csv", index=False)
    record = make_record(
        project, {"accuracy": models["strong_acc"], "roc_auc": 0.99}, run_id=RUN, predictions="predictions.csv"
    )
    return project, record


def test_delta_gate_and_report_use_the_champion_rescored_on_the_current_test_set(tmp_path, models) -> None:  # noqa: F811
    project, record = _project(tmp_path, models, "gates:\n  - {metric: accuracy, min_delta: 0.0}\n")
    loaded = load_spec(project / "mlproject.yaml")
    report = evaluate_gates(loaded, record, "staging")
    result = report.results[0]
    assert result.baseline == pytest.approx(models["weak_acc"])  # not the 0.5 its deploy file stored
    assert result.delta == pytest.approx(models["strong_acc"] - models["weak_acc"])
    assert result.reason == "the champion re-scored on the current test set"
    assert report.champion_metrics()["accuracy"] == pytest.approx(models["weak_acc"])
    where = (
        f"challenger and staging champion {models['tag']}: both scored on the current test set "
        "(data/test.csv, bbbbbbbbbbbb) (champion re-scored)"
    )
    assert report.test_data == where
    text = build_report(loaded, record, report)
    weak, strong = models["weak_acc"], models["strong_acc"]
    assert f"| accuracy | ↑ | {strong:.4f} | {weak:.4f} | ▲ {strong - weak:+.4f} (better) | — | ✅ |" in text
    assert f"Test data: {where}." in text
    assert f"note: test data: {where}" in report.text_table()


def test_without_the_champion_model_the_stored_numbers_are_labelled(tmp_path, models) -> None:  # noqa: F811
    project, record = _project(tmp_path, models, "gates:\n  - {metric: accuracy, min_delta: 0.0}\n")
    deploy = project / "deploy" / "staging.yaml"
    report = evaluate_gates(
        load_spec(project / "mlproject.yaml"), record.model_copy(update={"predictions": None}), "staging"
    )
    assert report.results[0].baseline == 0.5
    assert report.test_data.startswith(
        f"challenger: the current test set (data/test.csv, bbbbbbbbbbbb); staging "
        f"champion {models['tag']}: as its deploy file recorded them, on other test "
        "data (it could not be re-scored: "
    )
    assert deploy.is_file()


def test_relative_interval_uses_the_unit_of_the_delta(tmp_path, models) -> None:  # noqa: F811
    project, record = _project(
        tmp_path, models, f"gates:\n  - {{metric: accuracy, min_delta: 0.0, relative: true, {BOOT}}}\n"
    )
    result = evaluate_gates(load_spec(project / "mlproject.yaml"), record, "staging").results[0]
    assert result.delta_text().endswith("%")
    low, high = result.interval
    assert result.interval_text() == f"95% [{low:+.2%}, {high:+.2%}]"
