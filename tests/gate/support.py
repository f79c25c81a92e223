"""Builders shared by the gate and report tests: projects in git, run records, champions, real models."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

from mlspec.spec import load_spec
from mlspec.state.deploy import DeployedModel, Deployment, write_deployment
from mlspec.state.record import (
    Change,
    CheckOutcome,
    ConditionOutcome,
    DataFile,
    GitInfo,
    ModelRef,
    RunRecord,
    RunStore,
    StageResult,
    TestOutcome,
)
from tests.helpers import EXAMPLES, git, init_repo

TEST_DIGEST = "xxh3_128:" + "b" * 32


def project_with_gates(tmp_path: Path, gates_yaml: str, *, remote: bool = True) -> Path:
    """examples/breast-cancer in a git repository (local bare remote) with its `gates:` replaced."""
    work = tmp_path / "work"
    shutil.copytree(EXAMPLES / "breast-cancer", work, ignore=shutil.ignore_patterns(".mlspec", "__pycache__", "deploy"))
    spec = work / "mlproject.yaml"
    text = spec.read_text()
    text = re.sub(r"gates:\n(?:  - .*\n)+", gates_yaml.rstrip("\n") + "\n" if gates_yaml else "", text)
    spec.write_text(text)
    (work / ".gitignore").write_text(".mlspec/\n")
    return init_repo(work, remote=tmp_path / "remote.git" if remote else None)


def make_record(
    project: Path,
    metrics: dict[str, Any],
    *,
    run_id: str = "20250102T000000000000Z-00001",
    tag: str = "breast-cancer:challenger",
    save: bool = True,
    **extra: Any,
) -> RunRecord:
    loaded = load_spec(project / "mlproject.yaml")
    fields: dict[str, Any] = dict(
        run_id=run_id,
        project="breast-cancer",
        spec_path="mlproject.yaml",
        spec_digest=loaded.digest,
        created="2025-01-02T00:00:00.000000Z",
        git=GitInfo(commit="0123456789abcdef" * 2 + "01234567", branch="main"),
        data=[
            DataFile(role="train", path="data/train.csv", digest="xxh3_128:" + "a" * 32, bytes=80_000, rows=426),
            DataFile(role="test", path="data/test.csv", digest=TEST_DIGEST, bytes=27_000, rows=143),
        ],
        params={"n_estimators": 100, "max_depth": 6},
        seed=42,
        task="binary",
        metrics=metrics,
        model=ModelRef(tag=tag, kind="classifier"),
        status="passed",
        stages=[StageResult(name="evaluate", status="passed", seconds=0.4)],
    )
    fields.update(extra)
    record = RunRecord(**fields)
    if save:
        RunStore(project).save(record)
    return record


def commit_champion(
    project: Path,
    env: str,
    metrics: dict[str, Any],
    *,
    tag: str = "breast-cancer:champion",
    push: bool = True,
    lineage: dict[str, Any] | None = None,
) -> Deployment:
    """deploy/<env>.yaml committed on main (and pushed to origin): the champion, as after a merged promotion."""
    deployment = Deployment(
        project="breast-cancer",
        environment=env,
        model=DeployedModel(tag=tag, version=tag.split(":")[1]),
        metrics=metrics,
        lineage=lineage or {"run_id": "20250101T000000000000Z-00000", "data": {"test": TEST_DIGEST}},
    )
    write_deployment(project, deployment)
    git("add", f"deploy/{env}.yaml", cwd=project)
    git("commit", "-q", "-m", f"promote to {env}", cwd=project)
    if push:
        git("push", "-q", "origin", "main", cwd=project)
    return deployment


def checks(n_failed: int, n_passed: int, *, details: str = "") -> list[CheckOutcome]:
    out = []
    for i in range(n_failed):
        out.append(
            CheckOutcome(
                name=f"FeatureDrift{i:03d}",
                suite="train_test_validation",
                conditions=[
                    ConditionOutcome(
                        name=f"drift score < 0.2 for feature f{i}",
                        category="FAIL",
                        details=details
                        or f"Found 1 out of 30 features with drift score above threshold: f{i}: 0.{i:03d}",
                    )
                ],
            )
        )
    for i in range(n_passed):
        out.append(
            CheckOutcome(
                name=f"PassingCheck{i:03d}",
                suite="data_integrity",
                conditions=[
                    ConditionOutcome(
                        name="Ratio of mixed types is less or equal to 0%",
                        category="PASS",
                        details="Passed for 30 columns",
                    )
                ],
            )
        )
    return out


def outcome_of(kind: str, n_failed: int, n_passed: int, **kw: Any) -> TestOutcome:
    return TestOutcome(kind=kind, passed=n_failed == 0, checks=checks(n_failed, n_passed, **kw))


__all__ = ["Change", "checks", "commit_champion", "make_record", "project_with_gates", "outcome_of"]
