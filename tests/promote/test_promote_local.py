"""Promotion without a token (the local default) and through the CLI."""

from __future__ import annotations

import json

import pytest

from mlspec.promote.commands import promote_loaded
from mlspec.spec import load_spec
from mlspec.state.deploy import parse_deployment
from mlspec.state.record import RunStore
from tests.github_standin import GitHubStandIn
from tests.helpers import git, run_cli
from tests.promote.conftest import PROJECT_DIR, gate_report, make_record

BRANCH = "mlspec/promote/breast-cancer/staging"
STAGING_FILE = f"{PROJECT_DIR}/deploy/staging.yaml"


def _local(project, record, **kw) -> int:
    return promote_loaded(load_spec(project / "mlproject.yaml"), record, "staging", gate_report(True), environ={}, **kw)


def test_local_mode_creates_the_branch_and_writes_the_pr_files(project, capsys) -> None:
    work = project.parents[1]
    status_before = git("status", "--porcelain", cwd=work)
    record = make_record(project)
    assert _local(project, record) == 0
    assert git("symbolic-ref", "--short", "HEAD", cwd=work) == "main"  # the user's branch and tree are untouched
    assert git("status", "--porcelain", cwd=work) == status_before
    assert not (project / "deploy" / "staging.yaml").exists()
    text = git("show", f"{BRANCH}:{STAGING_FILE}", cwd=work)
    assert parse_deployment(text, "x").model.tag == "breast-cancer:v1aaaa"
    remote = work.parent / "remote.git"
    assert git("rev-parse", BRANCH, cwd=remote) == git("rev-parse", BRANCH, cwd=work)
    folder = project / ".mlspec" / "promotions" / "staging"
    assert (folder / "pr-title.txt").read_text() == "Promote breast-cancer to staging: breast-cancer:v1aaaa\n"
    body = (folder / "pr-body.md").read_text()
    assert "## Promote `breast-cancer` to `staging`" in body and "roc_auc" in body
    assert json.loads((folder / "pr.json").read_text())["labels"] == ["promotion", "staging"]
    out = capsys.readouterr().out
    assert f"wrote the pull request title to {folder / 'pr-title.txt'}" in out

    tip = git("rev-parse", BRANCH, cwd=work)
    _local(project, record)  # same candidate: nothing new
    assert git("rev-parse", BRANCH, cwd=work) == tip
    _local(project, make_record(project, "breast-cancer:v2bbbb"))  # newer candidate: one more commit on the branch
    assert git("rev-parse", f"{BRANCH}~1", cwd=work) == tip
    assert "**Supersedes** `breast-cancer:v1aaaa`" in (folder / "pr-body.md").read_text()
    assert git("rev-parse", BRANCH, cwd=remote) == git("rev-parse", BRANCH, cwd=work)


def test_local_dry_run_changes_nothing(project, capsys) -> None:
    work = project.parents[1]
    assert _local(project, make_record(project), dry_run=True) == 0
    assert git("branch", "--list", BRANCH, cwd=work) == ""
    assert not (project / ".mlspec" / "promotions").exists()
    assert "dry run: nothing was changed" in capsys.readouterr().out


def test_gate_failure_opens_nothing(project, github_standin: GitHubStandIn) -> None:
    make_record(project, roc_auc=0.5)  # the example's gate needs roc_auc >= 0.95
    for env in ({}, github_standin.env()):
        result = run_cli("promote", str(project / "mlproject.yaml"), "--env", "staging", env=env)
        assert result.returncode == 1, result.stderr
        assert "did not pass" in result.stderr and "nothing was promoted" in result.stderr
        assert "roc_auc" in result.stdout  # the gate table
        # as plain text for a terminal or a CI log, the verdict line last; it printed the Markdown table
        assert "|---|" not in result.stdout and "**fail**" not in result.stdout
        assert "gate NOT passed for breast-cancer (staging)" in result.stdout.strip().splitlines()[-1]
    assert github_standin.state.pulls == {} and github_standin.state.branch_sha(BRANCH) is None
    assert git("branch", "--list", BRANCH, cwd=project) == ""
    assert not (project / ".mlspec" / "promotions").exists()


def test_cli_promotes_through_the_api_when_the_gate_passes(project, github_standin: GitHubStandIn) -> None:
    make_record(project, roc_auc=0.99)
    result = run_cli("promote", str(project / "mlproject.yaml"), "--env", "staging", env=github_standin.env())
    assert result.returncode == 0, result.stderr
    assert "opened pull request #1" in result.stdout
    assert github_standin.token not in result.stdout + result.stderr


def test_cli_without_runs_says_what_to_do(project) -> None:
    result = run_cli("promote", str(project / "mlproject.yaml"), "--env", "staging")
    assert result.returncode == 1
    assert "no runs yet" in result.stderr and "Traceback" not in result.stderr
    assert RunStore(project).latest_id() is None


@pytest.mark.parametrize(
    "workflow_run, expected",
    [
        ({}, ".mlspec/runs/{run}/model.bentomodel"),
        ({"GITHUB_RUN_ID": "987654"}, "gh-artifact:987654/mlspec-breast-cancer-ct-state/runs/{run}/model.bentomodel"),
    ],
)
def test_the_deployment_names_where_cd_finds_the_exported_model(project, workflow_run, expected) -> None:
    """Locally the archive beside the run record; in Actions the file inside the CT run's state artifact."""
    from mlspec.hosts.github.client import GitHubSettings
    from mlspec.promote.commands import build_plan

    record = make_record(project)

    def planned_artifact() -> str | None:
        plan, _top = build_plan(
            load_spec(project / "mlproject.yaml"),
            record,
            "staging",
            gate_report(True),
            GitHubSettings.from_env(workflow_run),
        )
        return plan.deployment.model.artifact

    record.model.path = "model.bentomodel"
    assert planned_artifact() == expected.format(run=record.run_id)
    record.model.path = None  # no archive exported: nothing to name
    assert planned_artifact() is None


def test_a_repository_without_the_base_branch_names_its_current_branch(project) -> None:
    """A newcomer's `git init` made `master` while the spec's promotions target `main`: the error says both."""
    from mlspec.errors import MlspecError

    work = project.parents[1]
    git("branch", "-m", "main", "master", cwd=work)
    with pytest.raises(MlspecError) as info:
        _local(project, make_record(project), dry_run=True)
    assert info.value.message == f"base branch main does not exist in {work} (its current branch is master)"
    assert info.value.hint == (
        "promotion PRs target the spec's first triggers.branches entry (main): set triggers.branches "
        "to your default branch, e.g. `triggers: {branches: [master]}`"
    )
