"""The report reads right (issue 14 item 7, issue 22 item 9): the "changes:" line carries no noise between empty
and unset values; the plot draws the charted metrics as bars from 0 with the champion and the gate bounds, and
their history with run-order x labels, the champion and the gate bounds inside the axis."""

from __future__ import annotations

from pathlib import Path

from mlspec.pipeline.cache import key_changes
from mlspec.report.plot import make_plot, run_label, value_label
from mlspec.state.record import RunRecord


def test_empty_and_unset_are_no_change() -> None:
    old = {"suites": ["model_evaluation"], "checks": [], "skip": None, "params": {}}
    new = {"suites": ["model_evaluation"], "enabled": True}
    assert key_changes("tests.model", old, new) == ["tests.model.enabled: (unset) -> true"]
    assert key_changes("tests.model", {"checks": []}, {"checks": [{"name": "X"}]}) == [
        'tests.model.checks[0].name: (unset) -> "X"'
    ]


def _record(i: int, metrics: dict[str, float]) -> RunRecord:
    return RunRecord(
        run_id=f"20261128T0{i}0000Z-1",
        project="houses",
        spec_path="mlproject.yaml",
        spec_digest="d",
        created=f"2026-11-28T0{i}:05:00.000000Z",
        metrics=metrics,
    )


def test_history_plot_has_a_panel_per_metric_and_short_run_labels(tmp_path: Path) -> None:
    from matplotlib.figure import Figure

    runs = [_record(i, {"mse": 2.0e9 + i * 1e7, "r2": 0.9 - i * 0.001, "mae": 33_000.0 + i}) for i in range(1, 5)]
    seen: list[object] = []
    original = Figure.subplots

    def spy(self, *args, **kwargs):  # the figure make_plot draws, kept for a look at its axes
        seen.append(self)
        return original(self, *args, **kwargs)

    Figure.subplots = spy
    try:
        path = make_plot(runs[-1], {"r2": 0.91}, ["mse", "r2", "mae"], runs[:-1], tmp_path / "plot.png")
    finally:
        Figure.subplots = original
    assert path is not None and path.read_bytes().startswith(b"\x89PNG")
    axes = [ax for ax in seen[0].axes if ax.has_data() and "axis from 0" not in ax.get_title()]
    assert [ax.get_title() for ax in axes] == [
        "mse (lower is better)",
        "r2 (higher is better)",
        "mae (lower is better)",
    ]
    r2 = axes[1]
    low, high = r2.get_ylim()
    assert low == 0.0 and 0.9 < high < 1.0  # its own axis, not flattened next to mse; from 0: no gate bound
    assert [t.get_text() for t in r2.get_xticklabels()][-1] == "#4\n11-28\n04:05"
    assert any(t.get_text() == "0.896" for t in r2.texts) and any("champion 0.91" == t.get_text() for t in r2.texts)
    assert run_label(2, runs[0]) == "#2\n11-28\n01:05" and value_label(2.04e9) == "2.04e+09"


def _axes_of_plot(tmp_path: Path, *args: object, **kwargs: object) -> list[object]:
    from matplotlib.figure import Figure

    seen: list[Figure] = []
    original = Figure.subplots

    def spy(self, *a, **k):  # the figure make_plot draws, kept for a look at its axes
        seen.append(self)
        return original(self, *a, **k)

    Figure.subplots = spy
    try:
        assert make_plot(*args, tmp_path / "plot.png", **kwargs) is not None  # type: ignore[arg-type]
    finally:
        Figure.subplots = original
    return [ax for ax in seen[0].axes if ax.has_data()]


def test_gated_metrics_share_one_bar_panel_from_zero_with_champion_and_threshold(tmp_path: Path) -> None:
    """The bug: a bar panel per metric with the axis cut to the two values (0.962 vs 0.960 looked like a
    halving). Now one panel for the gated metrics of one scale, its y axis from 0 up past the gate bound."""
    from mlspec.spec.models import Gate

    record = _record(1, {"roc_auc": 0.960, "f1": 0.97, "accuracy": 0.91})
    gates = [Gate(metric="roc_auc", min=0.95), Gate(metric="f1", min_delta=0.02)]
    axes = _axes_of_plot(
        tmp_path, record, {"roc_auc": 0.962, "f1": 0.95}, ["roc_auc", "f1", "accuracy"], [], gates=gates
    )
    [panel] = axes  # accuracy is not gated; roc_auc and f1 share one axis
    low, high = panel.get_ylim()
    assert low == 0.0 and high >= 0.97
    assert [t.get_text() for t in panel.get_xticklabels()] == [
        "roc_auc\nthis run",
        "roc_auc\nchampion",
        "roc_auc\ngate min",
        "f1\nthis run",
        "f1\nchampion",
        "f1\ngate: champion +0.02",
    ]
    heights = [round(bar.get_height(), 4) for bar in panel.patches]
    assert heights == [0.96, 0.962, 0.95, 0.97, 0.95, 0.97]


def test_history_panels_keep_the_gate_bound_and_the_champion_in_view(tmp_path: Path) -> None:
    from mlspec.spec.models import Gate

    runs = [_record(i, {"r2": 0.90 + i * 0.001}) for i in range(1, 5)]
    axes = _axes_of_plot(tmp_path, runs[-1], {"r2": 0.93}, ["r2"], runs[:-1], gates=[Gate(metric="r2", min=0.7)])
    bars, history = axes
    assert bars.get_ylim()[0] == 0.0
    low, high = history.get_ylim()
    assert low <= 0.7 and high >= 0.93  # the threshold far below the values is still on the axis
    assert low > 0.5  # with a bound to measure against, the axis need not start at 0


def test_history_panels_are_those_of_the_gated_metrics(tmp_path: Path) -> None:
    """An ungated metric's history zoomed to its values made a 0.007 change look like a collapse: only the
    charted (gated) metrics get a history panel."""
    from mlspec.spec.models import Gate

    runs = [_record(i, {"roc_auc": 0.99 - i * 0.001, "accuracy": 0.958 - i * 0.002}) for i in range(1, 4)]
    axes = _axes_of_plot(
        tmp_path,
        runs[-1],
        {"roc_auc": 0.99},
        ["roc_auc", "accuracy"],
        runs[:-1],
        gates=[Gate(metric="roc_auc", min=0.9)],
    )
    assert [ax.get_title() for ax in axes] == ["roc_auc (higher is better) (axis from 0)", "roc_auc (higher is better)"]


def test_one_of_anything_is_singular(tmp_path: Path) -> None:
    """The bug: "1 checks" in the report's verdict, collapsed lists and gate rows."""
    import re

    from mlspec.gate.evaluate import evaluate_gates
    from mlspec.report.markdown import build_report
    from mlspec.spec import load_spec
    from tests.gate.support import make_record, outcome_of, project_with_gates

    project = project_with_gates(tmp_path, "gates:\n  - {metric: roc_auc, min: 0.99}\n")
    record = make_record(project, {"roc_auc": 0.9}, tests={"data": outcome_of("data", 1, 1)})
    loaded = load_spec(project / "mlproject.yaml")
    gate = evaluate_gates(loaded, record, "staging")
    text = build_report(loaded, record, gate)
    assert not re.search(r"\b1 (passed |other )?checks\b", text), re.findall(r".*\b1 \w* ?checks\b.*", text)
    assert "<summary>1 passed check</summary>" in text
    assert "failed: 1 of 2 checks failed" in text  # the data tests' gate row: 2 checks, plural
    assert gate.verdict_line().endswith("2 of 2 checks failed (data tests failed, metric gates failed)")
    lone = make_record(project, {"roc_auc": 0.999}, run_id="20250103T000000000000Z-00003")
    assert evaluate_gates(loaded, lone, "staging").verdict_line().endswith("1 of 1 check passed")
