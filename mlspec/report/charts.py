"""The report's chart as Mermaid `xychart-beta`, which GitHub draws in comments, PR bodies and job summaries
without an image host (the PNG stays an artifact).

ONE chart for the gated metrics (the declared metrics when no gate is declared): for each metric a bar for
this run, one for the champion and one per gate bound (`min`, `max`, and the value a `min_delta` gate needs,
champion plus the delta), side by side on one axis that starts at 0 (or below, for negative values). A bar
chart whose axis is cut to the two values makes a 0.002 difference look like a halving; from 0 the bars are
as long as the numbers. Metrics whose magnitudes differ by more than `SCALE_RATIO` (mse next to r2) cannot
share an honest axis: they are split into one chart per scale, the fewest that keep each axis readable.

Every label goes through `mlspec.markdown.mermaid_label`; numbers are written in the plain decimal form
Mermaid's grammar reads (no exponent). What xychart-beta cannot show (no legend, no dashed line, no error
bars, no per-bar colour) is said in docs/github.md ("Charts in comments"). The history of each metric is in
the PNG (`mlspec/report/plot.py`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from mlspec.markdown import mermaid_label
from mlspec.state.record import RunRecord

if TYPE_CHECKING:
    from mlspec.spec.models import Gate

MAX_METRICS = 6  # as many as the PNG shows
SCALE_RATIO = 20.0  # metrics whose largest values differ by more than this get their own chart
FENCE = "```"


def _finite(value: Any) -> float | None:
    if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
        return float(value)
    return None


def number(value: float) -> str:
    """Six significant digits in plain decimal notation (Mermaid reads no exponents): 0.912346, 2041000000."""
    text = format(Decimal(f"{value:.6g}"), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _direction(metric: str) -> str | None:
    from mlspec.metrics_catalog import direction

    try:
        return direction(metric)
    except KeyError:
        return None


@dataclass(frozen=True)
class Bound:
    """A value a gate requires of one metric: ``label`` e.g. "gate min", "gate: champion +0.01"."""

    label: str
    value: float


def gate_bounds(gates: Sequence[Gate], metric: str, champion: float | None) -> list[Bound]:
    """The values the spec's gates require of ``metric``: absolute `min`/`max`, and for `min_delta` gates the
    value that delta asks for (champion plus the delta in the good direction; needs a champion). `max_delta`
    (a cap on suspicious jumps) is left to the gate table."""
    found: list[Bound] = []
    for gate in gates:
        if gate.metric != metric:
            continue
        if gate.min is not None:
            found.append(Bound("gate min", float(gate.min)))
        if gate.max is not None:
            found.append(Bound("gate max", float(gate.max)))
        if gate.min_delta is not None and champion is not None:
            sign = -1.0 if _direction(metric) == "lower" else 1.0
            step = gate.min_delta * abs(champion) if gate.relative else gate.min_delta
            delta = f"{gate.min_delta:+.2%}" if gate.relative else f"{gate.min_delta:+g}"
            found.append(Bound(f"gate: champion {delta}", champion + sign * step))
    unique: dict[tuple[str, float], Bound] = {(b.label, b.value): b for b in found}
    return list(unique.values())


@dataclass(frozen=True)
class MetricBars:
    """One metric's bars: this run, the champion (when known) and the gate bounds."""

    metric: str
    value: float
    champion: float | None
    bounds: tuple[Bound, ...]

    def bars(self) -> list[tuple[str, float]]:
        out = [("this run", self.value)]
        if self.champion is not None:
            out.append(("champion", self.champion))
        return out + [(b.label, b.value) for b in self.bounds]

    @property
    def magnitude(self) -> float:
        return max(abs(v) for _, v in self.bars())


def metric_bars(
    record: RunRecord, champion_metrics: dict[str, Any], metrics: list[str], gates: Sequence[Gate]
) -> list[MetricBars]:
    """The metrics to chart: the gated ones with a finite value in this run (the declared ones when no gate
    is), in ``metrics`` order, at most MAX_METRICS."""
    gated = {g.metric for g in gates}
    finite = [m for m in metrics if _finite(record.metrics.get(m)) is not None]
    chosen = [m for m in finite if m in gated] or finite
    out = []
    for metric in chosen[:MAX_METRICS]:
        champion = _finite(champion_metrics.get(metric))
        value = _finite(record.metrics.get(metric))
        assert value is not None
        out.append(MetricBars(metric, value, champion, tuple(gate_bounds(gates, metric, champion))))
    return out


def scale_groups(items: list[MetricBars]) -> list[list[MetricBars]]:
    """Metrics grouped so that each group's magnitudes are within SCALE_RATIO of each other (one group when
    they all are), in their original order inside each group."""
    ordered = sorted(items, key=lambda m: m.magnitude)
    groups: list[list[MetricBars]] = []
    for item in ordered:
        if groups and item.magnitude <= max(groups[-1][0].magnitude, 1e-12) * SCALE_RATIO:
            groups[-1].append(item)
        else:
            groups.append([item])
    position = {m.metric: i for i, m in enumerate(items)}
    groups = [sorted(g, key=lambda m: position[m.metric]) for g in groups]
    return sorted(groups, key=lambda g: position[g[0].metric])


def honest_range(values: list[float]) -> tuple[float, float]:
    """An axis that contains 0 and every value, rounded outwards to a readable tick: bars from 0 are as long
    as their numbers."""
    low, high = min(0.0, *values), max(0.0, *values)
    span = high - low or 1.0
    step = 10.0 ** (math.floor(math.log10(span)) - 1)
    bottom = math.floor(low / step + 1e-9) * step if low < 0 else 0.0
    top = math.ceil(high / step - 1e-9) * step if high > 0 else 0.0
    if top == bottom:
        top = bottom + step
    return bottom, top


def _chart(group: list[MetricBars], title: str) -> list[str]:
    labels = [f"{m.metric} {name}" for m in group for name, _ in m.bars()]
    values = [v for m in group for _, v in m.bars()]
    low, high = honest_range(values)
    return [
        f"{FENCE}mermaid",
        "xychart-beta horizontal",  # category labels stacked down the side: side by side they overlapped
        f"    title {mermaid_label(title, 120)}",
        "    x-axis [" + ", ".join(mermaid_label(label, 40) for label in labels) + "]",
        f"    y-axis {mermaid_label('value (axis from 0)', 40)} {number(low)} --> {number(high)}",
        "    bar [" + ", ".join(number(v) for v in values) + "]",
        FENCE,
    ]


def _title(group: list[MetricBars], gated: bool) -> str:
    names = ", ".join(
        f"{m.metric} ({'↑' if _direction(m.metric) == 'higher' else '↓' if _direction(m.metric) else '?'})"
        for m in group
    )
    what = "gated metrics" if gated else "metrics"
    return f"{what} {names}: this run, champion, gate bounds"


def charts_section(
    record: RunRecord,
    champion_metrics: dict[str, Any],
    metrics: list[str],
    history: list[RunRecord] | None = None,
    gates: Sequence[Gate] = (),
) -> list[str]:
    """The `#### Charts` section (no lines when no metric has a finite value). ``history`` is unused here
    (the PNG shows it) and kept for callers."""
    del history
    items = metric_bars(record, champion_metrics, metrics, gates)
    if not items:
        return []
    gated = any(m.metric in {g.metric for g in gates} for m in items)
    lines = ["#### Charts", ""]
    groups = scale_groups(items)
    for group in groups:
        lines += [*_chart(group, _title(group, gated)), ""]
    if len(groups) > 1:
        lines.append(
            f"The metrics differ in scale by more than {SCALE_RATIO:g}x, so they are drawn on {len(groups)} "
            "axes, each from 0."
        )
    else:
        lines.append("One axis from 0 for all bars; the numbers are in the tables.")
    return lines
