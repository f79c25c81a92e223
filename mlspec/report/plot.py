"""The report's PNG. First the Mermaid chart's bars (`mlspec/report/charts.py`): per gated metric this run,
the champion and the gate bounds, side by side on an axis from 0, one panel per scale (mse ~ 2e9 does not
share an axis with r2 ~ 0.9). With earlier runs, then one panel per metric with its history in run order
(x labels: run number with a short date and time), this run's value labelled, the champion as a dashed line
and each gate bound as a dotted one, always inside the axis: the change is seen against the bound that
matters. A metric without a gate bound has its history axis from 0 as well."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mlspec.figures import agg_figure
from mlspec.fsio import atomic_write_bytes
from mlspec.report.charts import Bound, MetricBars, honest_range, metric_bars, scale_groups
from mlspec.state.record import RunRecord

if TYPE_CHECKING:
    from mlspec.spec.models import Gate

MAX_HISTORY_RUNS = 20
MAX_X_LABELS = 6
MIN_SPAN = 0.1  # a history axis is at least this fraction of its largest value tall (see min_span)
CHALLENGER, CHAMPION, HISTORY, BOUND = "#2f80ed", "#6b7785", "#9aa5b1", "#d9822b"


def _finite(value: Any) -> float | None:
    if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
        return float(value)
    return None


def value_label(value: float) -> str:
    """Short and exact enough to read: 0.9123, 12.35, 2.041e+09."""
    if value == 0:
        return "0"
    if abs(value) >= 1e5 or abs(value) < 1e-3:
        return f"{value:.4g}"
    return f"{value:.4g}" if abs(value) < 1000 else f"{value:,.0f}"


def run_label(position: int, record: RunRecord) -> str:
    """`#3` over a short UTC date and time of the run, e.g. `#3\\n11-28\\n14:05`."""
    when = ""
    try:
        stamp = datetime.strptime(record.created[:19], "%Y-%m-%dT%H:%M:%S")
        when = stamp.strftime("%m-%d\n%H:%M")
    except (TypeError, ValueError):
        pass
    return f"#{position}\n{when}" if when else f"#{position}"


def _direction(metric: str) -> str:
    from mlspec.metrics_catalog import direction

    try:
        return f"{direction(metric)} is better"
    except KeyError:
        return ""


def _bars(ax: Any, group: list[MetricBars]) -> None:
    """One panel for the metrics of one scale: per metric, this run, the champion and the gate bounds side by
    side, on an axis from 0 (`charts.honest_range`): a 0.002 difference looks like one."""
    names: list[str] = []
    values: list[float] = []
    colors: list[str] = []
    for item in group:
        for name, value in item.bars():
            names.append(f"{item.metric}\n{name}")
            values.append(value)
            colors.append(CHALLENGER if name == "this run" else CHAMPION if name == "champion" else BOUND)
    xs = list(range(len(values)))
    bars = ax.bar(xs, values, color=colors, width=0.7)
    for bar, value in zip(bars, values, strict=True):
        ax.annotate(
            value_label(value),
            (bar.get_x() + bar.get_width() / 2, value),
            ha="center",
            va="bottom" if value >= 0 else "top",
            fontsize="x-small",
            xytext=(0, 2 if value >= 0 else -2),
            textcoords="offset points",
        )
    ax.set_xticks(xs, names, fontsize="x-small", rotation=30, ha="right")
    ax.set_ylabel("value (axis from 0)", fontsize="x-small")
    low, high = honest_range(values)
    pad = (high - low) * 0.08
    ax.set_ylim(low - (pad if low < 0 else 0.0), high + pad)
    ax.grid(axis="y", alpha=0.3)


def _history(ax: Any, metric: str, runs: list[RunRecord], champion: float | None, bounds: list[Bound]) -> None:
    xs = list(range(1, len(runs) + 1))
    ys = [_finite(r.metrics.get(metric)) for r in runs]
    ax.plot(
        xs, [y if y is not None else float("nan") for y in ys], marker="o", markersize=3, color=HISTORY, linewidth=1.2
    )
    last = ys[-1]
    if last is not None:
        ax.plot([xs[-1]], [last], marker="o", markersize=6, color=CHALLENGER, zorder=3)
        below = champion is not None and last < champion  # away from the champion's line and its label
        ax.annotate(
            value_label(last),
            (xs[-1], last),
            xytext=(-4, -6 if below else 6),
            textcoords="offset points",
            ha="right",
            va="top" if below else "bottom",
            fontsize="small",
            color=CHALLENGER,
        )
    same = [b for b in bounds if champion is not None and math.isclose(b.value, champion, rel_tol=1e-9, abs_tol=1e-12)]
    if champion is not None:
        ax.axhline(champion, color=CHAMPION, linestyle="--", linewidth=1)
        named = " = ".join(["champion", *(b.label for b in same)])  # one label where the lines coincide
        ax.annotate(
            f"{named} {value_label(champion)}",
            (xs[0], champion),
            xytext=(2, 3),
            textcoords="offset points",
            fontsize="x-small",
            color=CHAMPION,
        )
    for bound in bounds:  # the gate's bound is always in view: the axis includes it
        ax.axhline(bound.value, color=BOUND, linestyle=":", linewidth=1)
        if bound in same:
            continue
        ax.annotate(  # at the left, under its line: clear of this run's value label at the right
            f"{bound.label} {value_label(bound.value)}",
            (xs[0], bound.value),
            xytext=(2, -3),
            textcoords="offset points",
            ha="left",
            va="top",
            fontsize="x-small",
            color=BOUND,
        )
    step = max(1, math.ceil(len(runs) / MAX_X_LABELS))
    shown = sorted(set(range(len(runs) - 1, -1, -step)))  # always the newest run
    ax.set_xticks([xs[i] for i in shown], [run_label(xs[i], runs[i]) for i in shown], fontsize="x-small")
    ax.set_xlim(0.5, len(runs) + 0.5)
    ax.set_xlabel("run (#, UTC date and time)", fontsize="x-small")
    ax.set_ylabel(metric, fontsize="x-small")
    ax.margins(y=0.15)
    ax.ticklabel_format(axis="y", style="sci", scilimits=(-3, 5), useOffset=False)
    ax.grid(axis="y", alpha=0.3)


def min_span(low: float, high: float) -> tuple[float, float]:
    """A history axis at least MIN_SPAN of its largest magnitude tall, widened about its middle (it stays on its
    side of 0: half of MIN_SPAN is less than the distance to 0): an axis zoomed to 0.956-0.968 drew a 0.005
    change, noise on a test set of a few hundred rows, as a fall across the whole panel."""
    need = MIN_SPAN * max(abs(low), abs(high))
    if high - low >= need:
        return low, high
    middle = (low + high) / 2
    return middle - need / 2, middle + need / 2


def make_plot(
    record: RunRecord,
    champion_metrics: dict[str, Any],
    metrics: list[str],
    history: list[RunRecord],
    path: Path,
    gates: Sequence[Gate] = (),
) -> Path | None:
    """Write the PNG to ``path`` (atomically); None when there is nothing to plot. First the gated metrics as
    bars from 0 (one panel per scale, as the Mermaid chart), then, with earlier runs, one history panel per
    charted metric with the champion and the gate bounds as lines."""
    items = metric_bars(record, champion_metrics, metrics, gates)
    if not items:
        return None
    import io

    runs = [r for r in history if r.project == record.project and r.run_id != record.run_id]
    runs = runs[-(MAX_HISTORY_RUNS - 1) :] + [record]
    with_history = len(runs) >= 2
    groups = scale_groups(items)
    shown = [m.metric for m in items]  # the charted metrics: the gated ones (the declared ones without gates)
    panels = len(groups) + (len(shown) if with_history else 0)
    columns = min(3, panels)
    rows = math.ceil(panels / columns)
    fig = agg_figure(figsize=(max(4.2 * columns, 4.5), 3.2 * rows + 0.5), dpi=90)
    axes = [ax for row in fig.subplots(rows, columns, squeeze=False) for ax in row]
    for ax, group in zip(axes, groups, strict=False):
        _bars(ax, group)
        ax.set_title(", ".join(_title(m.metric) for m in group) + " (axis from 0)", fontsize="small")
        ax.tick_params(axis="y", labelsize="x-small")
    if with_history:
        for ax, item in zip(axes[len(groups) :], items, strict=False):
            metric = item.metric
            _history(ax, metric, runs, item.champion, list(item.bounds))
            if not item.bounds:  # nothing to measure the change against: the axis from 0, as the bars
                low, high = ax.get_ylim()
                ax.set_ylim(min(0.0, low), max(0.0, high))
            else:
                ax.set_ylim(*min_span(*ax.get_ylim()))
            ax.set_title(_title(metric), fontsize="medium")
            ax.tick_params(axis="y", labelsize="x-small")
    for ax in axes[panels:]:
        ax.axis("off")
    title = (
        f"test-set metrics: this run vs champion and gates, and the last {len(runs)} runs (blue: this run)"
        if with_history
        else "test-set metrics: this run vs champion and gates"
    )
    fig.suptitle(title, fontsize="medium")
    fig.tight_layout()
    # tight_layout leaves a placeholder layout engine behind, and savefig draws the whole figure once more
    # for any engine before it renders; the layout is final here, so drop the engine: one draw, not two.
    fig.set_layout_engine(None)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", metadata={"Software": None})
    return atomic_write_bytes(path, buffer.getvalue())


def _title(metric: str) -> str:
    direction = _direction(metric)
    return f"{metric}" + (f" ({direction})" if direction else "")
