"""Every bundled example, and the project `mlspec init` scaffolds, passes its own pipeline: the
data and model tests its spec declares, the training, the evaluation and the gates of its first
environment. An example whose CT fails out of the box would teach users to ignore red checks."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.helpers import ROOT, run_mlspec

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("examples")]

EXAMPLES = sorted(p.parent.relative_to(ROOT / "examples") for p in (ROOT / "examples").rglob("mlproject.yaml"))


def test_the_examples_are_found() -> None:
    assert [str(p) for p in EXAMPLES] == ["breast-cancer", "monorepo/projects/diabetes", "monorepo/projects/wine"]


@pytest.mark.parametrize("example", [*EXAMPLES, "mlspec init"], ids=str)
def test_example_pipeline_and_gate_pass(example: Path | str, tmp_path: Path) -> None:
    import shutil

    if example == "mlspec init":  # the scaffold is an example too: the first thing a user runs
        project = tmp_path / "scaffold"
        assert run_mlspec("init", str(project)).returncode == 0
    else:
        project = tmp_path / example.name
        shutil.copytree(ROOT / "examples" / example, project, ignore=shutil.ignore_patterns(".mlspec", "__pycache__"))
    env = {"BENTOML_HOME": str(tmp_path / "bentoml"), **{k: "" for k in os.environ if k.startswith("GITHUB_")}}
    run = run_mlspec("run", cwd=project, env=env)
    assert run.returncode == 0, run.stdout + run.stderr
    record = json.loads(next((project / ".mlspec" / "runs").glob("*/record.json")).read_text())
    assert [(s["name"], s["status"]) for s in record["stages"]] == [
        ("data_tests", "passed"),
        ("train", "passed"),
        ("evaluate", "passed"),
        ("model_tests", "passed"),
    ]
    gate = run_mlspec("gate", cwd=project, env=env)
    assert gate.returncode == 0, gate.stdout + gate.stderr
    assert "gate passed for" in gate.stdout
