"""`mlspec validate` with no spec at a monorepo's root (or a folder of projects) validates the specs under it, as
`mlspec render` renders them; it said "mlproject.yaml:1:1: file not found" with no hint. Outside git it does not
walk the folder, and the not-found error says what to do."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

from tests.helpers import run_cli


def _monorepo(tmp_path: Path, cases: Path) -> Path:
    root = tmp_path / "mono"
    for name in ("churn", "houses"):
        shutil.copytree(cases / "valid" / "minimal", root / "models" / name)
        spec = root / "models" / name / "mlproject.yaml"
        spec.write_text(spec.read_text("utf-8").replace("name: churn", f"name: {name}"), "utf-8")
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    return root


def test_validate_at_a_monorepo_root_checks_every_spec_under_it(tmp_path: Path, cases: Path) -> None:
    root = _monorepo(tmp_path, cases)
    (root / "models" / "houses" / "mlproject.yaml").write_text(
        (root / "models" / "houses" / "mlproject.yaml").read_text("utf-8").replace("task: binary", "task: binry")
    )
    result = run_cli("validate", cwd=root)
    assert result.returncode == 1, result.stderr
    assert "no ./mlproject.yaml: validating the specs under this folder: models/churn/mlproject.yaml, " in result.stderr
    assert result.stdout.startswith("models/houses/mlproject.yaml:")
    assert result.stdout.endswith("1 error in 1 file (2 checked)\n")
    result = run_cli("validate", "--format", "json", cwd=root / "models")
    assert result.returncode == 1
    assert [f["file"] for f in json.loads(result.stdout)["files"]] == ["churn/mlproject.yaml", "houses/mlproject.yaml"]


def test_validate_inside_a_project_still_means_that_project(tmp_path: Path, cases: Path) -> None:
    root = _monorepo(tmp_path, cases)
    result = run_cli("validate", "--format", "json", cwd=root / "models" / "churn" / "src")
    assert result.returncode == 0, result.stdout
    assert [f["file"] for f in json.loads(result.stdout)["files"]] == ["../mlproject.yaml"]


def test_outside_git_no_folder_is_walked_and_the_error_says_what_to_do(tmp_path: Path, cases: Path) -> None:
    shutil.copytree(cases / "valid" / "minimal", tmp_path / "projects" / "churn")
    result = run_cli("validate", cwd=tmp_path / "projects")
    assert result.returncode == 1
    assert result.stdout.startswith("mlproject.yaml:1:1: (file): file not found [file]\n  hint: give the spec's path")


def test_a_one_project_command_at_a_monorepo_root_names_the_specs_below(tmp_path: Path, cases: Path) -> None:
    root = _monorepo(tmp_path, cases)
    for command in (["status"], ["test", "data"], ["show"]):
        result = run_cli(*command, cwd=root)
        assert result.returncode == 1, (command, result.stderr)
        assert "Traceback" not in result.stderr
        assert result.stderr.endswith(
            f"  hint: name the project's spec, e.g. `mlspec {' '.join(command)} models/churn/mlproject.yaml` "
            "(specs under this folder: models/churn/mlproject.yaml, models/houses/mlproject.yaml)\n"
        ), result.stderr


def test_with_no_spec_below_either_the_hint_is_the_general_one(tmp_path: Path) -> None:
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    result = run_cli("status", cwd=tmp_path)
    assert result.returncode == 1
    assert "hint: give the spec's path (e.g. `mlspec run path/to/mlproject.yaml`)" in result.stderr


def test_a_project_folder_or_a_misspelt_spec_name_points_at_the_spec(tmp_path: Path, cases: Path) -> None:
    shutil.copytree(cases / "valid" / "minimal", tmp_path / "plants")
    for command in ("validate", "run"):
        result = run_cli(command, "plants", cwd=tmp_path)
        assert result.returncode == 1 and "Traceback" not in result.stderr
        assert (
            "plants:1:1: (file): is a directory, not a spec file [file]\n  hint: did you mean plants/mlproject.yaml?"
            in (result.stdout + result.stderr)
        ), command
        result = run_cli(command, "plants/mlproject.yml", cwd=tmp_path)
        assert result.returncode == 1
        assert "(file): file not found [file]\n  hint: did you mean plants/mlproject.yaml?" in (
            result.stdout + result.stderr
        ), command
