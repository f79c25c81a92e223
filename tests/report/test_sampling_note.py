"""The report says where sampling changed what the checks saw (issue 15: rows per check), and, apart from it, how
the checks ran (how the feature importance was computed, checks on the test set only), from the test outcome
mlspec recorded."""

from __future__ import annotations

from mlspec.gate.evaluate import evaluate_gates
from mlspec.report.markdown import build_report
from mlspec.spec import load_spec
from tests.gate.support import make_record, project_with_gates


def test_the_report_lists_what_each_test_kind_sampled_and_how_it_ran(tmp_path) -> None:
    from mlspec.state.record import CheckOutcome, TestOutcome

    project = project_with_gates(tmp_path, "gates:\n  - {metric: roc_auc, min: 0.5}\n")
    sampled = ["WeakSegmentsPerformance sampled 10,000 of 12,000 test rows (its n_samples)"]
    notes = [
        "feature importance: permutation importance (10 shuffles per feature) on 4,000 of 4,000 test rows",
        "WeakSegmentsPerformance ran on the test set only: on its own training rows a model has no weak segments",
    ]
    model = TestOutcome(
        kind="model",
        passed=True,
        checks=[
            CheckOutcome(name="WeakSegmentsPerformance", suite="model_evaluation", dataset="test", status="passed")
        ],
        sampling=sampled,
        notes=notes,
    )
    data = TestOutcome(
        kind="data", passed=True, checks=[CheckOutcome(name="DataDuplicates", suite="data_integrity", status="passed")]
    )
    loaded = load_spec(project / "mlproject.yaml")
    record = make_record(project, {"roc_auc": 0.9}, tests={"data": data, "model": model})
    text = build_report(loaded, record, evaluate_gates(loaded, record, "staging"))
    assert text.count(f"- 🎲 sampled: {sampled[0]}") == 1
    for note in notes:
        assert text.count(f"- ℹ️ how they ran: {note}") == 1
    # a note that is not sampling is not labelled as sampling; the data tests sampled nothing and say nothing
    assert text.count("🎲 sampled") == 1 and text.count("ℹ️ how they ran") == 2
    kept = TestOutcome.model_validate_json(model.model_dump_json())
    assert (kept.sampling, kept.notes) == (sampled, notes)  # kept in the record
