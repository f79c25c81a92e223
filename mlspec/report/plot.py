"""The report's PNG: one panel per metric, so metrics of different scales (mse ~ 2e9 next to r2 ~ 0.9)
each get their own axis. With several runs a panel shows the metric's history in run order (x labels:
run number with a short date and time), the challenger's value labelled and the champion as a dashed
line; with one run, challenger and champion bars with their values."""

from __future__ import annotations

import math
from datetime import datetime
from pathlib import Path
from typing import Any

from mlspec.figures import agg_figure
from mlspec.fsio import atomic_write_bytes
from mlspec.state.record import RunRecord

MAX_HISTORY_METRICS = 6
MAX_HISTORY_RUNS = 20
MAX_X_LABELS = 6
CHALLENGER, CHAMPION, HISTORY = "#2f80ed", "#6b7785", "#9aa5b1"


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


def _bars(ax: Any, metric: str, challenger: float, champion: float | None) -> None:
    names = ["challenger"] + (["champion"] if champion is not None else [])
    values = [challenger] + ([champion] if champion is not None else [])
    colors = [CHALLENGER, CHAMPION][: len(values)]
    bars = ax.bar(names, values, color=colors, width=0.6)
    for bar, value in zip(bars, values, strict=True):
        ax.annotate(
            value_label(value),
            (bar.get_x() + bar.get_width() / 2, value),
            ha="center",
            va="bottom" if value >= 0 else "top",
            fontsize="small",
            xytext=(0, 2 if value >= 0 else -2),
            textcoords="offset points",
        )
    low, high = min(0.0, *values), max(0.0, *values)
    pad = (high - low) * 0.15 or 1.0
    ax.set_ylim(low - (pad if low < 0 else 0), high + pad)


def _history(ax: Any, metric: str, runs: list[RunRecord], champion: float | None) -> None:
    xs = list(range(1, len(runs) + 1))
    ys = [_finite(r.metrics.get(metric)) for r in runs]
    ax.plot(
        xs, [y if y is not None else float("nan") for y in ys], marker="o", markersize=3, color=HISTORY, linewidth=1.2
    )
    last = ys[-1]
    if last is not None:
        ax.plot([xs[-1]], [last], marker="o", markersize=6, color=CHALLENGER, zorder=3)
        ax.annotate(
            value_label(last),
            (xs[-1], last),
            xytext=(-4, 6),
            textcoords="offset points",
            ha="right",
            fontsize="small",
            color=CHALLENGER,
        )
    if champion is not None:
        ax.axhline(champion, color=CHAMPION, linestyle="--", linewidth=1)
        ax.annotate(
            f"champion {value_label(champion)}",
            (xs[0], champion),
            xytext=(2, 3),
            textcoords="offset points",
            fontsize="x-small",
            color=CHAMPION,
        )
    step = max(1, math.ceil(len(runs) / MAX_X_LABELS))
    shown = sorted(set(range(len(runs) - 1, -1, -step)))  # always the newest run
    ax.set_xticks([xs[i] for i in shown], [run_label(xs[i], runs[i]) for i in shown], fontsize="x-small")
    ax.set_xlim(0.5, len(runs) + 0.5)
    ax.margins(y=0.15)
    ax.ticklabel_format(axis="y", style="sci", scilimits=(-3, 5), useOffset=False)
    ax.grid(axis="y", alpha=0.3)


def make_plot(
    record: RunRecord, champion_metrics: dict[str, Any], metrics: list[str], history: list[RunRecord], path: Path
) -> Path | None:
    """Write the PNG to ``path`` (atomically); None when there is nothing to plot."""
    shown = [m for m in metrics if _finite(record.metrics.get(m)) is not None][:MAX_HISTORY_METRICS]
    if not shown:
        return None
    import io

    runs = [r for r in history if r.project == record.project and r.run_id != record.run_id]
    runs = runs[-(MAX_HISTORY_RUNS - 1) :] + [record]
    with_history = len(runs) >= 2
    columns = min(3, len(shown))
    rows = math.ceil(len(shown) / columns)
    width = 3.9 * columns if with_history else 2.8 * columns
    fig = agg_figure(figsize=(max(width, 4.5), 2.9 * rows + 0.5), dpi=90)
    axes = fig.subplots(rows, columns, squeeze=False)
    for index, metric in enumerate(shown):
        ax = axes[index // columns][index % columns]
        champion = _finite(champion_metrics.get(metric))
        if with_history:
            _history(ax, metric, runs, champion)
        else:
            _bars(ax, metric, _finite(record.metrics.get(metric)) or 0.0, champion)
        direction = _direction(metric)
        ax.set_title(f"{metric}" + (f" ({direction})" if direction else ""), fontsize="medium")
        ax.tick_params(axis="y", labelsize="x-small")
    for index in range(len(shown), rows * columns):
        axes[index // columns][index % columns].axis("off")
    title = (
        f"test-set metrics over the last {len(runs)} runs (blue: this run)"
        if with_history
        else "test-set metrics: challenger vs champion"
    )
    fig.suptitle(title, fontsize="medium")
    fig.tight_layout()
    # tight_layout leaves a placeholder layout engine behind, and savefig draws the whole figure once more
    # for any engine before it renders; the layout is final here, so drop the engine: one draw, not two.
    fig.set_layout_engine(None)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", metadata={"Software": None})
    return atomic_write_bytes(path, buffer.getvalue())
