"""The serving log (`serve.monitoring`) as the current data of `mlspec drift --from-serving-log [SINK]`: the CSV
objects the generated service wrote to a folder or an object store (`s3://`, `gs://`, `az://`, through fsspec),
within `--since`, as one table of the features production actually saw."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from mlspec.errors import DataError, UsageError
from mlspec.fsio import atomic_write_text, display_path
from mlspec.spec.serving_log import is_url

# <UTC time>-<writer>-<n>.csv, as service.py names them (a writer is a random token; older logs: a process id)
LOG_FILE = re.compile(r"^(\d{8}T\d{6}Z)-[0-9a-f]+-\d+\.csv$")
PREDICTION_COLUMN = "mlspec_prediction"
SINCE = re.compile(r"^([1-9][0-9]{0,4})([mhd])$")
UNITS = {"m": "minutes", "h": "hours", "d": "days"}
NO_FILES_HINT = "serve.monitoring.sink is where the service writes them (one every 10 s at most while it gets requests)"


def parse_since(text: str) -> timedelta:
    match = SINCE.match(text.strip())
    if not match:
        raise UsageError(f"--since {text!r} is not a duration: write a number and m, h or d, e.g. 7d or 12h")
    return timedelta(**{UNITS[match.group(2)]: int(match.group(1))})


def _in_window(names: list[str], since: str | None, now: datetime | None) -> list[str]:
    """The log files among ``names`` (oldest first); with ``since``, those written in that window."""
    start = None if since is None else (now or datetime.now(timezone.utc)) - parse_since(since)
    chosen = []
    for name in sorted(names):
        match = LOG_FILE.match(name)
        if not match:
            continue
        written = datetime.strptime(match.group(1), "%Y%m%dT%H%M%SZ").replace(tzinfo=timezone.utc)
        if start is None or written >= start:
            chosen.append(name)
    return chosen


def _no_files(where: str, since: str | None) -> DataError:
    window = f" written in the last {since}" if since else ""
    return DataError(f"the serving log {where} has no log files{window}", hint=NO_FILES_HINT)


def log_files(folder: Path, since: str | None, now: datetime | None = None) -> list[Path]:
    """The log's files in ``folder``, oldest first; with ``since``, those written in that window."""
    if not folder.is_dir():
        raise DataError(
            f"the serving log {display_path(folder)} is not a folder",
            hint="name the folder serve.monitoring.sink writes to (copied from where the service runs)",
        )
    names = [path.name for path in folder.iterdir() if path.is_file()]
    files = [folder / name for name in _in_window(names, since, now)]
    if not files:
        raise _no_files(display_path(folder), since)
    return files


@dataclass
class StoreLog:
    """The serving log in an object store."""

    url: str
    fs: Any
    root: str

    @classmethod
    def open(cls, url: str) -> StoreLog:
        scheme = url.split("://", 1)[0]
        try:
            import fsspec

            fs, root = fsspec.core.url_to_fs(url, skip_instance_cache=True)
        except ImportError as exc:
            raise DataError(
                f"the serving log {url}: the package for {scheme}:// is not installed ({exc})",
                hint="install s3fs, gcsfs or adlfs (the fsspec backend of the sink)",
            ) from None
        except (ValueError, OSError) as exc:
            raise DataError(
                f"the serving log {url}: cannot open it: {type(exc).__name__}: {str(exc)[:200]}",
                hint="check serve.monitoring.sink",
            ) from None
        return cls(url, fs, str(root).rstrip("/"))

    def _failed(self, what: str, exc: Exception) -> DataError:
        return DataError(
            f"the serving log {self.url}: cannot {what}: {type(exc).__name__}: {str(exc).strip()[:200]}",
            hint="check the sink URL, the network and the read credentials (serve.monitoring.read_credentials in "
            "the monitor workflow)",
        )

    def files(self, since: str | None, now: datetime | None = None) -> list[str]:
        try:
            keys = self.fs.ls(self.root, detail=False)
        except FileNotFoundError:
            keys = []
        except Exception as exc:  # noqa: BLE001 - each backend raises its own errors (botocore, aiohttp, OSError)
            raise self._failed("list it", exc) from None
        by_name = {str(key).rstrip("/").rsplit("/", 1)[-1]: str(key) for key in keys}
        chosen = [by_name[name] for name in _in_window(list(by_name), since, now)]
        if not chosen:
            raise _no_files(self.url, since)
        return chosen

    def read(self, keys: list[str]) -> list[bytes]:
        try:
            found = self.fs.cat(keys, on_error="raise")  # concurrent GETs on the async backends
        except Exception as exc:  # noqa: BLE001
            raise self._failed("read it", exc) from None
        return [found[key] for key in keys]


def spec_sink(loaded: Any) -> str:
    """The spec's `serve.monitoring.sink` (a relative folder: against the spec's folder)."""
    log = loaded.spec.serve.monitoring
    if log is None:
        raise UsageError(
            f"{loaded.path}: --from-serving-log names no sink and the spec has no serve.monitoring",
            hint="pass the sink (--from-serving-log s3://bucket/prefix or a folder), or set serve.monitoring.sink",
        )
    if is_url(log.sink) or Path(log.sink).is_absolute():
        return str(log.sink)
    return str(loaded.resolve(log.sink, "serve.monitoring.sink"))


def collect(sink: str, since: str | None, out: Path) -> Path:
    """The logged rows of the window as one CSV at ``out`` (the prediction column left out): the current data."""
    import pandas as pd

    if is_url(sink):
        store = StoreLog.open(sink)
        frames = [pd.read_csv(io.BytesIO(data), keep_default_na=True) for data in store.read(store.files(since))]
    else:
        frames = [pd.read_csv(path, keep_default_na=True) for path in log_files(Path(sink), since)]
    frame = pd.concat(frames, ignore_index=True).drop(columns=[PREDICTION_COLUMN], errors="ignore")
    atomic_write_text(out, frame.to_csv(index=False, lineterminator="\n"))
    return out
