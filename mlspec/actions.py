"""What mlspec writes into a GitHub Actions job: the job summary (`$GITHUB_STEP_SUMMARY`), appended to under
GitHub's 1 MiB limit by every command that writes one (report, drift)."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from pathlib import Path

SUMMARY_LIMIT = 1024 * 1024  # GitHub rejects job summaries above 1 MiB
MIN_ROOM = 2000  # below this, nothing useful fits: the summary is full


def job_summary(environ: Mapping[str, str] | None = None) -> Path | None:
    """The job summary file, when running in GitHub Actions (None outside)."""
    path = (os.environ if environ is None else environ).get("GITHUB_STEP_SUMMARY")
    return Path(path) if path else None


def _fit_bytes(make: Callable[[int], str], budget: int) -> str:
    """The longest text whose UTF-8 encoding fits ``budget`` bytes (characters can take 4 bytes)."""
    chars = budget
    while True:
        text = make(chars)
        if len(text.encode("utf-8")) <= budget or chars < 1000:
            return text
        chars = int(chars * budget / len(text.encode("utf-8"))) - 100


def _cut(text: str) -> Callable[[int], str]:
    return lambda chars: (
        text if len(text) <= chars else text[: max(0, chars - 60)] + "\n\n_… cut to fit GitHub's job summary limit._\n"
    )


def append_job_summary(content: str | Callable[[int], str], path: Path | None = None) -> bool:
    """Append ``content`` to the job summary (``path``, default `$GITHUB_STEP_SUMMARY`), keeping the whole file
    under 1 MiB. ``content`` is the text, or a function that builds it within a number of characters (a report
    that shortens itself). False when there is no job summary or no room left in it."""
    path = path or job_summary()
    if path is None:
        return False
    used = path.stat().st_size if path.exists() else 0
    budget = SUMMARY_LIMIT - used - 2
    if budget < MIN_ROOM:
        return False
    text = _fit_bytes(content if callable(content) else _cut(content), budget)
    with path.open("a", encoding="utf-8") as handle:  # GitHub's file: appended to, like `>> $GITHUB_STEP_SUMMARY`
        handle.write(text if text.endswith("\n") else text + "\n")
    return True
