"""Issue 12 item 10: `mlspec drift` reads `triggers.drift.current` of the spec when --current is absent."""

from __future__ import annotations

import shutil

import pytest

from tests.helpers import run_mlspec

pytestmark = pytest.mark.slow  # trains and runs deepchecks for real: `make test-fast` skips it


def test_drift_uses_the_spec_current_without_the_flag(churn_project, tmp_path) -> None:
    project = churn_project.copy(tmp_path)
    shutil.copy(project.holdout, project.root / "data" / "current.csv")  # triggers.drift.current of the spec
    result = run_mlspec("drift", cwd=project.root)
    assert result.returncode == 0, result.stderr
    assert "the following arguments are required" not in result.stderr
    assert list((project.root / ".mlspec" / "drift").iterdir())
    assert "data/current.csv" in result.stdout + result.stderr


def test_without_flag_or_spec_current_it_says_what_to_do(churn_project, tmp_path) -> None:
    project = churn_project.copy(tmp_path)
    spec = project.root / "mlproject.yaml"
    spec.write_text(spec.read_text().replace("    current: data/current.csv\n", "    command: python fetch.py\n"))
    result = run_mlspec("drift", cwd=project.root)
    assert result.returncode == 2, result.stderr
    assert result.stderr == (
        f"error: {spec}: no current data to check: pass --current PATH, or set triggers.drift.current in the "
        "spec (triggers.drift.command writes the data: run it and pass its file)\n"
    )
