"""`mlspec drift --from-serving-log FOLDER [--since N]`: the files of the service's request log in a window, as the
current data (the end-to-end run with a served model: tests/serve/test_serving_log.py)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from mlspec.errors import DataError, UsageError
from mlspec.monitor.serving_log import collect, log_files, parse_since
from tests.helpers import copy_example, run_cli

NOW = datetime(2026, 12, 4, 12, 0, 0, tzinfo=timezone.utc)


def _file(folder: Path, when: datetime, rows: str, n: int = 1) -> Path:
    path = folder / f"{when.strftime('%Y%m%dT%H%M%SZ')}-77-{n:06d}.csv"
    path.write_text("a,b,mlspec_prediction\n" + rows)
    return path


def test_since_selects_the_window(tmp_path: Path) -> None:
    old = _file(tmp_path, NOW - timedelta(days=8), "1,2,0\n", 1)
    recent = _file(tmp_path, NOW - timedelta(hours=3), "3,,1\n", 2)
    (tmp_path / ".20261204T115959Z-77-000003.csv.partial").write_text("a,b\n")  # being written: not read
    (tmp_path / "notes.txt").write_text("x")
    assert log_files(tmp_path, None, NOW) == [old, recent]
    assert log_files(tmp_path, "7d", NOW) == [recent]
    assert log_files(tmp_path, "4h", NOW) == [recent]
    with pytest.raises(DataError, match="no log files written in the last 2h"):
        log_files(tmp_path, "2h", NOW)


def test_collect_drops_the_prediction_and_keeps_missing_values(tmp_path: Path) -> None:
    folder = tmp_path / "log"
    folder.mkdir()
    _file(folder, NOW, "1,2,0\n3,,1\n")
    out = collect(folder, None, tmp_path / "current.csv")
    assert out.read_text() == "a,b\n1,2.0\n3,\n"


@pytest.mark.parametrize("text", ["7", "0d", "-1h", "7w", "1.5h", ""])
def test_bad_since_is_a_usage_error(text: str) -> None:
    with pytest.raises(UsageError, match="is not a duration"):
        parse_since(text)


def test_cli_refuses_two_current_sources_and_since_alone(tmp_path: Path) -> None:
    spec = copy_example("breast-cancer", tmp_path) / "mlproject.yaml"
    both = run_cli("drift", str(spec), "--current", "x.csv", "--from-serving-log", str(tmp_path))
    assert both.returncode == 2 and "give one" in both.stderr
    alone = run_cli("drift", str(spec), "--since", "7d")
    assert alone.returncode == 2 and "--since goes with --from-serving-log" in alone.stderr
    missing = run_cli("drift", str(spec), "--from-serving-log", str(tmp_path / "nowhere"))
    assert missing.returncode == 1 and "is not a folder" in missing.stderr
