"""The report's charts as Mermaid `xychart-beta`, which GitHub draws in comments, PR bodies and job summaries
without an image host (the PNG stays an artifact). One chart per metric, like the PNG's panels, so metrics of
different scales keep their own axis:

- with earlier runs of the project: a bar per run (oldest first, this run last) and, when a champion is
  known, a flat line at the champion's value: the history and challenger vs champion in one picture;
- on the first run: two bars, challenger and champion (one bar without a champion).

Every label goes through `mlspec.markdown.mermaid_label`; numbers are written in the plain decimal form
Mermaid's grammar reads (no exponent). What xychart-beta cannot show (no legend, no dashed line, no error
bars, no gaps in a line, no per-bar colour) is said in docs/github.md ("Charts in comments").
"""

from __future__ import annotations

import math
from datetime import datetime
from decimal import Decimal
from typing import Any

from mlspec.markdown import mermaid_label
from mlspec.state.record import RunRecord

MAX_METRICS = 6  # as many panels as the PNG
MAX_RUNS = 20
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


def _direction(metric: str) -> str:
    from mlspec.metrics_catalog import direction

    try:
        return f" ({direction(metric)} is better)"
    except KeyError:
        return ""


def _run_label(position: int, record: RunRecord) -> str:
    try:
        when = datetime.strptime(record.created[:10], "%Y-%m-%d").strftime(" %m-%d")
    except (TypeError, ValueError):
        when = ""
    return f"#{position}{when}"


def _y_range(values: list[float]) -> tuple[float, float]:
    """A range that shows the differences (Mermaid starts at the smallest value otherwise, which makes the
    smallest bar vanish); metrics that are never negative do not go below 0."""
    low, high = min(values), max(values)
    pad = (high - low) * 0.25 or abs(high) * 0.05 or 1.0
    bottom, top = low - pad, high + pad
    if low >= 0:
        bottom = max(0.0, bottom)
    step = 10.0 ** (math.floor(math.log10(top - bottom)) - 1)  # round outwards to a readable tick
    return math.floor(bottom / step + 1e-9) * step, math.ceil(top / step - 1e-9) * step


def _chart(title: str, labels: list[str], y_title: str, bars: list[float], line: list[float] | None) -> list[str]:
    low, high = _y_range(bars + (line or []))
    out = [
        f"{FENCE}mermaid",
        "xychart-beta",
        f"    title {mermaid_label(title, 120)}",
        "    x-axis [" + ", ".join(mermaid_label(label, 30) for label in labels) + "]",
        f"    y-axis {mermaid_label(y_title, 40)} {number(low)} --> {number(high)}",
        "    bar [" + ", ".join(number(v) for v in bars) + "]",
    ]
    if line:
        out.append("    line [" + ", ".join(number(v) for v in line) + "]")
    return [*out, FENCE]


def metric_chart(metric: str, record: RunRecord, champion: float | None, runs: list[RunRecord]) -> list[str]:
    """One metric's chart; ``runs`` are the project's runs oldest first, ending with ``record``."""
    value = _finite(record.metrics.get(metric))
    if value is None:
        return []
    points = [(i + 1, r, _finite(r.metrics.get(metric))) for i, r in enumerate(runs)]
    points = [(i, r, v) for i, r, v in points if v is not None]  # a line or bar series cannot have gaps
    name = f"{metric}{_direction(metric)}"
    if len(points) >= 2:
        title = (
            f"{name}: last {len(points)} runs (bars), champion {number(champion)} (line)"
            if champion is not None
            else f"{name}: last {len(points)} runs, no champion yet"
        )
        labels = [_run_label(i, r) for i, r, _ in points]
        labels[-1] += " this run"
        values = [v for _, _, v in points if v is not None]
        return _chart(title, labels, metric, values, [champion] * len(values) if champion is not None else None)
    if champion is None:
        return _chart(f"{name}: challenger (no champion yet)", ["challenger"], metric, [value], None)
    return _chart(f"{name}: challenger vs champion", ["challenger", "champion"], metric, [value, champion], None)


def charts_section(
    record: RunRecord, champion_metrics: dict[str, Any], metrics: list[str], history: list[RunRecord]
) -> list[str]:
    """The `#### Charts` section (no lines when no metric has a finite value)."""
    shown = [m for m in metrics if _finite(record.metrics.get(m)) is not None][:MAX_METRICS]
    if not shown:
        return []
    runs = [r for r in history if r.project == record.project and r.run_id != record.run_id]
    runs = runs[-(MAX_RUNS - 1) :] + [record]
    lines = ["#### Charts", ""]
    for metric in shown:
        lines += [*metric_chart(metric, record, _finite(champion_metrics.get(metric)), runs), ""]
    left = len([m for m in metrics if _finite(record.metrics.get(m)) is not None]) - len(shown)
    if left > 0:
        lines.append(f"{left} more metrics are in the table above and in the PNG of the artifacts.")
    return lines[:-1] if lines[-1] == "" else lines
