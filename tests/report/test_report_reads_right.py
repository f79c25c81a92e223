"""The report reads right (issue 14 item 7): the "changes:" line carries no noise between empty and
unset values, and the plot has one panel per metric with run-order x labels."""

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
    axes = [ax for ax in seen[0].axes if ax.has_data()]
    assert [ax.get_title() for ax in axes] == [
        "mse (lower is better)",
        "r2 (higher is better)",
        "mae (lower is better)",
    ]
    r2 = axes[1]
    low, high = r2.get_ylim()
    assert 0.85 < low and high < 0.95  # its own scale, not flattened next to mse
    assert [t.get_text() for t in r2.get_xticklabels()][-1] == "#4\n11-28\n04:05"
    assert any(t.get_text() == "0.896" for t in r2.texts) and any("champion 0.91" == t.get_text() for t in r2.texts)
    assert run_label(2, runs[0]) == "#2\n11-28\n01:05" and value_label(2.04e9) == "2.04e+09"
