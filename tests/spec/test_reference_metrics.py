"""The spec reference lists the metric names each task accepts (issue 22 item 13), from the metrics catalogue."""

from __future__ import annotations

import re
from pathlib import Path

from mlspec.metrics_catalog import DEFAULT_METRICS, METRICS

ROOT = Path(__file__).resolve().parents[2]


def test_spec_reference_lists_every_metric_of_every_task_with_its_direction_and_defaults() -> None:
    text = (ROOT / "docs" / "spec-reference.md").read_text(encoding="utf-8")
    section = text[text.index("## Metrics by task") : text.index("### Spec (top level)")]
    rows = re.findall(r"^\| `(\w+)` \| `(\w+)` \| (higher|lower) \| (✓?) \|$", section, re.M)
    listed = {(task, metric): (better, default == "✓") for task, metric, better, default in rows}
    expected = {
        (task, metric): (better, metric in DEFAULT_METRICS[task])
        for task, metrics in METRICS.items()
        for metric, better in metrics.items()
    }
    assert listed == expected
