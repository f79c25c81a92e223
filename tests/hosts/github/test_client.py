"""mlspec.hosts.github.client against the stand-in: settings, sticky comments, retries, errors, dispatch."""

from __future__ import annotations

import json
import logging
import socket
import time

import pytest
import requests

from mlspec.errors import GitHubError
from mlspec.hosts.github.client import GitHubSettings, comment_marker, connect, pr_number_from_event
from tests.github_standin import GitHubStandIn


def _repo(standin: GitHubStandIn, **env: str):
    return connect(GitHubSettings.from_env(standin.env(**env)))


def _pr(standin: GitHubStandIn, repo) -> int:
    repo.create_branch("feature", repo.branch_sha("main"))
    repo.write_file("a.txt", "a\n", message="a", branch="feature")
    info, created = repo.open_or_update_pr(head="feature", base="main", title="T", body="B")
    assert created
    return info.number


def test_settings_from_environment(tmp_path) -> None:
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"action": "synchronize", "number": 12, "pull_request": {"number": 12}}))
    settings = GitHubSettings.from_env(
        {
            "GH_TOKEN": "t0ken-value",
            "GITHUB_REPOSITORY": "o/r",
            "GITHUB_API_URL": "https://ghe.example/api/v3/",
            "GITHUB_EVENT_PATH": str(event),
            "GITHUB_RUN_ID": "5",
            "GITHUB_SERVER_URL": "https://ghe.example",
        }
    )
    assert settings.has_token and settings.token_source == "GH_TOKEN"
    assert settings.api_url == "https://ghe.example/api/v3" and settings.pr_number == 12
    assert settings.run_url == "https://ghe.example/o/r/actions/runs/5"
    assert "t0ken-value" not in repr(settings)
    defaults = GitHubSettings.from_env({})
    assert not defaults.has_token and defaults.api_url == "https://api.github.com" and defaults.pr_number is None
    assert pr_number_from_event(None, "refs/pull/34/merge") == 34
    promotion = GitHubSettings.from_env(
        {"GITHUB_TOKEN": "a-token", "MLSPEC_PROMOTION_TOKEN": "b-token"},
        token_variables=("MLSPEC_PROMOTION_TOKEN", "GITHUB_TOKEN"),
    )
    assert promotion.token == "b-token" and promotion.token_source == "MLSPEC_PROMOTION_TOKEN"


def test_enterprise_style_base_url_with_a_path() -> None:
    with GitHubStandIn(prefix="/api/v3") as standin:
        assert standin.api_url.endswith("/api/v3")
        repo = _repo(standin)
        assert repo.default_branch == "main" and repo.branch_sha("main")
        assert all(r["path"].startswith("/repos/") for r in standin.requests)
        assert standin.violations == []


def test_sticky_comment_stays_single_across_five_updates(github_standin: GitHubStandIn) -> None:
    repo = _repo(github_standin)
    number = _pr(github_standin, repo)
    repo.comment(number, "an unrelated human comment")
    marker = comment_marker("churn")
    results = [repo.upsert_comment(number, marker, f"## Report {i}\nroc_auc 0.9{i}") for i in range(5)]
    assert [created for _, created in results] == [True, False, False, False, False]
    assert len({comment_id for comment_id, _ in results}) == 1
    ours = [c for c in github_standin.state.comments_on(number) if marker in c.body]
    assert len(ours) == 1 and ours[0].body.endswith("roc_auc 0.94")
    assert len(github_standin.state.comments_on(number)) == 2
    other = repo.upsert_comment(number, comment_marker("wine"), "wine report")  # one comment per project
    assert other[1] is True and len(github_standin.state.comments_on(number)) == 3


def test_comment_is_kept_under_githubs_limit(github_standin: GitHubStandIn) -> None:
    repo = _repo(github_standin)
    number = _pr(github_standin, repo)
    repo.upsert_comment(number, comment_marker("p"), "x" * 70_000)
    (comment,) = github_standin.state.comments_on(number)
    assert len(comment.body) <= 65_536 and "truncated" in comment.body


def test_dispatches(github_standin: GitHubStandIn) -> None:
    repo = _repo(github_standin)
    repo.repository_dispatch("mlspec-retrain", {"project": "churn", "reason": "drift"})
    repo.workflow_dispatch("mlspec-churn-ct.yml", "main", {"reason": "drift"})
    assert github_standin.state.dispatches == [
        {
            "kind": "repository_dispatch",
            "event_type": "mlspec-retrain",
            "client_payload": {"project": "churn", "reason": "drift"},
        },
        {"kind": "workflow_dispatch", "workflow": "mlspec-churn-ct.yml", "ref": "main", "inputs": {"reason": "drift"}},
    ]


def test_5xx_and_rate_limits_are_retried(github_standin: GitHubStandIn) -> None:
    repo = _repo(github_standin)
    github_standin.inject("GET", r"/git/ref/heads/main$", [502, 503])
    assert repo.branch_sha("main")
    assert [r["status"] for r in github_standin.requests_to("GET", r"/git/ref/heads/main$")] == [502, 503, 200]
    github_standin.inject("POST", r"/dispatches$", [429], retry_after=0.3)
    started = time.monotonic()
    repo.repository_dispatch("ping")
    assert time.monotonic() - started >= 0.3
    reset = str(int(time.time()) + 1)
    github_standin.inject(
        "POST", r"/dispatches$", [403], headers={"x-ratelimit-remaining": "0", "x-ratelimit-reset": reset}
    )
    repo.repository_dispatch("ping")
    assert [r["status"] for r in github_standin.requests_to("POST", r"/dispatches$")] == [429, 204, 403, 204]
    assert len(github_standin.state.dispatches) == 2


def test_retries_are_bounded(github_standin: GitHubStandIn) -> None:
    repo = _repo(github_standin, MLSPEC_GITHUB_RETRIES="2")
    github_standin.inject("POST", r"/dispatches$", [502] * 10)
    with pytest.raises(GitHubError) as caught:
        repo.repository_dispatch("ping")
    assert caught.value.message == (
        "GitHub kept failing while trying to send repository_dispatch ping in "
        "octo-org/ml-repo: HTTP 502 after 3 attempts in " + caught.value.message.rsplit(" in ", 1)[1]
    )
    assert len(github_standin.requests_to("POST", r"/dispatches$")) == 3
    github_standin.faults.clear()
    github_standin.inject("POST", r"/dispatches$", [429], retry_after=120)  # longer than the deadline: fail fast
    repo = _repo(github_standin, MLSPEC_GITHUB_DEADLINE_SECONDS="5")
    started = time.monotonic()
    with pytest.raises(GitHubError, match="^GitHub rate limited the token .* GitHub asks to wait 120 s more"):
        repo.repository_dispatch("ping")
    assert time.monotonic() - started < 2
    github_standin.faults.clear()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _failures(standin: GitHubStandIn) -> list[str]:
    """Messages of every failure case; each must be the documented one."""
    messages = []
    bad = dict(standin.env(), GITHUB_TOKEN="ghp_wrongTOKENabcdef123456")
    with pytest.raises(GitHubError) as caught:
        connect(GitHubSettings.from_env(bad))
    assert caught.value.message == (
        "GitHub rejected the token (401 Bad credentials): check GITHUB_TOKEN is a valid, "
        "unexpired token with access to octo-org/ml-repo"
    )
    messages.append(str(caught.value))

    with pytest.raises(GitHubError) as caught:
        connect(GitHubSettings.from_env(standin.env(GITHUB_REPOSITORY="octo-org/missing")))
    assert caught.value.message == (
        f"repository octo-org/missing not found (404) at {standin.api_url} while trying to open the repository"
    )
    assert caught.value.hint == "check GITHUB_REPOSITORY (octo-org/missing) and that GITHUB_TOKEN can access it"
    messages.append(str(caught.value))

    repo = _repo(standin)
    with pytest.raises(GitHubError) as caught:
        repo.upsert_comment(99, comment_marker("p"), "x")
    assert caught.value.message == (
        f"pull request #99 in octo-org/ml-repo not found (404) at {standin.api_url} "
        "while trying to update the mlspec comment on pull request #99"
    )
    messages.append(str(caught.value))

    standin.inject("POST", r"/dispatches$", [403], body={"message": "Resource not accessible by integration"})
    with pytest.raises(GitHubError) as caught:
        repo.repository_dispatch("ping")
    assert caught.value.message == (
        "the token has no permission to send repository_dispatch ping in octo-org/ml-repo "
        "(403 Resource not accessible by integration)"
    )
    assert "contents: write" in caught.value.hint
    messages.append(str(caught.value))

    with pytest.raises(GitHubError) as caught:
        repo.open_or_update_pr(head="no-such-branch", base="main", title="T", body="B")
    assert caught.value.message == (
        "GitHub rejected the request to open a pull request from no-such-branch into main "
        "in octo-org/ml-repo (422 Validation Failed: resource=PullRequest field=head code=invalid)"
    )
    messages.append(str(caught.value))

    gone = dict(standin.env(), GITHUB_API_URL=f"http://127.0.0.1:{_free_port()}", MLSPEC_GITHUB_RETRIES="1")
    with pytest.raises(GitHubError) as caught:
        connect(GitHubSettings.from_env(gone))
    assert caught.value.message.startswith(  # a closed port is no answer, not "degraded or rate limiting"
        f"cannot reach GitHub at {gone['GITHUB_API_URL']} to open the repository: no answer (ConnectionError after 2 "
        "attempts"
    )
    assert caught.value.hint == "check GITHUB_API_URL and the network: nothing accepted the connection"
    messages.append(str(caught.value))
    return messages


def test_errors_give_the_documented_messages_and_never_the_token(github_standin: GitHubStandIn, capsys, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    messages = _failures(github_standin)
    captured = capsys.readouterr()
    for secret in (github_standin.token, "ghp_wrongTOKENabcdef123456"):
        assert all(secret not in m for m in messages)
        assert secret not in captured.out + captured.err + caplog.text


def test_already_existing_pull_request_is_reused(github_standin: GitHubStandIn, monkeypatch) -> None:
    repo = _repo(github_standin)
    number = _pr(github_standin, repo)
    original = repo._find
    calls = []

    def racy_find(head, base):  # the PR appears between our lookup and our create (a concurrent run)
        calls.append(head)
        return None if len(calls) == 1 else original(head, base)

    monkeypatch.setattr(repo, "_find", racy_find)
    info, created = repo.open_or_update_pr(head="feature", base="main", title="T2", body="B2")
    assert (info.number, created, info.title) == (number, False, "T2")
    assert [r["status"] for r in github_standin.requests_to("POST", r"/pulls$")] == [201, 422]
    assert len(github_standin.state.pulls) == 1


def test_standin_rejects_invalid_requests_and_checks_its_responses(github_standin: GitHubStandIn, monkeypatch) -> None:
    headers = {"Authorization": f"token {github_standin.token}"}
    url = f"{github_standin.repo_api}/pulls"
    response = requests.post(url, json={"title": 5, "head": "feature", "base": "main"}, headers=headers, timeout=10)
    assert response.status_code == 422
    # the stand-in's problems are "<field path>: <jsonschema's words>": the field is asserted, not the words
    assert any(v.startswith("request POST ") and "(pulls/create): title: " in v for v in github_standin.violations)
    response = requests.post(
        f"{github_standin.repo_api}/dispatches", json={"client_payload": {}}, headers=headers, timeout=10
    )
    assert response.status_code == 422 and "<root>: " in response.text and "event_type" in response.text
    assert requests.get(github_standin.repo_api, headers={"Authorization": "token nope"}, timeout=10).status_code == 401

    original = github_standin.repo_body
    monkeypatch.setattr(github_standin, "repo_body", lambda template=None: {**original(template), "id": "not-an-int"})
    response = requests.get(github_standin.repo_api, headers=headers, timeout=10)
    assert response.status_code == 500
    assert any(v.startswith("response GET ") and "(repos/get) 200: id: " in v for v in github_standin.violations)
    github_standin.violations.clear()  # these violations were the point of the test
