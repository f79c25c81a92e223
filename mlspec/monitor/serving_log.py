"""The serving log (`serve.monitoring`) as the current data of `mlspec drift --from-serving-log FOLDER`: the CSV
files the generated service wrote, within `--since`, as one table of the features production actually saw."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

from mlspec.errors import DataError, UsageError
from mlspec.fsio import atomic_write_text, display_path

LOG_FILE = re.compile(r"^(\d{8}T\d{6}Z)-\d+-\d+\.csv$")  # <UTC time>-<pid>-<n>.csv, as service.py names them
PREDICTION_COLUMN = "mlspec_prediction"
SINCE = re.compile(r"^([1-9][0-9]{0,4})([mhd])$")
UNITS = {"m": "minutes", "h": "hours", "d": "days"}


def parse_since(text: str) -> timedelta:
    match = SINCE.match(text.strip())
    if not match:
        raise UsageError(f"--since {text!r} is not a duration: write a number and m, h or d, e.g. 7d or 12h")
    return timedelta(**{UNITS[match.group(2)]: int(match.group(1))})


def log_files(folder: Path, since: str | None, now: datetime | None = None) -> list[Path]:
    """The log's files, oldest first; with ``since``, those written in that window."""
    if not folder.is_dir():
        raise DataError(
            f"the serving log {display_path(folder)} is not a folder",
            hint="name the folder serve.monitoring.sink writes to (copied from where the service runs)",
        )
    start = None
    if since is not None:
        start = (now or datetime.now(timezone.utc)) - parse_since(since)
    files = []
    for path in sorted(folder.iterdir()):
        match = LOG_FILE.match(path.name)
        if not match or not path.is_file():
            continue
        written = datetime.strptime(match.group(1), "%Y%m%dT%H%M%SZ").replace(tzinfo=timezone.utc)
        if start is None or written >= start:
            files.append(path)
    if not files:
        window = f" written in the last {since}" if since else ""
        raise DataError(
            f"the serving log {display_path(folder)} has no log files{window}",
            hint="serve.monitoring.sink is where the service writes them (one every 10 s at most while it gets "
            "requests)",
        )
    return files


def collect(folder: Path, since: str | None, out: Path) -> Path:
    """The logged rows of the window as one CSV at ``out`` (the prediction column left out): the current data."""
    import pandas as pd

    frames = [pd.read_csv(path, keep_default_na=True) for path in log_files(folder, since)]
    frame = pd.concat(frames, ignore_index=True).drop(columns=[PREDICTION_COLUMN], errors="ignore")
    atomic_write_text(out, frame.to_csv(index=False, lineterminator="\n"))
    return out
