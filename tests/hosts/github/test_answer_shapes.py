"""Answers of a shape GitHub does not document are GitHubErrors naming the request (issue 23 item 4), and a
documented-nullable author (`user: null`, a deleted account) is no one's: mlspec carries on (item 5)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from mlspec.errors import GitHubError
from mlspec.hosts.github.client import GitHubSettings, comment_marker, connect
from tests.github_standin import GitHubStandIn


def _repo(standin: GitHubStandIn) -> Any:
    return connect(GitHubSettings.from_env(standin.env()))


def _pr(standin: GitHubStandIn) -> int:
    repo = _repo(standin)
    repo.create_branch("feature", repo.branch_sha("main"))
    info, _ = repo.open_or_update_pr(head="feature", base="main", title="T", body="B")
    return int(info.number)


def _body(value: Any) -> Any:
    return lambda status, body, headers: (status, value(body) if callable(value) else value, headers)


@pytest.mark.parametrize(
    ("method", "route", "answer", "said"),
    [
        ("GET", r"/pulls$", {"message": "ok"}, "is a JSON object where GitHub documents an array"),
        ("GET", r"/issues/1$", [{"number": 1}], "is a JSON array where GitHub documents an object"),
        ("GET", r"/issues/1/comments$", {"0": {}}, "is a JSON object where GitHub documents an array"),
        ("GET", r"/issues/1/comments$", b"<html>rate limited</html>", "is not JSON"),
        ("GET", r"/issues/1/comments$", [["nested", "list"]], "github3.py could not read it"),
        ("GET", r"/issues/1/comments$", lambda b: [{**x, "user": ["x"]} for x in b], "github3.py could not read it"),
        ("GET", r"/issues/1/comments$", lambda b: [{**x, "body": 7} for x in b], "field 'body' is int"),
        ("POST", r"/issues/1/comments$", lambda b: {**b, "id": "12"}, "field 'id' is str"),
        ("GET", r"/pulls/1$", lambda b: {**b, "head": "feature"}, "github3.py could not read it"),
        ("GET", r"/pulls/1$", lambda b: {**b, "number": "1"}, "field 'number' is str"),
        ("GET", r"/pulls/1$", 17, "is a JSON number where GitHub documents an object"),
        ("GET", r"^/user$", lambda b: {**b, "plan": 1}, "github3.py could not read it"),  # found by the generator
    ],
)
def test_an_undocumented_shape_is_a_github_error_naming_the_request(
    github_standin: GitHubStandIn, method: str, route: str, answer: Any, said: str
) -> None:
    number = _pr(github_standin)
    repo = _repo(github_standin)
    repo.comment(number, "a comment")
    github_standin.rewrite(method, route, _body(answer))
    with pytest.raises(GitHubError) as caught:
        if route.startswith("/issues"):
            repo.upsert_comment(number, comment_marker("p"), "report")
        else:
            repo.open_or_update_pr(head="feature", base="main", title="T2", body="B2")
            repo.get_pr(number)
    message = caught.value.message
    assert "is not of the documented shape" in message or said.startswith("is ")
    assert said in message
    assert re.search(rf"answer to (GET|POST) {re.escape(github_standin.api_url)}/\S+", message)  # names the request
    assert "GITHUB_API_URL" in str(caught.value.hint)


def test_the_repository_answered_as_a_list_is_an_error_not_a_crash(github_standin: GitHubStandIn) -> None:
    github_standin.rewrite("GET", r"^/repos/octo-org/ml-repo$", _body([]))
    with pytest.raises(GitHubError) as caught:
        _repo(github_standin)
    assert caught.value.message == (
        "cannot open the repository in octo-org/ml-repo: GitHub's answer to GET "
        f"{github_standin.repo_api} is a JSON array where GitHub documents an object"
    )


def _null_author(ids: set[int]) -> Any:
    def change(status: int, body: Any, headers: dict[str, str]) -> tuple[int, Any, dict[str, str]]:
        return status, [{**x, "user": None} if x["id"] in ids else x for x in body], headers

    return change


def test_a_comment_without_author_is_not_ours_and_the_listing_carries_on(github_standin: GitHubStandIn) -> None:
    number = _pr(github_standin)
    repo = _repo(github_standin)
    marker = comment_marker("p")
    ghost = github_standin.state.add_comment(number, f"{marker}\nold report of a deleted account", "someone")
    ours, _ = repo.upsert_comment(number, marker, "report 1")
    github_standin.rewrite("GET", rf"/issues/{number}/comments$", _null_author({ghost.id}))
    again, created = repo.upsert_comment(number, marker, "report 2")
    assert (again, created) == (ours, False)  # ours was found past the author-less one and edited
    assert github_standin.state.comments[ghost.id].body.endswith("old report of a deleted account")
    assert github_standin.state.comments[ours].body.endswith("report 2")


def test_a_pull_request_without_author_is_not_ours(github_standin: GitHubStandIn) -> None:
    _pr(github_standin)
    github_standin.rewrite(
        "GET", r"/pulls$", lambda s, b, h: (s, [{**x, "user": None} for x in b], h)
    )  # the same branch's PR, opened by a since deleted account
    repo = _repo(github_standin)
    assert repo.find_pr("feature", "main") is None
    github_standin.rewrite("GET", r"/pulls/1$", lambda s, b, h: (s, {**b, "user": None}, h))
    assert repo.get_pr(1).number == 1  # reading it works; it is just no one's
