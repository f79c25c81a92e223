"""CD accepts only the project's CT state artifact, from a CT run of the default branch in this repository (issue 23
item 3): `mlspec build --env ENV --locate` (CD's and the monitor's step before actions/download-artifact) checks the
name, then GET /repos/{o}/{r}/actions/runs/{id} on the GitHub stand-in over real HTTP, and says why it refuses."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlspec.state.deploy import ct_workflow
from tests.github_standin import GitHubStandIn
from tests.github_standin.runs import add_run
from tests.helpers import copy_example, run_cli
from tests.serve.conftest import CT_LINEAGE, example_in_staging

CT = ".github/workflows/mlspec-breast-cancer-ct.yml"
INNER = "runs/20260101T000000000000Z-00001/model.bentomodel"
NOT_DOWNLOADED = "nothing was downloaded"


def _project(tmp_path: Path, artifact: str) -> Path:
    return example_in_staging(tmp_path / "cd", "breast-cancer:v1aaaa", artifact, CT_LINEAGE)


def _locate(root: Path, standin: GitHubStandIn, **env: str):
    return run_cli("build", "mlproject.yaml", "--env", "staging", "--locate", cwd=root, env={**standin.env(), **env})


def test_the_ct_workflow_checked_is_the_one_render_writes(tmp_path: Path) -> None:
    root = copy_example("breast-cancer", tmp_path / "render")
    result = run_cli("render", "--root", str(root), cwd=root)
    assert result.returncode == 0, result.stdout + result.stderr
    assert (root / ct_workflow("breast-cancer")).is_file() and ct_workflow("breast-cancer") == CT


@pytest.mark.parametrize(
    "path",
    [CT, f"octo-org/ml-repo/{CT}@refs/heads/main", f"OCTO-ORG/ml-repo/{CT}@main"],
    ids=["plain", "qualified", "case"],
)
def test_a_ct_run_of_the_default_branch_is_located(tmp_path: Path, github_standin: GitHubStandIn, path: str) -> None:
    root = _project(tmp_path, f"gh-artifact:4242/mlspec-breast-cancer-ct-state/{INNER}")
    add_run(github_standin, 4242, workflow=path, event="push", head_branch="main")
    result = _locate(root, github_standin)
    assert result.returncode == 0, result.stderr
    folder = ".mlspec/artifacts/4242/mlspec-breast-cancer-ct-state"
    assert result.stdout.splitlines() == [
        "download=true",
        "tag=breast-cancer:v1aaaa",
        "run-id=4242",
        "name=mlspec-breast-cancer-ct-state",
        f"path={folder}",
        f"artifact={folder}/{INNER}",
    ]
    assert [r["status"] for r in github_standin.requests_to("GET", r"/actions/runs/4242$")] == [200]


@pytest.mark.parametrize(
    ("run", "reason"),
    [
        (
            {"workflow": ".github/workflows/mlspec-breast-cancer-ci.yml", "event": "pull_request"},
            f"it ran '.github/workflows/mlspec-breast-cancer-ci.yml', not the project's CT workflow {CT}",
        ),
        ({"workflow": CT, "event": "pull_request"}, "it ran for the event 'pull_request', not one CT runs on"),
        ({"workflow": CT, "event": "pull_request_target"}, "it ran for the event 'pull_request_target'"),
        ({"workflow": CT, "head_branch": "feature"}, "it ran on the branch 'feature', not on main"),
        (
            {"workflow": CT, "event": "workflow_dispatch", "head_repository": "mallory/ml-repo"},
            "its head_repository is mallory/ml-repo, not octo-org/ml-repo",
        ),
        (
            {"workflow": f"mallory/ml-repo/{CT}@main"},
            f"it ran 'mallory/ml-repo/{CT}@main', not the project's CT workflow",
        ),
    ],
    ids=["ci workflow", "pull_request", "pull_request_target", "other branch", "fork", "other repository's file"],
)
def test_a_run_that_is_not_ct_on_the_default_branch_is_refused(
    tmp_path: Path, github_standin: GitHubStandIn, run: dict, reason: str
) -> None:
    root = _project(tmp_path, f"gh-artifact:4242/mlspec-breast-cancer-ct-state/{INNER}")
    add_run(github_standin, 4242, **run)
    result = _locate(root, github_standin)
    assert result.returncode == 1
    assert result.stdout == ""  # nothing reaches $GITHUB_OUTPUT: the download step does not run
    assert "workflow run 4242 is not a CT run of breast-cancer on main in octo-org/ml-repo: " + reason in result.stderr
    assert NOT_DOWNLOADED in result.stderr
    assert "Traceback" not in result.stderr


def test_an_unknown_run_and_a_missing_token_are_refused(tmp_path: Path, github_standin: GitHubStandIn) -> None:
    root = _project(tmp_path, f"gh-artifact:4242/mlspec-breast-cancer-ct-state/{INNER}")
    result = _locate(root, github_standin)
    assert result.returncode == 1 and result.stdout == ""
    assert "workflow run 4242 does not exist in octo-org/ml-repo" in result.stderr
    add_run(github_standin, 4242, workflow=CT)
    result = _locate(root, github_standin, GITHUB_TOKEN="", GH_TOKEN="")
    assert result.returncode == 1 and result.stdout == ""
    assert "without a GitHub token; nothing was downloaded" in result.stderr


def test_an_artifact_other_than_the_ct_state_is_refused_before_any_request(
    tmp_path: Path, github_standin: GitHubStandIn
) -> None:
    """The CI reports of a pull request hold a model its code trained: refused by name, the API is not asked."""
    reference = f"gh-artifact:4242/mlspec-breast-cancer-ci-reports/{INNER}"
    root = _project(tmp_path, reference)
    add_run(github_standin, 4242, workflow=CT)
    result = _locate(root, github_standin)
    assert result.returncode == 1 and result.stdout == ""
    assert (
        f"model.artifact: {reference!r} names the artifact 'mlspec-breast-cancer-ci-reports', not "
        "'mlspec-breast-cancer-ct-state'"
    ) in result.stderr
    assert github_standin.requests == []
    other = _project(tmp_path / "other", f"gh-artifact:4242/mlspec-churn-ct-state/{INNER}")  # another project's
    assert "names the artifact 'mlspec-churn-ct-state'" in _locate(other, github_standin).stderr
