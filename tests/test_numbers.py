"""Numbers in the gate table, the report, the model card and `mlspec run`'s summary have a sensible precision:
4 decimals for scores below 10, six significant digits with thousands separators above (an rmse read 36928.6210
and an mse 1363723046.9427: digits that say nothing, and hard to read)."""

from __future__ import annotations

from pathlib import Path

from mlspec.gate.evaluate import evaluate_gates
from mlspec.numbers import fmt
from mlspec.report.card import model_card
from mlspec.report.markdown import build_report
from mlspec.spec import load_spec
from tests.gate.support import commit_champion, make_record, outcome_of, project_with_gates


def test_fmt_keeps_six_significant_digits_above_ten() -> None:
    assert fmt(0.99556) == "0.9956" and fmt(-0.0023, signed=True) == "-0.0023"
    assert fmt(36928.621) == "36,928.6" and fmt(-2253.5703, signed=True) == "-2,253.57"
    assert fmt(1363723046.9427) == "1,363,723,047" and fmt(123.4567) == "123.457"
    assert fmt(60000.4) == "60,000.4"  # next to a `max: 60000` bound, the excess still shows
    assert (fmt(None), fmt(float("nan")), fmt(float("inf"), signed=True)) == ("n/a", "NaN", "+inf")


def test_regression_metrics_read_at_their_scale(tmp_path: Path) -> None:
    project = project_with_gates(tmp_path, "gates:\n  - {metric: rmse, max: 60000}\n")
    spec = project / "mlproject.yaml"
    spec.write_text(
        spec.read_text()
        .replace("task: binary", "task: regression")
        .replace("metrics: [roc_auc, f1, accuracy, log_loss]", "metrics: [rmse, mse, r2]")
    )
    commit_champion(project, "staging", {"rmse": 39182.1913, "mse": 1535244116.067, "r2": 0.6497})
    record = make_record(
        project,
        {"rmse": 36928.621, "mse": 1363723046.9427, "r2": 0.6888},
        task="regression",
        tests={"data": outcome_of("data", 0, 1)},
    )
    loaded = load_spec(spec)
    gate = evaluate_gates(loaded, record, "staging")
    report = build_report(loaded, record, gate)
    assert "| rmse | ↓ | 36,928.6 | 39,182.2 | ▼ -2,253.57 (better) | — | ✅ |" in report
    assert "| mse | ↓ | 1,363,723,047 | 1,535,244,116 | ▼ -171,521,069 (better) | — | — |" in report
    assert "| r2 | ↑ | 0.6888 | 0.6497 | ▲ +0.0391 (better) | — | — |" in report
    assert "| rmse >= " not in report and "| rmse <= 60000 | 36,928.6 |" in report
    card = model_card(loaded, record, gate)
    assert "| rmse | ↓ | 36,928.6 | 39,182.2 | -2,253.57 | — |" in card
