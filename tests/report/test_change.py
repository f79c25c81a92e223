"""A change against the champion reads honestly in the report and the model card: the bootstrap interval shown
beside a change is an interval of that same change (challenger minus champion, in the metric's units), and a
change whose interval contains 0 is called within noise, not better or worse.

The bugs: the card printed a gate's interval of the *improvement* (turned to the good direction, a fraction of
the champion for relative gates) beside the raw difference, so a lower-is-better metric read "+0.0192" next to
"[-0.0250, -0.0130]"; the report's metrics table said "▼ -0.0023 (worse)" for a change whose 95% interval was
[-0.0071, +0.0012], and showed no interval at all."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlspec.gate.evaluate import evaluate_gates
from mlspec.gate.results import GateResult
from mlspec.report.card import model_card
from mlspec.report.change import Interval, change_words, difference_interval, metric_interval
from mlspec.report.markdown import build_report
from mlspec.spec import load_spec
from tests.gate.support import commit_champion, make_record, outcome_of, project_with_gates


def _delta(metric: str, direction: str, interval: tuple[float, float], **kw: object) -> GateResult:
    return GateResult(
        index=0,
        metric=metric,
        kind="delta",
        direction=direction,
        threshold=f"{metric} improvement >= +0 vs staging champion (bootstrap 95%)",
        verdict="fail",
        reason="",
        interval=interval,
        confidence=0.95,
        **kw,  # type: ignore[arg-type]
    )


def test_an_improvement_interval_becomes_an_interval_of_the_difference() -> None:
    higher = difference_interval(_delta("roc_auc", "higher", (-0.0071, 0.0012)))
    assert higher == Interval(-0.0071, 0.0012, 0.95)
    # rmse: improvement = champion - challenger, so the difference is its negative, bounds swapped
    lower = difference_interval(_delta("rmse", "lower", (-3.0, -1.0)))
    assert lower == Interval(1.0, 3.0, 0.95)
    # relative: a fraction of the champion's value, back in the metric's units
    relative = difference_interval(_delta("rmse", "lower", (0.01, 0.05), relative=True, baseline=200.0))
    assert relative is not None and (relative.low, relative.high) == pytest.approx((-10.0, -2.0))
    assert relative.text() == "95% [-10.0000, -2.0000]"
    assert difference_interval(_delta("rmse", "lower", (0.01, 0.05), relative=True)) is None  # no baseline
    absolute = GateResult(0, "r2", "absolute", "higher", "r2 >= 0.6", "pass", "", interval=(0.1, 0.2))
    assert difference_interval(absolute) is None and metric_interval([absolute], "r2") is None


def test_a_change_whose_interval_contains_zero_is_within_noise() -> None:
    noisy = Interval(-0.0071, 0.0012, 0.95)
    clear = Interval(-0.0071, -0.0012, 0.95)
    assert change_words(-0.0023, "higher", noisy) == "within noise"
    assert change_words(-0.0023, "higher", clear) == "worse"
    assert change_words(0.0192, "lower", None) == "worse"
    assert change_words(-0.0192, "lower", None) == "better"
    assert change_words(0.5, None, None) == ""  # a metric of unknown direction is not judged


def _bootstrap_project(tmp_path: Path) -> tuple[Path, object, object]:
    project = project_with_gates(
        tmp_path, "gates:\n  - {metric: log_loss, min_delta: 0.0, bootstrap: {resamples: 200}}\n"
    )
    commit_champion(project, "staging", {"roc_auc": 0.96, "log_loss": 0.20})
    record = make_record(project, {"roc_auc": 0.97, "log_loss": 0.25}, tests={"data": outcome_of("data", 0, 2)})
    loaded = load_spec(project / "mlproject.yaml")
    gate = evaluate_gates(loaded, record, "staging")
    # the interval a paired bootstrap gives (the gate ran without predictions here): the improvement in
    # log_loss's good direction, champion minus challenger
    [row] = [r for r in gate.results if r.metric == "log_loss"]
    row.kind, row.direction, row.baseline, row.interval, row.confidence = "delta", "lower", 0.20, (-0.08, 0.01), 0.95
    return project, record, gate


def test_report_metrics_show_the_interval_of_the_change_beside_it(tmp_path: Path) -> None:
    project, record, gate = _bootstrap_project(tmp_path)
    loaded = load_spec(project / "mlproject.yaml")
    text = build_report(loaded, record, gate)  # type: ignore[arg-type]
    assert "| metric | better | challenger | champion | change | interval | gate |" in text
    # the difference +0.05 lies inside its interval [-0.01, +0.08]; the interval contains 0: within noise
    assert "| log_loss | ↓ | 0.2500 | 0.2000 | ▲ +0.0500 (within noise) | 95% [-0.0100, +0.0800] |" in text
    assert "| roc_auc | ↑ | 0.9700 | 0.9600 | ▲ +0.0100 (better) | — | — |" in text  # no interval: says none
    assert "a change whose interval contains 0 is within noise" in text


def test_model_card_interval_brackets_its_change(tmp_path: Path) -> None:
    project, record, gate = _bootstrap_project(tmp_path)
    loaded = load_spec(project / "mlproject.yaml")
    card = model_card(loaded, record, gate)  # type: ignore[arg-type]
    assert "| log_loss | ↓ | 0.2500 | 0.2000 | +0.0500 (within noise) | 95% [-0.0100, +0.0800] |" in card
    assert "| roc_auc | ↑ | 0.9700 | 0.9600 | +0.0100 | — |" in card
