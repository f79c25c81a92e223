"""Only our own sticky comment and our own promotion PR are ever edited (issue 13.1): "ours" means the
marker or head branch AND the author is the token's account (GET /user; github-actions[bot] for the
workflow's GITHUB_TOKEN, which may not read /user)."""

from __future__ import annotations

import pytest

from mlspec.errors import GitHubError
from mlspec.hosts.github.client import GitHubSettings, comment_marker, connect
from tests.github_standin import GitHubStandIn
from tests.github_standin.server import Pull

MARKER = comment_marker("churn")


def _repo(standin: GitHubStandIn, **env: str):
    return connect(GitHubSettings.from_env(standin.env(**env)))


def _pr(standin: GitHubStandIn, repo, head: str = "feature") -> int:
    repo.create_branch(head, repo.branch_sha("main"))
    repo.write_file("a.txt", "a\n", message="a", branch=head)
    info, _ = repo.open_or_update_pr(head=head, base="main", title="T", body="B")
    return info.number


@pytest.mark.parametrize("installation_token", [False, True], ids=["user token", "GITHUB_TOKEN"])
def test_a_comment_by_someone_else_with_our_marker_is_never_edited(
    github_standin: GitHubStandIn, installation_token: bool
) -> None:
    github_standin.state.installation_token = installation_token
    repo = _repo(github_standin)
    number = _pr(github_standin, repo)
    bait = github_standin.state.add_comment(number, f"{MARKER}\nmallory's text", author="mallory")

    first_id, created = repo.upsert_comment(number, MARKER, "report 1")
    second_id, created_again = repo.upsert_comment(number, MARKER, "report 2")

    assert created and not created_again and first_id == second_id != bait.id
    assert bait.body == f"{MARKER}\nmallory's text"  # untouched
    ours = github_standin.state.comments[first_id]
    assert ours.body == f"{MARKER}\nreport 2"
    assert ours.author == ("github-actions[bot]" if installation_token else "mlspec-bot")
    assert repo.identity() == ours.author
    assert not github_standin.requests_to("PATCH", rf"/issues/comments/{bait.id}$")


def test_a_pull_request_on_our_branch_by_someone_else_is_not_updated(github_standin: GitHubStandIn) -> None:
    repo = _repo(github_standin)
    repo.create_branch("mlspec/promote/churn/staging", repo.branch_sha("main"))
    s = github_standin.state
    theirs = Pull(s.next_number, "mallory's PR", "their body", "mlspec/promote/churn/staging", "main", author="mallory")
    s.pulls[theirs.number] = theirs
    s.next_number += 1

    assert repo.find_pr("mlspec/promote/churn/staging", "main") is None
    with pytest.raises(GitHubError) as caught:
        repo.open_or_update_pr(head="mlspec/promote/churn/staging", base="main", title="Promote", body="ours")
    assert caught.value.message == (
        "cannot open a pull request from mlspec/promote/churn/staging into main in octo-org/ml-repo: an open pull "
        "request from mlspec/promote/churn/staging exists that mlspec-bot did not open, and mlspec only updates its own"
    )
    assert caught.value.hint == "close that pull request; mlspec then opens its own from mlspec/promote/churn/staging"
    assert (theirs.title, theirs.body) == ("mallory's PR", "their body")
    assert not github_standin.requests_to("PATCH", rf"/pulls/{theirs.number}$")


def test_our_own_pull_request_is_found_and_updated(github_standin: GitHubStandIn) -> None:
    github_standin.state.installation_token = True
    repo = _repo(github_standin)
    number = _pr(github_standin, repo, head="mlspec/promote/churn/staging")
    info, created = repo.open_or_update_pr(head="mlspec/promote/churn/staging", base="main", title="T2", body="B2")
    assert not created and info.number == number and github_standin.state.pulls[number].body == "B2"


def test_an_app_token_that_cannot_read_user_needs_mlspec_github_login(github_standin: GitHubStandIn) -> None:
    github_standin.state.installation_token = True  # GET /user is 403 for every installation token
    env = {k: v for k, v in github_standin.env().items() if k != "GITHUB_TOKEN"}
    repo = connect(
        GitHubSettings.from_env(
            {**env, "MLSPEC_PROMOTION_TOKEN": github_standin.token},
            token_variables=("MLSPEC_PROMOTION_TOKEN", "GITHUB_TOKEN"),
        )
    )
    with pytest.raises(GitHubError) as caught:
        repo.identity()
    assert caught.value.message == (
        "cannot tell which account MLSPEC_PROMOTION_TOKEN writes as: GitHub refused "
        "GET /user (403), as it does for GitHub App tokens"
    )
    assert "MLSPEC_GITHUB_LOGIN" in str(caught.value.hint)

    named = connect(
        GitHubSettings.from_env(
            {**env, "MLSPEC_PROMOTION_TOKEN": github_standin.token, "MLSPEC_GITHUB_LOGIN": "github-actions[bot]"},
            token_variables=("MLSPEC_PROMOTION_TOKEN",),
        )
    )
    assert named.identity() == "github-actions[bot]"
    assert not github_standin.requests_to("GET", r"^/user$")[1:]  # the named login needs no GET /user
