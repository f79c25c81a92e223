"""The report says where sampling changed what the checks saw (issue 15: rows per check, how the feature
importance was computed), from the test outcome mlspec recorded."""

from __future__ import annotations

from mlspec.gate.evaluate import evaluate_gates
from mlspec.report.markdown import build_report
from mlspec.spec import load_spec
from tests.gate.support import make_record, project_with_gates


def test_the_report_lists_what_each_test_kind_sampled(tmp_path) -> None:
    from mlspec.state.record import CheckOutcome, TestOutcome

    project = project_with_gates(tmp_path, "gates:\n  - {metric: roc_auc, min: 0.5}\n")
    notes = [
        "feature importance: permutation importance (10 shuffles per feature) on 4,000 of 4,000 test rows",
        "WeakSegmentsPerformance sampled 10,000 of 12,000 train rows (its n_samples)",
    ]
    model = TestOutcome(
        kind="model",
        passed=True,
        checks=[
            CheckOutcome(name="WeakSegmentsPerformance", suite="model_evaluation", dataset="train", status="passed")
        ],
        sampling=notes,
    )
    data = TestOutcome(
        kind="data", passed=True, checks=[CheckOutcome(name="DataDuplicates", suite="data_integrity", status="passed")]
    )
    loaded = load_spec(project / "mlproject.yaml")
    record = make_record(project, {"roc_auc": 0.9}, tests={"data": data, "model": model})
    text = build_report(loaded, record, evaluate_gates(loaded, record, "staging"))
    for note in notes:
        assert text.count(f"- 🎲 sampled: {note}") == 1
    assert text.count("🎲 sampled") == 2  # nothing for the data tests, which sampled nothing
    assert TestOutcome.model_validate_json(model.model_dump_json()).sampling == notes  # kept in the record
