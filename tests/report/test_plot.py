"""The report's PNG does not make noise look big: a history panel with a gate bound is at least
`MIN_SPAN` of its values tall (it was zoomed to the values and the bound, 0.956-0.968, so a 0.005 drop of f1
on 143 test rows filled the panel), every panel labels its axes, and a gate bound that coincides with the
champion is named once (two labels were drawn over each other)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mlspec.report.plot import MIN_SPAN, make_plot, min_span
from mlspec.state.record import RunRecord


def _record(i: int, metrics: dict[str, float]) -> RunRecord:
    return RunRecord(
        run_id=f"20261205T0{i}0000Z-1",
        project="breast-cancer",
        spec_path="mlproject.yaml",
        spec_digest="d",
        created=f"2026-12-05T0{i}:00:00.000000Z",
        metrics=metrics,
    )


def _axes(tmp_path: Path, *args: Any, **kwargs: Any) -> list[Any]:
    from matplotlib.figure import Figure

    seen: list[Figure] = []
    original = Figure.subplots

    def spy(self: Figure, *a: Any, **k: Any) -> Any:
        seen.append(self)
        return original(self, *a, **k)

    Figure.subplots = spy  # type: ignore[method-assign]
    try:
        assert make_plot(*args, tmp_path / "plot.png", **kwargs) is not None
    finally:
        Figure.subplots = original  # type: ignore[method-assign]
    return [ax for ax in seen[0].axes if ax.has_data()]


def test_min_span_widens_a_zoomed_axis_about_its_middle() -> None:
    low, high = min_span(0.956, 0.968)
    assert high - low >= MIN_SPAN * 0.968 - 1e-12 and low < 0.956 and high > 0.968
    assert abs((low + high) / 2 - 0.962) < 1e-12
    assert min_span(0.5, 0.9) == (0.5, 0.9)  # tall enough already
    assert min_span(-0.968, -0.956)[1] < 0  # stays on its side of 0


def test_a_small_drop_does_not_fill_the_history_panel(tmp_path: Path) -> None:
    from mlspec.spec.models import Gate

    champion = _record(1, {"f1": 0.9667, "roc_auc": 0.9956})
    challenger = _record(2, {"f1": 0.9613, "roc_auc": 0.9933})
    gates = [Gate(metric="f1", min_delta=-0.01), Gate(metric="roc_auc", min_delta=0.0)]
    bars, roc_auc, f1 = _axes(
        tmp_path, challenger, {"f1": 0.9667, "roc_auc": 0.9956}, ["roc_auc", "f1"], [champion], gates=gates
    )
    low, high = f1.get_ylim()
    assert high - low >= MIN_SPAN * 0.9667 * 0.99
    assert (0.9667 - 0.9613) / (high - low) < 0.1  # the drop is a small part of the panel, as it is of f1
    assert bars.get_ylabel() == "value (axis from 0)"
    assert (f1.get_ylabel(), f1.get_xlabel()) == ("f1", "run (#, UTC date and time)")
    texts = [t.get_text() for t in roc_auc.texts]
    assert "champion = gate: champion +0 0.9956" in texts  # one label where the two lines coincide
    assert not any(t.startswith("gate: champion +0") for t in texts)
