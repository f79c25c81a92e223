"""Bar plot of the per-feature drift scores (PNG, matplotlib's Agg backend: no display needed)."""

from __future__ import annotations

from pathlib import Path

from mlspec.figures import agg_figure
from mlspec.fsio import atomic_write_bytes
from mlspec.monitor.drift_checks import DriftResult

MAX_BARS = 20


def write_plot(result: DriftResult, path: Path) -> Path | None:
    if not result.features:
        return None
    import io

    shown = result.features[:MAX_BARS][::-1]  # highest on top
    figure = agg_figure(figsize=(7, 0.35 * len(shown) + 1.4), dpi=100)
    axes = figure.subplots()
    colors = ["#d62728" if f.drifted else "#1f77b4" for f in shown]
    axes.barh([f.feature for f in shown], [f.score for f in shown], color=colors)
    axes.axvline(
        result.thresholds.feature,
        color="black",
        linestyle="--",
        linewidth=1,
        label=f"threshold {result.thresholds.feature:g}",
    )
    axes.set_xlabel("drift score (deepchecks FeatureDrift)")
    title = "Feature drift, highest first"
    if len(result.features) > MAX_BARS:
        title += f" (top {MAX_BARS} of {len(result.features)})"
    axes.set_title(title)
    axes.set_xlim(0, max(1.0, max(f.score for f in shown) * 1.05))
    axes.legend(loc="lower right")
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return atomic_write_bytes(path, buffer.getvalue())
