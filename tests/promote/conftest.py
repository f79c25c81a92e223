from __future__ import annotations

import io
import json
import shutil
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from mlspec.gate.results import GateReport, GateResult
from mlspec.spec import load_spec
from mlspec.state.record import DataFile, GitInfo, ModelRef, RunRecord, RunStore, utc_now
from tests.github_standin import GitHubStandIn
from tests.github_standin.artifacts import attach
from tests.github_standin.fixtures import github_standin  # noqa: F401
from tests.helpers import EXAMPLES, git, init_repo

PROJECT_DIR = "projects/breast-cancer"


def gate_report(passed: bool, env: str = "staging") -> GateReport:
    """A gate verdict handed to promotion (the input promotion acts on; the gate logic lives in mlspec.gate)."""
    result = GateResult(
        index=0,
        metric="roc_auc",
        kind="absolute",
        direction="higher",
        threshold="roc_auc >= 0.95",
        verdict="pass" if passed else "fail",
        reason="" if passed else "0.5000 is below the minimum 0.95",
        value=0.99 if passed else 0.5,
    )
    return GateReport(
        project="breast-cancer",
        run_id="-",
        environment=env,
        model_tag=None,
        champion=None,
        champion_source="",
        results=[result],
    )


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """examples/breast-cancer inside a subfolder of a git repository (with a local bare remote);
    staging gets labels and a reviewer."""
    work = tmp_path / "work"
    target = work / PROJECT_DIR
    shutil.copytree(
        EXAMPLES / "breast-cancer", target, ignore=shutil.ignore_patterns(".mlspec", "__pycache__", "deploy")
    )
    spec = target / "mlproject.yaml"
    text = spec.read_text()
    assert "  - name: staging\n" in text
    spec.write_text(
        text.replace(
            "  - name: staging\n", "  - name: staging\n    labels: [promotion, staging]\n    reviewers: [alice, bob]\n"
        )
    )
    (work / ".gitignore").write_text(".mlspec/\n")
    init_repo(work, remote=tmp_path / "remote.git")
    return target


def make_record(
    project: Path, tag: str = "breast-cancer:v1aaaa", roc_auc: float = 0.99, save: bool = True
) -> RunRecord:
    loaded = load_spec(project / "mlproject.yaml")
    record = RunRecord(
        run_id=f"20250101T000000000000Z-{tag.split(':')[1]}",
        project="breast-cancer",
        spec_path="mlproject.yaml",
        spec_digest=loaded.digest,
        created=utc_now(),
        git=GitInfo(commit=git("rev-parse", "HEAD", cwd=project)),
        data=[
            DataFile(role="train", path="data/train.csv", digest="xxh3_128:" + "a" * 32, bytes=10),
            DataFile(role="test", path="data/test.csv", digest="xxh3_128:" + "b" * 32, bytes=5),
        ],
        params={"n_estimators": 100, "max_depth": 6},
        seed=42,
        task="binary",
        metrics={"roc_auc": roc_auc, "f1": 0.97, "accuracy": 0.96, "log_loss": 0.1},
        model=ModelRef(tag=tag, kind="classifier"),
        status="passed",
    )
    if save:
        RunStore(project).save(record)
    return record


CI_REPORTS = "mlspec-breast-cancer-ci-reports"


@pytest.fixture
def artifacts(tmp_path: Path, github_standin: GitHubStandIn) -> Iterator[Path]:  # noqa: F811 - the fixture above
    """The stand-in's artifact storage (what upload-artifact stored, by run id), served over its HTTP API."""
    storage = tmp_path / "artifact-storage"
    storage.mkdir()
    store = attach(github_standin, storage)
    yield storage
    store.stop()


def ci_reports(
    storage: Path,
    run_id: int,
    files: dict[str, str],
    reviewed_run: str = "20250101T000000Z-pr",
    stages: list | None = None,
) -> None:
    """The CI reports artifact of ``run_id`` as upload-artifact stores it: `latest` and `<run id>/...` at its root."""
    folder = storage / str(run_id) / CI_REPORTS
    folder.mkdir(parents=True)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zipped:
        zipped.writestr("latest", reviewed_run + "\n")
        zipped.writestr(f"{reviewed_run}/record.json", json.dumps({"run_id": reviewed_run, "stages": stages or []}))
        for name, content in files.items():
            zipped.writestr(f"{reviewed_run}/{name}", content)
    (folder / f"{CI_REPORTS}.zip").write_bytes(buffer.getvalue())
