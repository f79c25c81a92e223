"""The Ray engine against real clusters on this machine (issue 27): a `ray start --head` with 2 CPUs and a
2-node `ray.cluster_utils.Cluster`. Training goes through the Jobs API exactly as against a remote cluster
(the model comes back through the job's log)."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd
import pytest

from mlspec.pipeline.engines.local import LocalTrainEngine
from mlspec.pipeline.engines.ray import RayTrainEngine
from mlspec.pipeline.training import TrainingError
from tests.helpers import EXAMPLES
from tests.pipeline.engines.ray_cluster import agent_ports, free_port, ray_env, ray_head, two_node_cluster

pytest.importorskip("ray.job_submission")
pytestmark = pytest.mark.slow

EXAMPLE = EXAMPLES / "breast-cancer"
LABEL = "benign"

SLOW_TRAIN = """\
import os
import time


def train(X, y, params):
    steps = int(params.get("steps", 600))
    if os.path.exists(params.get("short_after", "/nonexistent")):  # the retry after a node loss: train briefly
        steps = 3
    for step in range(steps):
        print(f"step {step}", flush=True)
        time.sleep(0.5)
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(max_iter=200).fit(X, y)
"""

FAILING_TRAIN = """\
def train(X, y, params):
    for step in range(30):
        print(f"epoch {step} of 30", flush=True)
    raise ValueError("the learning rate diverged at epoch 29")
"""


@pytest.fixture(scope="module")
def head() -> Iterator[str]:
    with ray_head(num_cpus=2) as address:
        yield address


def settings(address_variable: str = "MLSPEC_TEST_RAY", **overrides: Any) -> SimpleNamespace:
    values: dict[str, Any] = {
        "address": address_variable,
        "runtime_env": {},
        "entrypoint_resources": {"CPU": 1},
        "timeout_minutes": None,
        "max_retries": 0,
        "package": "ray[default]",
    }
    return SimpleNamespace(**{**values, **overrides})


def tables(root: Path) -> SimpleNamespace:
    train = pd.read_csv(root / "data" / "train.csv")
    features = [c for c in train.columns if c != LABEL]
    return SimpleNamespace(train=train, features=features, label=LABEL)


def project(tmp_path: Path, train_py: str | None = None) -> Path:
    root = tmp_path / "project"
    (root / "src").mkdir(parents=True)
    (root / "data").mkdir()
    for name in ("train.csv", "test.csv"):
        (root / "data" / name).write_bytes((EXAMPLE / "data" / name).read_bytes())
    source = train_py if train_py is not None else (EXAMPLE / "src" / "train.py").read_text()
    (root / "src" / "train.py").write_text(source)
    return root


@pytest.fixture
def address_env(head: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("MLSPEC_TEST_RAY", head)
    return head


def job_status(address: str, job_id: str) -> str:
    from ray.job_submission import JobSubmissionClient

    return str(JobSubmissionClient(address).get_job_status(job_id).value)


def test_a_ray_trained_model_predicts_as_the_local_one(tmp_path: Path, address_env: str) -> None:
    root = project(tmp_path)
    data = tables(root)
    params = {"n_estimators": 30, "max_depth": 4, "seed": 7}
    local = LocalTrainEngine().train_entrypoint(root, "src/train.py:train", data, params, tmp_path / "local.log", 5)
    engine = RayTrainEngine(settings(), echo=False)
    remote = engine.train_entrypoint(root, "src/train.py:train", data, params, tmp_path / "ray.log", 5)
    test = pd.read_csv(root / "data" / "test.csv")
    X_test = test[data.features]
    assert type(remote) is type(local)
    np.testing.assert_array_equal(remote.predict_proba(X_test), local.predict_proba(X_test))
    assert job_status(address_env, str(engine.last_job_id)) == "SUCCEEDED"
    assert "training on Ray node" in (tmp_path / "ray.log").read_text()


COMMAND_TRAIN = """\
import json, os, pickle
import pandas as pd
from sklearn.ensemble import RandomForestClassifier

params = json.load(open(os.environ["MLSPEC_PARAMS"]))
train = pd.read_csv(os.environ["MLSPEC_TRAIN"])
X, y = train.drop(columns=["benign"]), train["benign"]
model = RandomForestClassifier(n_estimators=20, random_state=int(os.environ["MLSPEC_SEED"])).fit(X, y)
print("trained on", len(train), "rows with seed", os.environ["MLSPEC_SEED"], flush=True)
pickle.dump(model, open(os.environ["MLSPEC_MODEL_OUT"], "wb"))
"""


def test_the_command_form_trains_on_the_cluster_as_locally(tmp_path: Path, address_env: str) -> None:
    root = project(tmp_path, COMMAND_TRAIN)
    args = (root / "data" / "train.csv", root / "data" / "test.csv", {"seed": 3}, 3)
    local_dir, ray_dir = tmp_path / "local", tmp_path / "ray"
    local_dir.mkdir()
    ray_dir.mkdir()
    command = "python src/train.py"
    local = LocalTrainEngine().train_command(root, command, *args, local_dir, local_dir / "train.log", 5)
    remote = RayTrainEngine(settings(), echo=False).train_command(
        root, command, *args, ray_dir, ray_dir / "train.log", 5
    )
    test = pd.read_csv(root / "data" / "test.csv").drop(columns=[LABEL])
    np.testing.assert_array_equal(remote.predict_proba(test), local.predict_proba(test))
    assert "trained on 426 rows with seed 3" in (ray_dir / "train.log").read_text()


def test_a_failing_job_fails_the_stage_with_its_last_log_lines(tmp_path: Path, address_env: str) -> None:
    root = project(tmp_path, FAILING_TRAIN)
    engine = RayTrainEngine(settings(), echo=False)
    with pytest.raises(TrainingError) as caught:
        engine.train_entrypoint(root, "src/train.py:train", tables(root), {}, tmp_path / "train.log", 5)
    message = caught.value.message
    assert "raised ValueError: the learning rate diverged at epoch 29" in message
    assert "epoch 29 of 30" in message  # the job's last lines
    assert "epoch 0 of 30" not in message  # only the last ones
    assert job_status(address_env, str(engine.last_job_id)) == "FAILED"


def test_a_job_past_its_timeout_is_stopped(tmp_path: Path, address_env: str) -> None:
    root = project(tmp_path, SLOW_TRAIN)
    engine = RayTrainEngine(settings(timeout_minutes=0.25), echo=False)
    started = time.monotonic()
    with pytest.raises(TrainingError) as caught:
        engine.train_entrypoint(root, "src/train.py:train", tables(root), {}, tmp_path / "train.log", 5)
    assert time.monotonic() - started < 120
    assert "stopped after the training timeout" in caught.value.message
    assert "step " in caught.value.message  # what it had printed
    assert job_status(address_env, str(engine.last_job_id)) == "STOPPED"


CANCELLED = """\
import sys
from pathlib import Path
from types import SimpleNamespace

import pandas as pd

from mlspec.pipeline.engines.ray import RayTrainEngine

root = Path(sys.argv[1])
train = pd.read_csv(root / "data" / "train.csv")
data = SimpleNamespace(train=train, features=[c for c in train.columns if c != "benign"], label="benign")
settings = SimpleNamespace(address="MLSPEC_TEST_RAY", runtime_env={}, entrypoint_resources={"CPU": 1},
                           timeout_minutes=None, max_retries=0, package="ray[default]")
RayTrainEngine(settings).train_entrypoint(root, "src/train.py:train", data, {}, root / "train.log", 10)
"""


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_cancelling_mlspec_stops_the_ray_job(tmp_path: Path, address_env: str, signum: int) -> None:
    root = project(tmp_path, SLOW_TRAIN)
    script = tmp_path / "cancelled.py"
    script.write_text(CANCELLED)
    env = {**ray_env(), "MLSPEC_TEST_RAY": address_env, "PYTHONPATH": str(Path(__file__).parents[3])}
    child = subprocess.Popen(
        [sys.executable, str(script), str(root)], env=env, stderr=subprocess.PIPE, text=True, start_new_session=True
    )
    try:
        job_id = _wait_running(root / "train.log", child)
        child.send_signal(signum)
        _, stderr = child.communicate(timeout=120)
    finally:
        if child.poll() is None:
            os.killpg(child.pid, signal.SIGKILL)
    assert child.returncode != 0
    assert f"stopping Ray job {job_id}" in stderr
    assert job_status(address_env, job_id) == "STOPPED"


def _wait_running(log: Path, child: subprocess.Popen[str]) -> str:
    """The job id once the job's training has printed a step."""
    until = time.monotonic() + 180
    while time.monotonic() < until:
        text = log.read_text() if log.is_file() else ""
        if "step 1" in text:
            return text.split("mlspec: Ray job ", 1)[1].split()[0]
        assert child.poll() is None, "the mlspec process ended before the job ran"
        time.sleep(0.5)
    raise AssertionError("the Ray job did not start training within 180 s")


def test_a_job_whose_node_is_lost_is_submitted_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = project(tmp_path, SLOW_TRAIN)
    with two_node_cluster(worker_cpus=1) as (cluster, address):
        monkeypatch.setenv("MLSPEC_TEST_RAY", address)
        engine = RayTrainEngine(settings(max_retries=1), echo=False)
        jobs: list[str] = []
        original = engine.submit

        def submit(client: Any, work: Path) -> str:
            job_id = original(client, work)
            jobs.append(job_id)
            if len(jobs) == 1:  # kill the worker running the first attempt once it trains, add a fresh one
                _kill_worker_when_training(cluster, client, job_id)
                (tmp_path / "node-killed").touch()
            return job_id

        monkeypatch.setattr(engine, "submit", submit)
        params = {"steps": 600, "short_after": str(tmp_path / "node-killed")}
        model = engine.train_entrypoint(root, "src/train.py:train", tables(root), params, tmp_path / "t.log", 10)
        assert len(jobs) == 2
        assert job_status(address, jobs[0]) == "FAILED"
        assert job_status(address, jobs[1]) == "SUCCEEDED"
        assert hasattr(model, "predict_proba")


def test_a_lost_node_without_retries_fails_clearly(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = project(tmp_path, SLOW_TRAIN)
    with two_node_cluster(worker_cpus=1) as (cluster, address):
        monkeypatch.setenv("MLSPEC_TEST_RAY", address)
        engine = RayTrainEngine(settings(max_retries=0), echo=False)
        original = engine.submit

        def submit(client: Any, work: Path) -> str:
            job_id = original(client, work)
            _kill_worker_when_training(cluster, client, job_id, replace=False)
            return job_id

        monkeypatch.setattr(engine, "submit", submit)
        with pytest.raises(TrainingError) as caught:
            engine.train_entrypoint(root, "src/train.py:train", tables(root), {}, tmp_path / "t.log", 10)
        assert "a node running the job was lost" in caught.value.message
        assert "0 retries by train.engine.ray.max_retries" in caught.value.message


def _kill_worker_when_training(cluster: Any, client: Any, job_id: str, replace: bool = True) -> None:
    until = time.monotonic() + 180
    while "step 1" not in client.get_job_logs(job_id):
        assert time.monotonic() < until, json.dumps(str(client.get_job_info(job_id)))
        time.sleep(0.5)
    worker = next(node for node in cluster.list_all_nodes() if node is not cluster.head_node)
    cluster.remove_node(worker, allow_graceful=False)
    if replace:
        cluster.add_node(num_cpus=1, object_store_memory=100 * 1024 * 1024, **agent_ports())


class _Proxy:
    """A TCP forwarder 127.0.0.1:port -> the Jobs API, which can drop every connection and refuse new ones for a
    while: a real lost connection between mlspec and the cluster."""

    def __init__(self, target_port: int) -> None:
        import socket
        import threading

        self.target = target_port
        self.port = free_port()
        self.sockets: list[socket.socket] = []
        self.lock = threading.Lock()
        self.server: socket.socket | None = None
        self.open()

    def open(self) -> None:
        import socket
        import threading

        server = socket.socket()
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind(("127.0.0.1", self.port))
        server.listen(16)
        self.server = server
        threading.Thread(target=self._accept, args=(server,), daemon=True).start()

    def _accept(self, server: Any) -> None:
        import socket
        import threading

        while True:
            try:
                client, _ = server.accept()
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", self.target))
            with self.lock:
                self.sockets += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(source: Any, sink: Any) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for s in (source, sink):
                with contextlib.suppress(OSError):
                    s.close()

    def cut(self) -> None:
        import socket

        assert self.server is not None
        self.server.close()
        with self.lock:
            for s in self.sockets:
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)
                    s.close()
            self.sockets.clear()


def test_a_lost_connection_waits_for_the_same_job_again(
    tmp_path: Path, head: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import threading

    proxy = _Proxy(int(head.rsplit(":", 1)[1]))
    monkeypatch.setenv("MLSPEC_TEST_RAY", f"http://127.0.0.1:{proxy.port}")
    root = project(tmp_path, SLOW_TRAIN)
    engine = RayTrainEngine(settings(), echo=False)
    log = tmp_path / "train.log"

    def outage() -> None:  # once the job trains: 8 s without the cluster, then back
        until = time.monotonic() + 180
        while time.monotonic() < until and "step 1" not in (log.read_text() if log.is_file() else ""):
            time.sleep(0.3)
        proxy.cut()
        time.sleep(8)
        proxy.open()

    thread = threading.Thread(target=outage, daemon=True)
    thread.start()
    model = engine.train_entrypoint(root, "src/train.py:train", tables(root), {"steps": 40}, log, 10)
    thread.join(timeout=5)
    assert hasattr(model, "predict_proba")
    assert f"waiting for job {engine.last_job_id} again" in capsys.readouterr().err
    text = log.read_text()
    assert [line for line in text.splitlines() if line.startswith("step ")] == [f"step {i}" for i in range(40)]


def test_mlspec_train_on_ray_records_and_archives_the_model_as_locally(tmp_path: Path, address_env: str) -> None:
    """The whole train stage (`mlspec train`) with `train.engine.ray`: the job's log in the stage output, the
    run's record names the model, the archive CD uses is there."""
    import shutil

    from tests.helpers import run_mlspec

    root = tmp_path / "breast-cancer"
    shutil.copytree(EXAMPLE, root, ignore=shutil.ignore_patterns(".mlspec", "__pycache__"))
    spec = (
        (root / "mlproject.yaml")
        .read_text()
        .replace(
            "  seed: 42\n", "  seed: 42\n  engine: {ray: {address: MLSPEC_TEST_RAY, entrypoint_resources: {CPU: 1}}}\n"
        )
    )
    (root / "mlproject.yaml").write_text(spec)
    result = run_mlspec("train", "mlproject.yaml", cwd=root, env={**ray_env(), "MLSPEC_TEST_RAY": address_env})
    assert result.returncode == 0, result.stderr[-3000:]
    assert "submitted training to Ray as job mlspec-train-" in result.stderr
    assert "  ray | mlspec: training on Ray node" in result.stderr
    run_dir = root / ".mlspec" / "runs" / (root / ".mlspec" / "runs" / "latest").read_text().split()[0]
    record = json.loads((run_dir / "record.json").read_text())
    assert record["model"]["path"] == "model.bentomodel"
    assert (run_dir / "model.bentomodel").stat().st_size > 0
    assert record["params"] == {"n_estimators": 100, "max_depth": 6, "seed": 42}


SLOW_ON_RAY = """

def _slowly(train):  # on the cluster only (the SLOW file beside it): time to kill the mlspec process mid-wait
    import functools
    import time
    from pathlib import Path

    @functools.wraps(train)
    def wrapped(X, y, params):
        if Path(__file__).with_name("SLOW").exists():
            for step in range(40):
                print(f"step {step}", flush=True)
                time.sleep(0.5)
        return train(X, y, params)

    return wrapped


train = _slowly(train)
"""


def _example_copy(root: Path, *, on_ray: bool) -> Path:
    import shutil

    shutil.copytree(EXAMPLE, root, ignore=shutil.ignore_patterns(".mlspec", "__pycache__"))
    (root / "src" / "train.py").write_text((EXAMPLE / "src" / "train.py").read_text() + SLOW_ON_RAY)
    if on_ray:
        (root / "src" / "SLOW").touch()
        engine = "  seed: 42\n  engine: {ray: {address: MLSPEC_TEST_RAY, entrypoint_resources: {CPU: 1}}}\n"
        (root / "mlproject.yaml").write_text((root / "mlproject.yaml").read_text().replace("  seed: 42\n", engine))
    return root


def _latest_run(root: Path) -> Path:
    runs = root / ".mlspec" / "runs"
    return runs / (runs / "latest").read_text().split()[0]


def test_a_killed_mlspec_is_followed_by_one_that_waits_for_the_same_job(tmp_path: Path, address_env: str) -> None:
    """SIGKILL of the mlspec process while its Ray job trains: the next `mlspec train` of the same inputs waits
    for that job (one job submitted in all) and the model predicts as a local train's."""
    from ray.job_submission import JobSubmissionClient

    from tests.helpers import run_mlspec

    root = _example_copy(tmp_path / "on-ray", on_ray=True)
    env = {**ray_env(), "MLSPEC_TEST_RAY": address_env, "PYTHONPATH": str(Path(__file__).parents[3])}
    client = JobSubmissionClient(address_env)
    state = root / ".mlspec" / "stages" / "train"
    child = subprocess.Popen(
        [sys.executable, "-m", "mlspec", "train", "mlproject.yaml"],
        cwd=root,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        until = time.monotonic() + 240
        while True:  # the job id is recorded, the job trains
            recorded = list(state.glob("ray-job-*.json"))
            if recorded and "step 1" in _logs(client, json.loads(recorded[0].read_text())["job_id"]):
                break
            assert child.poll() is None, "mlspec ended before its Ray job trained"
            assert time.monotonic() < until, "the Ray job did not start training within 240 s"
            time.sleep(0.5)
        os.killpg(child.pid, signal.SIGKILL)
        child.wait(timeout=30)
    finally:
        if child.poll() is None:
            os.killpg(child.pid, signal.SIGKILL)
    entry = json.loads(recorded[0].read_text())
    job_id, inputs = entry["job_id"], entry["inputs"]
    assert job_status(address_env, job_id) in {"PENDING", "RUNNING"}  # mlspec died mid-wait, the job did not

    again = run_mlspec("train", "mlproject.yaml", cwd=root, env=env)
    assert again.returncode == 0, again.stderr[-3000:]
    assert f"waiting again for Ray job {job_id}, submitted by an earlier mlspec process" in again.stderr
    assert "submitted training to Ray" not in again.stderr
    mine = [job for job in client.list_jobs() if (job.metadata or {}).get("mlspec_inputs") == inputs]
    assert [(job.submission_id, str(job.status.value)) for job in mine] == [(job_id, "SUCCEEDED")]
    assert not list(state.glob("ray-job-*.json"))  # forgotten once the stage had the model
    record = json.loads((_latest_run(root) / "record.json").read_text())
    train_stage = next(stage for stage in record["stages"] if stage["name"] == "train")
    assert train_stage["inputs_digest"] == inputs
    assert train_stage["message"].endswith(f", trained on Ray as job {job_id}")
    assert [
        line for line in (_latest_run(root) / "train.log").read_text().splitlines() if line.startswith("step ")
    ] == [f"step {i}" for i in range(40)]  # the whole job's log, from its start

    local = _example_copy(tmp_path / "local", on_ray=False)
    for project in (root, local):
        done = run_mlspec("evaluate", "mlproject.yaml", cwd=project, env=env)
        assert done.returncode == 0, done.stderr[-3000:]
    predictions = (_latest_run(root) / "predictions.csv").read_text()
    assert predictions == (_latest_run(local) / "predictions.csv").read_text()
    assert len(predictions.splitlines()) > 100


def _logs(client: Any, job_id: str) -> str:
    try:
        return str(client.get_job_logs(job_id))
    except Exception:  # noqa: BLE001 - not submitted yet
        return ""
