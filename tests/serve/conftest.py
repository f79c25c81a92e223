"""Session fixtures for serving: a real model of the breast-cancer example in the (isolated) BentoML
store, saved per the model contract; the Bento built from it by `mlspec build`; a running server."""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.github_standin.fixtures import github_standin  # noqa: F401
from tests.helpers import copy_example, run_mlspec

READY_TIMEOUT = 90.0


@dataclass
class Project:
    root: Path
    spec: Path
    tag: str
    model: Any
    X_test: Any  # pandas DataFrame of the test features


@dataclass
class Built:
    bento_tag: str
    service_file: Path
    stdout: str


@dataclass
class Server:
    url: str
    process: subprocess.Popen[str]


def save_contract_model(project_root: Path) -> tuple[str, Any, Any]:
    """Train the example's model on its train.csv and save it exactly per the model contract."""
    import warnings

    import bentoml
    import pandas as pd

    train_df = pd.read_csv(project_root / "data" / "train.csv")
    test_df = pd.read_csv(project_root / "data" / "test.csv")
    label = "benign"
    features = [c for c in train_df.columns if c != label]
    spec_file = importlib.util.spec_from_file_location("bc_train", project_root / "src" / "train.py")
    assert spec_file and spec_file.loader
    module = importlib.util.module_from_spec(spec_file)
    spec_file.loader.exec_module(module)
    model = module.train(train_df[features], train_df[label], {"n_estimators": 50, "max_depth": 6, "seed": 42})
    kinds = {"f": "float", "i": "int", "b": "bool", "O": "str"}
    metadata = {
        "project": "breast-cancer",
        "run_id": "20260101T000000000000Z-00001",
        "task": "binary",
        "label": label,
        "features": features,
        "dtypes": {c: kinds[train_df[c].dtype.kind] for c in features},
        "categorical": [],
        "classes": [int(c) for c in model.classes_],
        "data": {
            "train": "xxh3_128:0123456789abcdef0123456789abcdef",
            "test": "xxh3_128:fedcba9876543210fedcba9876543210",
        },
        "params": {"n_estimators": 50, "max_depth": 6},
        "git_commit": "0123456789abcdef0123456789abcdef01234567",
        "spec_digest": "sha256:00112233445566778899",
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        saved = bentoml.picklable_model.save_model(
            "breast-cancer",
            model,
            signatures={"predict": {"batchable": False}, "predict_proba": {"batchable": False}},
            labels={"project": "breast-cancer", "run_id": metadata["run_id"]},
            metadata=metadata,
        )
    return str(saved.tag), model, test_df[features]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_ready(url: str, process: subprocess.Popen[str], log: Path, timeout: float = READY_TIMEOUT) -> float:
    """Seconds until GET /readyz answers 200; fails when the server exits or the time runs out."""
    import requests

    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if process.poll() is not None:
            output = log.read_text(errors="replace")
            raise AssertionError(f"server exited with {process.returncode} before ready:\n{output[-3000:]}")
        try:
            if requests.get(f"{url}/readyz", timeout=2).status_code == 200:
                return time.monotonic() - start
        except requests.RequestException:
            pass
        time.sleep(0.25)
    raise AssertionError(f"{url}/readyz not ready within {timeout} s")


def start_server(spec: Path, port: int, log: Path) -> subprocess.Popen[str]:
    """`mlspec serve` in its own process group (so it and bentoml's workers stop together). Output goes
    to a file: an unread pipe fills up with access logs and blocks the server."""
    with open(log, "w") as handle:
        return subprocess.Popen(
            [sys.executable, "-m", "mlspec", "serve", str(spec), "--host", "127.0.0.1", "--port", str(port)],
            stdout=handle,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
            env={**os.environ},
        )


def stop_server(process: subprocess.Popen[str]) -> int:
    """Stop the server by its own process group; return its exit code (it must have exited)."""
    from mlspec.serve.server import stop_group

    stop_group(process, grace_seconds=30)
    try:  # no worker of the group may survive
        os.killpg(process.pid, 0)
        survivors = True
    except ProcessLookupError:
        survivors = False
    except PermissionError:
        survivors = True
    assert not survivors, f"processes of group {process.pid} still run after stopping the server"
    return int(process.returncode)


@contextmanager
def serving(spec: Path, log: Path) -> Iterator[Server]:
    """`mlspec serve` of ``spec`` on a free port (its output in ``log``), ready; stopped on the way out."""
    port = free_port()
    process = start_server(spec, port, log)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_ready(url, process, log)
        yield Server(url=url, process=process)
    finally:
        stop_server(process)


def spec_with_serving_log(project: Project, folder: Path, sink: str) -> Path:
    """The project's spec in ``folder`` with `serve.monitoring` logging every request to ``sink``, beside copies of
    its data and code (drift reads the training data, which must be inside the project)."""
    import yaml

    for name in ("data", "src"):
        shutil.copytree(project.root / name, folder / name)
    spec = yaml.safe_load(project.spec.read_text())
    spec["serve"]["monitoring"] = {"sample": 1.0, "sink": sink}
    spec_file = folder / "mlproject.yaml"
    spec_file.write_text(yaml.safe_dump(spec, sort_keys=False))
    return spec_file


def predict_in_chunks(url: str, rows: Any, size: int = 25) -> None:
    """POST the frame ``rows`` to /predict, ``size`` rows a request; every request must be answered 200."""
    import requests

    for start in range(0, len(rows), size):
        chunk = rows.iloc[start : start + size]
        answer = requests.post(f"{url}/predict", json={"rows": json.loads(chunk.to_json(orient="records"))}, timeout=60)
        assert answer.status_code == 200, answer.text[:300]


CT_LINEAGE = {"run_id": "20260101T000000000000Z-00001", "commit": "feedfacefeedface"}


def example_in_staging(folder: Path, tag: str, artifact: str, lineage: dict[str, str] | None = None) -> Path:
    """The breast-cancer example copied to ``folder`` with a deploy file naming model ``tag`` in staging at
    ``artifact`` (and the run's ``lineage``): what CD checks out once a promotion is merged."""
    from mlspec.state.deploy import DeployedModel, Deployment, write_deployment

    root = copy_example("breast-cancer", folder)
    model = DeployedModel(tag=tag, version=tag.split(":")[1], artifact=artifact)
    write_deployment(
        root, Deployment(project="breast-cancer", environment="staging", model=model, lineage=lineage or {})
    )
    return root


@pytest.fixture(scope="session")
def project(tmp_path_factory: pytest.TempPathFactory) -> Project:
    root = copy_example("breast-cancer", tmp_path_factory.mktemp("serve"))
    tag, model, X_test = save_contract_model(root)
    return Project(root=root, spec=root / "mlproject.yaml", tag=tag, model=model, X_test=X_test)


@pytest.fixture(scope="session")
def built(project: Project) -> Built:
    result = run_mlspec("build", str(project.spec), "--version", project.tag)
    assert result.returncode == 0, result.stderr
    line = next(text for text in result.stdout.splitlines() if text.startswith("Bento "))
    return Built(
        bento_tag=line.split()[1],
        service_file=project.root / ".mlspec/service/breast_cancer/service.py",
        stdout=result.stdout,
    )


@pytest.fixture(scope="session")
def server(project: Project, built: Built) -> Iterator[Server]:
    log = project.root / "serve.log"
    try:
        with serving(project.spec, log) as running:
            yield running
    finally:
        assert "serving breast_cancer:" in log.read_text(errors="replace")
