"""Promotion through the GitHub API (real HTTP against the stand-in, real git for the repository path)."""

from __future__ import annotations

import pytest

from mlspec.errors import GitHubError, StageFailed
from mlspec.promote.commands import promote_loaded
from mlspec.spec import load_spec
from mlspec.state.deploy import parse_deployment
from tests.github_standin import GitHubStandIn
from tests.promote.conftest import PROJECT_DIR, gate_report, make_record

STAGING_FILE = f"{PROJECT_DIR}/deploy/staging.yaml"
BRANCH = "mlspec/promote/breast-cancer/staging"


def _promote(project, standin: GitHubStandIn, record, env: str = "staging", **kw) -> int:
    return promote_loaded(
        load_spec(project / "mlproject.yaml"),
        record,
        env,
        gate_report(True),
        environ=standin.env(GITHUB_ACTOR="ci-bot", GITHUB_RUN_ID="77"),
        **kw,
    )


def test_first_promotion_opens_a_pull_request(project, github_standin: GitHubStandIn, capsys) -> None:
    record = make_record(project)
    assert _promote(project, github_standin, record) == 0
    (pull,) = github_standin.state.pulls.values()
    assert (pull.head, pull.base, pull.state) == (BRANCH, "main", "open")
    assert pull.title == "Promote breast-cancer to staging: breast-cancer:v1aaaa"
    assert "## Promote `breast-cancer` to `staging`" in pull.body
    assert f"sets `{STAGING_FILE}` to model `breast-cancer:v1aaaa`" in pull.body
    assert "| roc_auc | 0.9900 |" in pull.body or "0.99" in pull.body  # metrics reach the reviewer
    assert "roc_auc >= 0.95" in pull.body  # the gate table
    assert pull.labels == ["promotion", "staging"]
    assert pull.reviewers == ["alice", "bob"]
    deployment = parse_deployment(github_standin.state.file_text(BRANCH, STAGING_FILE), STAGING_FILE)
    assert deployment.model.tag == "breast-cancer:v1aaaa" and deployment.model.version == "v1aaaa"
    assert deployment.metrics["roc_auc"] == 0.99
    assert deployment.lineage["run_id"] == record.run_id and deployment.lineage["commit"] == record.git.commit
    assert deployment.lineage["data"] == {"train": "xxh3_128:" + "a" * 32, "test": "xxh3_128:" + "b" * 32}
    assert deployment.promoted["by"] == "ci-bot"
    assert deployment.promoted["trigger"]["run_url"].endswith("/octo-org/ml-repo/actions/runs/77")
    assert github_standin.state.file_text("main", STAGING_FILE) is None  # main is untouched: only the PR changes it
    assert "opened pull request #1" in capsys.readouterr().out


def test_rerun_updates_the_same_pull_request(project, github_standin: GitHubStandIn) -> None:
    record = make_record(project)
    _promote(project, github_standin, record)
    sha = github_standin.state.branch_sha(BRANCH)
    _promote(project, github_standin, record)
    _promote(project, github_standin, record)
    assert list(github_standin.state.pulls) == [1]
    assert github_standin.state.branch_sha(BRANCH) == sha  # same candidate: no new commit
    assert github_standin.requests_to("POST", r"/pulls$")[-1]["status"] == 201
    assert len(github_standin.requests_to("POST", r"/pulls$")) == 1
    assert github_standin.state.comments == {}


def test_better_candidate_supersedes_the_open_one(project, github_standin: GitHubStandIn) -> None:
    _promote(project, github_standin, make_record(project, "breast-cancer:v1aaaa"))
    _promote(project, github_standin, make_record(project, "breast-cancer:v2bbbb", roc_auc=0.995))
    (pull,) = github_standin.state.pulls.values()
    assert pull.number == 1 and pull.title.endswith("breast-cancer:v2bbbb")
    assert "**Supersedes** `breast-cancer:v1aaaa`" in pull.body
    text = github_standin.state.file_text(BRANCH, STAGING_FILE)
    assert parse_deployment(text, STAGING_FILE).model.tag == "breast-cancer:v2bbbb"
    (comment,) = github_standin.state.comments_on(1)
    assert "Superseded `breast-cancer:v1aaaa`" in comment.body and "breast-cancer:v2bbbb" in comment.body


def test_requires_the_model_in_the_required_environment(project, github_standin: GitHubStandIn) -> None:
    record = make_record(project)
    with pytest.raises(StageFailed, match=r"production requires staging: .*staging.yaml on main does not exist"):
        _promote(project, github_standin, record, env="production")
    assert github_standin.state.pulls == {}
    # staging promoted and merged (simulated by committing the file on main): production may follow
    _promote(project, github_standin, record)
    github_standin.state.put_file("main", STAGING_FILE, github_standin.state.file_text(BRANCH, STAGING_FILE))
    assert _promote(project, github_standin, record, env="production") == 0
    production = [p for p in github_standin.state.pulls.values() if p.head.endswith("/production")]
    assert production and production[0].labels == ["promotion"]
    text = github_standin.state.file_text(production[0].head, f"{PROJECT_DIR}/deploy/production.yaml")
    assert parse_deployment(text, "x").promoted["from_environment"] == "staging"


def test_dry_run_changes_nothing(project, github_standin: GitHubStandIn, capsys) -> None:
    assert _promote(project, github_standin, make_record(project), dry_run=True) == 0
    writes = [r for r in github_standin.requests if r["method"] != "GET"]
    assert writes == [] and github_standin.state.pulls == {}
    out = capsys.readouterr().out
    assert "dry run: would open a pull request" in out and STAGING_FILE in out


def test_actions_not_permitted_gives_the_setting_to_change(project, github_standin: GitHubStandIn) -> None:
    github_standin.state.actions_may_create_prs = False
    with pytest.raises(GitHubError) as caught:
        _promote(project, github_standin, make_record(project))
    assert caught.value.message == (
        "GitHub refused to let this workflow's token open a pull request from "
        f"{BRANCH} into main in octo-org/ml-repo (403 GitHub Actions is not permitted to create or approve pull requests)"
    )
    assert caught.value.hint.startswith(
        'enable Settings → Actions → General → Workflow permissions → "Allow GitHub Actions to create and approve '
        'pull requests"'
    )
    assert "MLSPEC_PROMOTION_TOKEN" in caught.value.hint


def test_transient_failures_are_retried(project, github_standin: GitHubStandIn) -> None:
    github_standin.inject("POST", r"/pulls$", [502, 503])
    github_standin.inject("PUT", r"/contents/", [429], retry_after=0.2)
    _promote(project, github_standin, make_record(project))
    assert [r["status"] for r in github_standin.requests_to("POST", r"/pulls$")] == [502, 503, 201]
    puts = github_standin.requests_to("PUT", r"/contents/")
    assert [r["status"] for r in puts] == [429, 201, 201]  # the deploy file (retried), then its model card
    assert puts[1]["time"] - puts[0]["time"] >= 0.2  # Retry-After honoured
    assert len(github_standin.state.pulls) == 1
