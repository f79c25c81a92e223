"""The report's PNG: challenger vs champion per metric and, with several runs, the metric history."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from mlspec.fsio import atomic_write_bytes
from mlspec.record import RunRecord

MAX_HISTORY_METRICS = 6


def _finite(value: Any) -> float | None:
    if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
        return float(value)
    return None


def make_plot(record: RunRecord, champion_metrics: dict[str, Any], metrics: list[str],
              history: list[RunRecord], path: Path) -> Path | None:
    """Write the PNG to ``path`` (atomically); None when there is nothing to plot."""
    shown = [m for m in metrics if _finite(record.metrics.get(m)) is not None]
    if not shown:
        return None
    import io

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    runs = [r for r in history if r.project == record.project and r.run_id != record.run_id][-19:] + [record]
    with_history = len(runs) >= 2
    height = max(2.5, 0.32 * len(shown) + 1.2)
    fig, axes = plt.subplots(1, 2 if with_history else 1, figsize=(11 if with_history else 6.5, height), dpi=90,
                             squeeze=False)
    ax = axes[0][0]
    positions = list(range(len(shown)))
    challenger = [_finite(record.metrics.get(m)) or 0.0 for m in shown]
    champion = [_finite(champion_metrics.get(m)) for m in shown]
    bar = 0.4
    ax.barh([p - bar / 2 for p in positions], challenger, height=bar, label="challenger", color="#2f80ed")
    if any(v is not None for v in champion):
        ax.barh([p + bar / 2 for p in positions], [v or 0.0 for v in champion], height=bar, label="champion",
                color="#9aa5b1")
    ax.set_yticks(positions, shown)
    ax.invert_yaxis()
    values = [v for v in challenger + [c for c in champion if c is not None] if v > 0]
    if values and max(values) / min(values) > 100:
        ax.set_xscale("log")
    ax.set_title("test-set metrics")
    ax.legend(loc="lower right", fontsize="small")
    if with_history:
        hx = axes[0][1]
        for metric in shown[:MAX_HISTORY_METRICS]:
            hx.plot(range(len(runs)), [_finite(r.metrics.get(metric)) for r in runs], marker="o", label=metric)
        hx.set_xticks(range(len(runs)), [r.run_id[:8] for r in runs], rotation=45, fontsize="x-small")
        hx.set_title(f"history ({len(runs)} runs)")
        hx.legend(fontsize="small")
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", metadata={"Software": None})
    plt.close(fig)
    return atomic_write_bytes(path, buffer.getvalue())
