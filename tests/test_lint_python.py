"""ruff (lint and format; rules and line lengths in pyproject.toml) finds nothing in mlspec, tests, bench and
scripts, and mypy (strict on mlspec, settings in pyproject.toml's [tool.mypy]) finds nothing in mlspec."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_ruff_finds_nothing() -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "ruff",
            "check",
            "--no-cache",
            "--output-format",
            "concise",
            "mlspec",
            "tests",
            "bench",
            "scripts",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_format_would_change_nothing() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "ruff", "format", "--check", "--no-cache", "mlspec", "tests", "bench", "scripts"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, "run `ruff format mlspec tests bench scripts`:\n" + result.stdout + result.stderr


def test_mypy_strict_finds_nothing() -> None:
    # No paths: [tool.mypy] names them (files = ["mlspec"]), so `mypy` at the command line checks the same.
    # The incremental cache (.mypy_cache/) makes a second run take seconds instead of half a minute.
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--no-error-summary", "--no-color-output"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout == "", result.stdout
