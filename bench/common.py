"""Shared helpers for the benchmark scripts: timing whole commands and writing JSON results."""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
PYTHON = sys.executable


def time_command(argv: list[str], *, repeat: int = 7, cwd: Path | None = None, env: dict[str, str] | None = None) -> dict[str, float]:
    """Wall time of a whole command over ``repeat`` runs (after one warm-up): median, min, max in seconds."""
    full_env = {**os.environ, **(env or {})}
    subprocess.run(argv, cwd=cwd, env=full_env, capture_output=True, check=False)
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(argv, cwd=cwd, env=full_env, capture_output=True, check=False)
        samples.append(time.perf_counter() - start)
    return {"median": statistics.median(samples), "min": min(samples), "max": max(samples), "runs": repeat}


def write_results(area: str, results: dict[str, Any]) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    payload = {
        "area": area,
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count(), "platform": platform.platform()},
        "results": results,
    }
    path = RESULTS / f"{area}.json"
    path.write_text(json.dumps(payload, indent=2) + "\n")
    return path


def table(rows: list[tuple[str, str, str]]) -> str:
    """A Markdown table of (measure, value, target or ratio)."""
    lines = ["| measure | value | ratio / target |", "|---|---|---|"]
    lines += [f"| {a} | {b} | {c} |" for a, b, c in rows]
    return "\n".join(lines)
