"""Run from a subfolder of a project, a command finds the spec above (up to the repository root) or says where it
looked (issue 22 item 11)."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import git, run_cli
from tests.pipeline.conftest import SPEC, write_project


def _repo(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    project = write_project(repo / "projects" / "churn")
    (project / "src" / "pkg").mkdir()
    git("init", "-q", "-b", "main", cwd=repo)
    return project


def test_a_command_in_a_subfolder_uses_the_spec_above(tmp_path: Path) -> None:
    project = _repo(tmp_path)
    status = run_cli("status", cwd=project / "src" / "pkg")
    assert status.returncode == 0, status.stderr
    assert status.stderr == "using ../../mlproject.yaml (found above the working folder)\n"
    assert status.stdout.startswith("no runs yet")
    valid = run_cli("validate", "--no-file-checks", cwd=project / "src")
    assert valid.returncode == 0 and valid.stdout == "ok: 1 spec valid\n", valid.stdout + valid.stderr


def test_no_spec_up_to_the_repository_root_says_where_it_looked(tmp_path: Path) -> None:
    project = _repo(tmp_path)
    (tmp_path / "mlproject.yaml").write_text(SPEC)  # above the repository: not this repository's project
    (project / "mlproject.yaml").unlink()
    folder = project / "src"
    result = run_cli("status", cwd=folder)
    assert result.returncode == 1
    looked = ", ".join(str(p) for p in [folder, project, project.parent, project.parent.parent])
    assert result.stderr.startswith(
        f"error: no mlproject.yaml found: looked in {looked} (up to the repository root)\n  hint: give the spec's path"
    )


def test_outside_a_repository_only_the_working_folder(tmp_path: Path) -> None:
    (tmp_path / "mlproject.yaml").write_text(SPEC)
    (tmp_path / "sub").mkdir()
    result = run_cli("status", cwd=tmp_path / "sub")
    assert result.returncode == 1
    assert result.stderr.startswith(
        f"error: no mlproject.yaml found: looked in {(tmp_path / 'sub').resolve()} (not in a git repository, so only here)"
    )


def test_show_given_a_spec_path_does_not_look_above(tmp_path: Path) -> None:
    project = _repo(tmp_path)
    result = run_cli("show", "projects/churn/mlproject.yaml", cwd=project.parent.parent)
    assert result.returncode == 1
    assert result.stderr.startswith("error: no runs yet under projects/churn/.mlspec/runs"), result.stderr
