"""The Ray engine's parts that need no cluster: the log channel the model comes back through, the staged
working directory, the resources mapping, the engine registry and the error without an address."""

from __future__ import annotations

import contextlib
import io
import pickle
import shutil
from pathlib import Path
from types import SimpleNamespace

import pytest

from mlspec.pipeline.engines import engine_for, engine_name
from mlspec.pipeline.engines.local import LocalTrainEngine
from mlspec.pipeline.engines.ray import JOB_DIR, RayJobError, RayTrainEngine, _LogReader, stage_project
from mlspec.pipeline.engines.ray_job import emit_failure, emit_model
from tests.helpers import EXAMPLES, init_repo, run_cli


def _printed(fn: object, *args: object) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        fn(*args)  # type: ignore[operator]
    return out.getvalue()


def test_the_model_comes_back_through_the_log_whatever_the_polls_cut(tmp_path: Path) -> None:
    model = pickle.dumps({"weights": list(range(50_000))})
    log = "epoch 1\nepoch 2\n" + _printed(emit_model, model)
    with open(tmp_path / "train.log", "w") as handle:
        reader = _LogReader(handle, echo=False)
        for end in range(0, len(log), 7919):  # what get_job_logs returns as the job goes on
            reader.feed(log[:end])
        reader.feed(log, final=True)
    assert reader.model() == model
    assert [line for line in reader.shown if line] == ["epoch 1", "epoch 2"]
    assert "@@mlspec" not in (tmp_path / "train.log").read_text()


def test_a_damaged_model_is_an_error(tmp_path: Path) -> None:
    log = _printed(emit_model, b"0123456789" * 1000).replace("MDEy", "MDEz", 1)
    with open(tmp_path / "train.log", "w") as handle:
        reader = _LogReader(handle, echo=False)
        reader.feed(log, final=True)
        with pytest.raises(RayJobError, match="arrived damaged"):
            reader.model()


def test_a_failure_line_is_read_and_not_shown(tmp_path: Path) -> None:
    log = "Traceback ...\nValueError: x\n" + _printed(emit_failure, {"message": "raised ValueError: x"})
    with open(tmp_path / "train.log", "w") as handle:
        reader = _LogReader(handle, echo=False)
        reader.feed(log, final=True)
    assert reader.failure == {"message": "raised ValueError: x"}
    assert reader.model() is None
    assert reader.shown[-1] == "ValueError: x"


def test_the_working_dir_has_the_code_not_the_data_caches_or_ignored_files(tmp_path: Path) -> None:
    root = tmp_path / "project"
    shutil.copytree(EXAMPLES / "breast-cancer", root, ignore=shutil.ignore_patterns(".mlspec", "__pycache__"))
    (root / ".gitignore").write_text("scratch/\n")
    (root / "scratch").mkdir()
    (root / "scratch" / "big.bin").write_bytes(b"x" * 100)
    init_repo(root)
    (root / ".mlspec").mkdir()
    (root / ".mlspec" / "state.json").write_text("{}")
    (root / "src" / "helpers.py").write_text("X = 1\n")  # untracked, not ignored: it is the code the user runs
    work = stage_project(root, tmp_path / "work", {(root / "data" / "train.csv").resolve()})
    files = {p.relative_to(work).as_posix() for p in work.rglob("*") if p.is_file()}
    assert {"mlproject.yaml", "src/train.py", "src/helpers.py", "data/test.csv"} <= files
    assert not {f for f in files if f.startswith(("scratch/", ".mlspec/", ".git/")) or f == "data/train.csv"}
    assert (work / JOB_DIR).is_dir()


def test_resources_map_to_the_jobs_api() -> None:
    settings = SimpleNamespace(entrypoint_resources={"CPU": 8, "GPU": 1, "memory": 2e9, "TPU": 4})
    assert RayTrainEngine(settings).resources() == {
        "entrypoint_num_cpus": 8,
        "entrypoint_num_gpus": 1,
        "entrypoint_memory": 2_000_000_000,
        "entrypoint_resources": {"TPU": 4},
    }


def test_the_runtime_env_keeps_the_users_and_adds_the_job(tmp_path: Path) -> None:
    settings = SimpleNamespace(
        runtime_env={"pip": ["xgboost==2.1.0"], "env_vars": {"A": "1"}, "py_modules": ["s3://m"]}
    )
    env = RayTrainEngine(settings).runtime_env(tmp_path)
    assert env["working_dir"] == str(tmp_path)
    assert env["pip"] == ["xgboost==2.1.0"]
    assert env["env_vars"] == {"A": "1", "PYTHONUNBUFFERED": "1"}
    assert env["py_modules"][0] == "s3://m"
    assert [Path(p).name for p in env["py_modules"][1:]] == ["mlspec", "cloudpickle"]


def test_the_engine_is_local_without_train_engine() -> None:
    ray = SimpleNamespace(address="RAY_ADDRESS")
    assert engine_name(SimpleNamespace(train=SimpleNamespace(engine=None))) == "local"
    assert isinstance(engine_for(SimpleNamespace(train=SimpleNamespace(engine=None))), LocalTrainEngine)
    spec = SimpleNamespace(train=SimpleNamespace(engine=SimpleNamespace(ray=ray)))
    assert isinstance(engine_for(spec), RayTrainEngine)


def test_without_the_address_variable_the_train_stage_says_what_to_set(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "breast-cancer"
    shutil.copytree(EXAMPLES / "breast-cancer", root, ignore=shutil.ignore_patterns(".mlspec", "__pycache__"))
    spec = (root / "mlproject.yaml").read_text()
    spec = spec.replace("  seed: 42\n", "  seed: 42\n  engine: {ray: {address: MLSPEC_TEST_NO_SUCH_RAY}}\n")
    (root / "mlproject.yaml").write_text(spec)
    monkeypatch.delenv("MLSPEC_TEST_NO_SUCH_RAY", raising=False)
    result = run_cli("train", "mlproject.yaml", cwd=root)
    assert result.returncode == 1
    assert "train.engine.ray.address: the environment variable MLSPEC_TEST_NO_SUCH_RAY is not set" in result.stderr
    assert "Traceback" not in result.stderr


class _Cluster:
    """The part of a Jobs API client the resume decision and the submission use, over a dict of job statuses."""

    def __init__(self, statuses: dict[str, str], ledger_path: Path | None = None) -> None:
        self.statuses = statuses
        self.ledger_path = ledger_path
        self.submitted: list[tuple[str, bool]] = []

    def get_job_info(self, job_id: str) -> SimpleNamespace:
        if job_id not in self.statuses:
            raise RuntimeError(f"Job {job_id} does not exist")
        return SimpleNamespace(status=SimpleNamespace(value=self.statuses[job_id]))

    def submit_job(self, *, submission_id: str, **_: object) -> str:
        recorded = self.ledger_path is not None and submission_id in self.ledger_path.read_text()
        self.submitted.append((submission_id, recorded))
        self.statuses[submission_id] = "PENDING"
        return submission_id


def _engine(tmp_path: Path, digest: str, monkeypatch: pytest.MonkeyPatch, address: str = "http://head:8265"):
    monkeypatch.setenv("MLSPEC_TEST_RAY", address)
    settings = SimpleNamespace(address="MLSPEC_TEST_RAY", runtime_env={}, entrypoint_resources={}, max_retries=0)
    return RayTrainEngine(settings, SimpleNamespace(root=tmp_path), inputs_digest=digest)


@pytest.mark.parametrize(
    ("status", "resumed"),
    [("PENDING", True), ("RUNNING", True), ("SUCCEEDED", True), ("FAILED", False), ("STOPPED", False)],
)
def test_a_recorded_job_is_waited_for_only_while_it_can_still_give_the_model(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, status: str, resumed: bool
) -> None:
    engine = _engine(tmp_path, "xxh3_128:abc123", monkeypatch)
    ledger = engine.ledger()
    assert ledger is not None
    assert ledger.path == tmp_path / ".mlspec" / "stages" / "train" / "ray-job-xxh3_128-abc123.json"
    ledger.record("mlspec-train-1")
    found = engine.resumable(_Cluster({"mlspec-train-1": status}), ledger)
    assert (found is not None and found.job_id == "mlspec-train-1") is resumed


def test_a_job_recorded_for_other_inputs_or_another_cluster_or_unknown_is_not_waited_for(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cluster = _Cluster({"mlspec-train-1": "RUNNING"})
    _engine(tmp_path, "other", monkeypatch).ledger().record("mlspec-train-1")  # type: ignore[union-attr]
    engine = _engine(tmp_path, "abc123", monkeypatch)
    assert engine.resumable(cluster, engine.ledger()) is None  # another inputs digest: another file
    stolen = engine.ledger()
    assert stolen is not None
    (tmp_path / ".mlspec" / "stages" / "train" / "ray-job-other.json").replace(stolen.path)
    assert engine.resumable(cluster, stolen) is None  # a file whose content names other inputs
    elsewhere = _engine(tmp_path, "abc123", monkeypatch, address="http://other-head:8265")
    elsewhere.ledger().record("mlspec-train-1")  # type: ignore[union-attr]
    monkeypatch.setenv("MLSPEC_TEST_RAY", "http://head:8265")
    assert engine.resumable(cluster, engine.ledger()) is None  # recorded against another cluster
    engine.ledger().record("mlspec-train-gone")  # type: ignore[union-attr]
    assert engine.resumable(cluster, engine.ledger()) is None  # the cluster does not know it (restarted)
    engine.ledger().record("mlspec-train-1")  # type: ignore[union-attr]
    assert engine.resumable(cluster, engine.ledger()) is not None


def test_the_job_id_is_recorded_before_the_submission(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    engine = _engine(tmp_path, "abc123", monkeypatch)
    ledger = engine.ledger()
    assert ledger is not None
    engine._ledger = ledger
    ledger.path.parent.mkdir(parents=True)
    ledger.path.write_text("{}")
    cluster = _Cluster({}, ledger.path)
    work = tmp_path / "work"
    (work / JOB_DIR).mkdir(parents=True)
    job_id = engine.submit(cluster, work)
    assert cluster.submitted == [(job_id, True)]  # the id was on disk when the cluster got the job
    recorded = ledger.recorded()
    assert recorded is not None and recorded.job_id == job_id and recorded.inputs == "abc123"
    assert not list(ledger.path.parent.glob("*.tmp*"))  # written through a temp file renamed over it


def test_without_a_project_nothing_is_recorded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MLSPEC_TEST_RAY", "http://head:8265")
    settings = SimpleNamespace(address="MLSPEC_TEST_RAY")
    assert RayTrainEngine(settings).ledger() is None
    assert RayTrainEngine(settings, SimpleNamespace(root=Path("/x"))).ledger() is None  # no inputs digest
