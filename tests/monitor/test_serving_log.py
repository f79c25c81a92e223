"""`mlspec drift --from-serving-log [SINK] [--since N]`: the files of the service's request log in a window, as the
current data (the end-to-end run with a served model: tests/serve/test_serving_log.py)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from mlspec.errors import DataError, UsageError
from mlspec.monitor.serving_log import collect, log_files, parse_since
from tests.helpers import copy_example, run_cli
from tests.moto_s3 import moto_s3_bucket, s3_client

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
    out = collect(str(folder), None, tmp_path / "current.csv")
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


@pytest.fixture
def s3_log(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    """moto's S3 server with a bucket `logs`; the AWS variables set here."""
    with moto_s3_bucket("logs", monkeypatch) as env:
        yield env


def test_collect_reads_an_s3_sink_within_the_window(s3_log: dict[str, str], tmp_path: Path) -> None:
    client = s3_client(s3_log)
    now = datetime.now(timezone.utc)

    def put(when: datetime, body: str, writer: str = "3f9a0c1d2e4b") -> None:
        key = f"svc/prod/{when.strftime('%Y%m%dT%H%M%SZ')}-{writer}-000001.csv"
        client.put_object(Bucket="logs", Key=key, Body=("a,b,mlspec_prediction\n" + body).encode())

    put(now - timedelta(days=9), "100,100,1\n")
    put(now - timedelta(hours=2), "1,2,0\n")
    put(now - timedelta(hours=1), "3,,1\n", writer="77")  # another replica (an older log: a process id)
    client.put_object(Bucket="logs", Key="svc/prod/mlspec-serving-log.json", Body=b"{}")  # the marker: not data
    out = collect("s3://logs/svc/prod", "7d", tmp_path / "current.csv")
    assert out.read_text() == "a,b\n1,2.0\n3,\n"
    everything = collect("s3://logs/svc/prod", None, tmp_path / "all.csv")
    assert everything.read_text().splitlines()[1] == "100,100.0"
    with pytest.raises(DataError, match=r"the serving log s3://logs/svc/prod has no log files written in the last 30m"):
        collect("s3://logs/svc/prod", "30m", tmp_path / "none.csv")
    with pytest.raises(DataError, match=r"the serving log s3://logs/elsewhere has no log files"):
        collect("s3://logs/elsewhere", None, tmp_path / "none.csv")


def test_an_unreachable_s3_sink_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")  # nothing listens: connection refused
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "x")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "x")
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    with pytest.raises(DataError, match=r"the serving log s3://logs/p: cannot list it") as caught:
        collect("s3://logs/p", None, tmp_path / "x.csv")
    assert "read credentials" in (caught.value.hint or "")


def test_the_spec_names_the_sink_when_the_option_has_no_value(tmp_path: Path) -> None:
    spec = copy_example("breast-cancer", tmp_path) / "mlproject.yaml"
    no_log = run_cli("drift", str(spec), "--from-serving-log")
    assert no_log.returncode == 2 and "the spec has no serve.monitoring" in no_log.stderr
    spec.write_text(spec.read_text().replace("serve:\n", "serve:\n  monitoring: {sink: serving-log}\n", 1))
    (spec.parent / "serving-log").mkdir()  # relative to the spec's folder
    empty = run_cli("drift", str(spec), "--from-serving-log", "--since", "7d")
    assert empty.returncode == 1 and "serving-log has no log files written in the last 7d" in empty.stderr
