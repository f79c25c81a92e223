"""Shared helpers for the benchmark scripts: timing whole commands and writing JSON results."""

from __future__ import annotations

import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
PYTHON = sys.executable


def time_command(
    argv: list[str], *, repeat: int = 7, cwd: Path | None = None, env: dict[str, str] | None = None
) -> dict[str, float]:
    """Wall time of a whole command over ``repeat`` runs (after one warm-up): median, min, max in seconds."""
    full_env = {**os.environ, **(env or {})}
    subprocess.run(argv, cwd=cwd, env=full_env, capture_output=True, check=False)
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(argv, cwd=cwd, env=full_env, capture_output=True, check=False)
        samples.append(time.perf_counter() - start)
    return {"median": statistics.median(samples), "min": min(samples), "max": max(samples), "runs": repeat}


def time_interleaved(
    commands: dict[str, tuple[list[str], Path | None, dict[str, str] | None]], *, repeat: int = 11
) -> dict[str, dict[str, float]]:
    """Several commands run in turn (A, B, A, B, ...) after one warm-up each, so the load of a shared machine
    falls on all of them alike: per command the median, min and max wall seconds and the median CPU seconds
    (user + system of the process and its children) over ``repeat`` rounds, and ``ratio_to_<first>``: the
    median of the per-round ratios to the first command."""

    def once(argv: list[str], cwd: Path | None, env: dict[str, str] | None) -> tuple[float, float]:
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run(argv, cwd=cwd, env={**os.environ, **(env or {})}, capture_output=True, check=False)
        wall = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)

    for argv, cwd, env in commands.values():
        once(argv, cwd, env)
    walls: dict[str, list[float]] = {name: [] for name in commands}
    cpus: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(repeat):
        for name, (argv, cwd, env) in commands.items():
            wall, cpu = once(argv, cwd, env)
            walls[name].append(wall)
            cpus[name].append(cpu)
    first = next(iter(commands))
    out = {}
    for name in commands:
        ratios = [w / f for w, f in zip(walls[name], walls[first], strict=True)]
        out[name] = {
            "median": statistics.median(walls[name]),
            "min": min(walls[name]),
            "max": max(walls[name]),
            "cpu_median": statistics.median(cpus[name]),
            "runs": repeat,
            f"ratio_to_{first}": statistics.median(ratios),
        }
    return out


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
