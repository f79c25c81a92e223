"""Issue 12 item 12: two specs in one folder share `.mlspec/` and `deploy/`. gate, report, promote and
build refuse a run record or deploy file of another project; validate and render refuse such specs."""

from __future__ import annotations

import shutil

import pytest

from mlspec.errors import MlspecError
from mlspec.serve.modelref import choose_model
from mlspec.spec import load_spec
from mlspec.state.record import RunStore
from tests.gate.support import commit_champion, make_record, project_with_gates
from tests.helpers import git, run_cli

RUN = "20250102T000000000000Z-00001"
HINT = (
    "  hint: give each spec its own folder: mlspec keeps a project's runs (.mlspec/) and deployments (deploy/) "
    "next to its spec"
)


@pytest.fixture
def two_specs(tmp_path):
    """breast-cancer's mlproject.yaml and other.yaml (project `other`) in one folder; `other` ran last."""
    project = project_with_gates(tmp_path, "gates:\n  - {metric: roc_auc, min: 0.5}\n")
    text = (project / "mlproject.yaml").read_text().replace("name: breast-cancer", "name: other")
    (project / "other.yaml").write_text(text)
    git("add", "other.yaml", cwd=project)
    git("commit", "-q", "-m", "second spec", cwd=project)
    record = make_record(project, {"roc_auc": 0.99}, tag="other:v1", save=False)
    RunStore(project).save(record.model_copy(update={"project": "other"}))
    return project


def _foreign_run(project) -> str:
    return (
        f"error: run {RUN} in {project / '.mlspec'} belongs to project 'other', not to 'breast-cancer' "
        f"({project / 'mlproject.yaml'}): another spec in the same folder shares its state\n{HINT}; "
        f"then run `mlspec run {project / 'mlproject.yaml'}`\n"
    )


@pytest.mark.parametrize("command", [["gate", "--env", "staging"], ["report"], ["promote", "--env", "staging"]])
def test_commands_refuse_the_run_of_another_project(two_specs, command) -> None:
    result = run_cli(command[0], str(two_specs / "mlproject.yaml"), *command[1:])
    assert result.returncode == 1
    assert result.stderr == _foreign_run(two_specs)
    assert "gate passed" not in result.stdout
    assert git("branch", "--list", "mlspec/promote/*", cwd=two_specs) == ""


def test_build_refuses_the_run_of_another_project(two_specs) -> None:
    with pytest.raises(MlspecError) as caught:
        choose_model(load_spec(two_specs / "mlproject.yaml"), None, None)
    assert caught.value.message.startswith(f"run {RUN} in ")
    assert "belongs to project 'other', not to 'breast-cancer'" in caught.value.message


def test_a_deploy_file_of_another_project_is_refused(tmp_path) -> None:
    project = project_with_gates(tmp_path, "gates:\n  - {metric: roc_auc, min_delta: 0.0}\n")
    champion = commit_champion(project, "staging", {"roc_auc": 0.5})
    text = (project / "deploy" / "staging.yaml").read_text().replace("project: breast-cancer", "project: other")
    (project / "deploy" / "staging.yaml").write_text(text)
    git("commit", "-q", "-am", "other's deployment", cwd=project)
    git("push", "-q", "origin", "main", cwd=project)
    make_record(project, {"roc_auc": 0.99})
    result = run_cli("gate", str(project / "mlproject.yaml"), "--env", "staging")
    assert result.returncode == 1
    assert result.stderr == (
        "error: origin/main:deploy/staging.yaml belongs to project 'other', not to "
        "'breast-cancer': another spec in the same folder shares its deploy/ folder\n"
        f"{HINT}\n"
    )
    with pytest.raises(MlspecError) as caught:
        choose_model(load_spec(project / "mlproject.yaml"), None, "staging")
    assert "deploy/staging.yaml belongs to project 'other', not to 'breast-cancer'" in caught.value.message
    assert champion.model.tag == "breast-cancer:champion"


def test_a_deploy_file_of_another_environment_is_refused(tmp_path) -> None:
    project = project_with_gates(tmp_path, "gates:\n  - {metric: roc_auc, min_delta: 0.0}\n")
    commit_champion(project, "production", {"roc_auc": 0.5})
    shutil.copy(project / "deploy" / "production.yaml", project / "deploy" / "staging.yaml")
    git("add", "deploy", cwd=project)
    git("commit", "-q", "-m", "copied", cwd=project)
    git("push", "-q", "origin", "main", cwd=project)
    make_record(project, {"roc_auc": 0.99})
    result = run_cli("gate", str(project / "mlproject.yaml"), "--env", "staging")
    assert result.returncode == 1
    assert result.stderr.startswith(
        "error: origin/main:deploy/staging.yaml is read as the deployment of 'staging' "
        "but names the environment 'production'\n"
    )


@pytest.mark.parametrize("command", ["validate", "render"])
def test_validate_and_render_refuse_specs_sharing_a_folder(two_specs, command) -> None:
    a, b = two_specs / "mlproject.yaml", two_specs / "other.yaml"
    before = git("status", "--porcelain", cwd=two_specs)
    result = run_cli(command, str(a), str(b), cwd=two_specs)
    assert result.returncode == 1, result.stdout + result.stderr
    assert result.stderr == (
        f"error: mlproject.yaml, other.yaml are in the same folder .: they would share its run state (.mlspec) and "
        "deployment files (deploy), so one project's runs and deployments would be read as another's\n"
        f"{HINT}\n"
    )
    assert git("status", "--porcelain", cwd=two_specs) == before  # nothing was rendered
    alone = run_cli(command, str(a), str(a), cwd=two_specs)  # the same spec twice is no collision
    assert "same folder" not in alone.stderr


def test_specs_in_separate_folders_or_named_twice_do_not_clash(tmp_path) -> None:
    from mlspec.errors import SpecError
    from mlspec.ownership import check_separate_state

    for spec in ("a/mlproject.yaml", "b/mlproject.yaml", "a/other.yaml"):
        (tmp_path / spec).parent.mkdir(exist_ok=True)
        (tmp_path / spec).write_text("")
    a, b, other = tmp_path / "a/mlproject.yaml", tmp_path / "b/mlproject.yaml", tmp_path / "a/other.yaml"
    check_separate_state([a, b, tmp_path / "a" / ".." / "a" / "mlproject.yaml"])  # the same spec twice is one spec
    with pytest.raises(SpecError) as caught:
        check_separate_state([a, b, other])
    assert caught.value.message.startswith(f"{a}, {other} are in the same folder {tmp_path / 'a'}: ")
