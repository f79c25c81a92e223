"""The generated service's request log (`_RequestLog` in service.py), run in-process from the generated source:
whole batch files, a bounded queue that drops and counts when the sink is slow or failing (a request never waits),
a startup error for a sink it cannot write, and nothing at all with MLSPEC_SERVING_LOG=off. (Served for real, to a
folder and to S3: tests/serve/test_serving_log.py, tests/serve/test_serving_log_s3.py.)"""

from __future__ import annotations

import ast
import threading
import time
import typing
from pathlib import Path
from typing import Any

import pytest

from mlspec.serve import codegen
from mlspec.spec import load_spec
from mlspec.spec.serving_log import ServingLog
from tests.helpers import copy_example


class _Row:
    def __init__(self, a: float) -> None:
        self.a = a

    def model_dump(self, by_alias: bool = False) -> dict[str, Any]:
        return {"a": self.a}


def _request_log(tmp_path: Path, sink: str, **settings: Any) -> Any:
    """The `_RequestLog` class of the service generated for ``sink``, with its LOG_* settings (some overridden)."""
    loaded = load_spec(copy_example("breast-cancer", tmp_path) / "mlproject.yaml", check_files=False)
    serve = loaded.spec.serve.model_copy(update={"monitoring": ServingLog(sample=1.0, sink=sink)})
    info = codegen.ModelInfo(
        tag="proj:v1", loader=codegen.LOADER_PICKLABLE, features=["a"], dtypes={"a": "float"}, task="regression"
    )
    source = codegen.generate(loaded.spec.model_copy(update={"serve": serve}), info, []).files["service.py"]
    tree = ast.parse(source)
    namespace: dict[str, Any] = {"t": typing, "Row": _Row, "FEATURES": ["a"], "MODEL_TAG": "proj:v1"}
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name):
            if node.targets[0].id.startswith("LOG_"):
                namespace[node.targets[0].id] = ast.literal_eval(node.value)
    namespace.update(settings)
    (cls,) = [n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "_RequestLog"]
    exec(compile(ast.Module(body=[cls], type_ignores=[]), "service.py", "exec"), namespace)  # noqa: S102
    return namespace["_RequestLog"]


def _rows(n: int) -> list[_Row]:
    return [_Row(float(i)) for i in range(n)]


def test_batches_land_as_whole_files(tmp_path: Path) -> None:
    sink = tmp_path / "log"
    log = _request_log(tmp_path, str(sink), LOG_BATCH_ROWS=3, LOG_FLUSH_SECONDS=0.2)()
    log.add(_rows(7), [0] * 7)
    deadline = time.monotonic() + 10
    while sum(len(p.read_text().splitlines()) - 1 for p in sink.glob("*.csv")) < 7 and time.monotonic() < deadline:
        time.sleep(0.05)
    files = sorted(sink.glob("*.csv"))
    assert [len(p.read_text().splitlines()) - 1 for p in files] == [3, 3, 1]
    assert all(p.read_text().startswith("a,mlspec_prediction\n") for p in files)
    assert not list(sink.glob(".*"))  # no partial file left behind
    assert (sink / "mlspec-serving-log.json").is_file() and log.dropped == 0


def test_a_slow_sink_drops_and_counts_instead_of_growing_or_blocking(tmp_path: Path) -> None:
    cls = _request_log(tmp_path, str(tmp_path / "log"), LOG_BATCH_ROWS=10, LOG_QUEUE_ROWS=50, LOG_FLUSH_SECONDS=0.05)
    release = threading.Event()
    cls._write = lambda self, batch: release.wait(30)  # the sink hangs
    log = cls()
    started = time.monotonic()
    for _ in range(100):
        log.add(_rows(10), [1] * 10)  # 1,000 rows while the sink hangs
    assert time.monotonic() - started < 1.0  # the requests never waited for the sink
    assert log._queue.qsize() <= 50  # bounded: the queue never grows past its size
    assert log.dropped >= 1000 - 50 - 10  # what neither the queue nor the batch in flight holds is counted
    release.set()


def test_a_failing_sink_counts_the_lost_batch(tmp_path: Path) -> None:
    cls = _request_log(tmp_path, str(tmp_path / "log"), LOG_BATCH_ROWS=5, LOG_FLUSH_SECONDS=0.05)

    def fail(self: Any, batch: list[Any]) -> None:
        raise OSError("No space left on device")

    cls._write = fail
    log = cls()
    log.add(_rows(5), [0] * 5)
    deadline = time.monotonic() + 10
    while log.dropped < 5 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert log.dropped == 5


def test_a_sink_it_cannot_write_is_an_error_at_startup(tmp_path: Path) -> None:
    blocker = tmp_path / "log"
    blocker.write_text("a file where the folder should be")
    with pytest.raises(RuntimeError, match=r"serve.monitoring.sink .*log: cannot write to the folder"):
        _request_log(tmp_path, str(blocker))()


def test_switched_off_it_writes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MLSPEC_SERVING_LOG", "off")
    sink = tmp_path / "log"
    log = _request_log(tmp_path, str(sink), LOG_FLUSH_SECONDS=0.05)()
    log.add(_rows(3), [0] * 3)
    time.sleep(0.3)
    assert not sink.exists() and not log.enabled
