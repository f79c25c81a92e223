"""The token stays home (issue 23 item 2): mlspec.hosts.github.session.GuardedSession sends requests only to the
origin of GITHUB_API_URL, follows a GET's redirect elsewhere without credentials, and a second real server
records what would have reached it."""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

import pytest

from mlspec.errors import GitHubError
from mlspec.hosts.github.client import GitHubSettings, comment_marker, connect
from mlspec.hosts.github.session import GuardedSession, UnexpectedAnswer, origin
from tests.github_standin import GitHubStandIn
from tests.github_standin.artifacts import attach
from tests.hosts.github.recorder import Recorder, other_host, recorder  # noqa: F401


def _repo(standin: GitHubStandIn, **env: str) -> Any:
    return connect(GitHubSettings.from_env(standin.env(**env)))


def _pr(standin: GitHubStandIn) -> int:
    repo = _repo(standin)
    repo.create_branch("feature", repo.branch_sha("main"))
    info, _ = repo.open_or_update_pr(head="feature", base="main", title="T", body="B")
    repo.comment(info.number, "first")
    return int(info.number)


def test_origin_fills_default_ports_and_ignores_case() -> None:
    assert (
        origin("https://API.github.com/x") == origin("https://api.github.com:443/y") == ("https", "api.github.com", 443)
    )
    assert origin("http://127.0.0.1:8080/a") != origin("http://127.0.0.1:8081/a")
    assert origin("http://h/a") != origin("https://h/a")
    assert origin("http://127.0.0.1:80@evil.example/") == ("http", "evil.example", 80)


def test_a_link_header_to_another_port_is_refused(github_standin: GitHubStandIn, recorder: Recorder) -> None:  # noqa: F811
    number = _pr(github_standin)
    next_page = f'<{recorder.url}/repos/octo-org/ml-repo/issues/{number}/comments?page=2>; rel="next"'
    github_standin.rewrite("GET", rf"/issues/{number}/comments$", lambda s, b, h: (s, b, {**h, "Link": next_page}))
    repo = _repo(github_standin)
    with pytest.raises(GitHubError) as caught:
        repo.upsert_comment(number, comment_marker("p"), "report")
    assert caught.value.message == (
        f"cannot update the mlspec comment on pull request #{number} in octo-org/ml-repo: GitHub's answer pointed "
        f"mlspec at {recorder.url} (GET {recorder.url}/repos/octo-org/ml-repo/issues/{number}/comments), which is "
        f"not the origin of GITHUB_API_URL ({github_standin.api_url}); mlspec sends requests with the token only "
        "there and refused"
    )
    assert "GITHUB_API_URL must be the origin" in str(caught.value.hint)
    assert recorder.seen == []  # refused before anything was sent
    assert [c.body for c in github_standin.state.comments_on(number)] == ["first"]  # nothing written either


def _point(field: str, url: str, path: str = "") -> Any:
    def change(status: int, body: Any, headers: dict[str, str]) -> tuple[int, Any, dict[str, str]]:
        return status, {**body, field: url + path}, headers

    return change


@pytest.mark.parametrize(
    ("method", "route", "field", "path"),
    [
        ("GET", r"/repos/octo-org/ml-repo$", "url", "/repos/octo-org/ml-repo"),
        ("GET", r"/repos/octo-org/ml-repo$", "pulls_url", "/repos/octo-org/ml-repo/pulls{/number}"),
        ("GET", r"/issues/1$", "comments_url", "/repos/octo-org/ml-repo/issues/1/comments"),
        ("GET", r"/issues/1$", "url", "/repos/octo-org/ml-repo/issues/1"),
        ("GET", r"/pulls/1$", "url", "/repos/octo-org/ml-repo/pulls/1"),
        ("GET", r"/pulls$", "url", "/repos/octo-org/ml-repo/pulls/1"),
    ],
)
def test_url_fields_naming_another_host_are_never_sent_the_token(
    github_standin: GitHubStandIn,
    other_host: Recorder,  # noqa: F811
    method: str,
    route: str,
    field: str,
    path: str,
) -> None:
    number = _pr(github_standin)
    if route == r"/pulls$":  # an item of a list answer
        github_standin.rewrite(method, route, lambda s, b, h: (s, [{**x, field: other_host.url + path} for x in b], h))
    else:
        github_standin.rewrite(method, route, _point(field, other_host.url, path))
    repo = None
    try:  # a whole promotion-like flow and a sticky comment: each either works at home or is refused
        repo = _repo(github_standin)
        repo.upsert_comment(number, comment_marker("p"), "report")
        repo.open_or_update_pr(head="feature", base="main", title="T2", body="B2")
    except GitHubError as error:
        assert "which is not the origin of GITHUB_API_URL" in error.message, error.message
    assert other_host.seen == []
    assert all(r.get("status") != 401 for r in github_standin.requests)


def test_a_redirect_chain_through_another_origin_loses_the_token_for_good(
    github_standin: GitHubStandIn,
    recorder: Recorder,  # noqa: F811
) -> None:
    repo = _repo(github_standin)
    home = f"{github_standin.repo_api}/git/ref/heads/main"
    github_standin.rewrite(
        "GET", r"/git/ref/heads/main$", lambda s, b, h: (302, None, {"Location": f"{recorder.url}/hop"})
    )
    recorder.answer("/hop", 302, {"Location": home})
    with pytest.raises(GitHubError):
        repo.branch_sha("main")
    assert [(r["method"], r["path"], r["authorization"]) for r in recorder.seen] == [("GET", "/hop", None)]
    assert recorder.credentials_seen(github_standin.token) == []
    back = github_standin.requests_to("GET", r"/git/ref/heads/main$")
    assert [r["status"] for r in back] == [302, 401]  # back home, still without the token


def test_a_write_redirected_to_another_origin_is_refused(github_standin: GitHubStandIn, recorder: Recorder) -> None:  # noqa: F811
    repo = _repo(github_standin)
    github_standin.rewrite("POST", r"/dispatches$", lambda s, b, h: (307, None, {"Location": f"{recorder.url}/x"}))
    with pytest.raises(GitHubError) as caught:
        repo.repository_dispatch("ping")
    assert "refused" in caught.value.message and recorder.url in caught.value.message
    assert recorder.seen == []


def test_an_artifact_download_follows_githubs_redirect_to_blob_storage_without_the_token(
    github_standin: GitHubStandIn, tmp_path: Path
) -> None:
    storage = tmp_path / "artifacts"
    (storage / "42" / "mlspec-churn-ct-state").mkdir(parents=True)
    archive = storage / "42" / "mlspec-churn-ct-state" / "mlspec-churn-ct-state.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("model.pkl", b"model bytes")
    store = attach(github_standin, storage)
    try:
        session = GuardedSession(github_standin.api_url)
        session.token_auth(github_standin.token)
        listing = session.get(f"{github_standin.repo_api}/actions/runs/42/artifacts").json()
        (artifact,) = listing["artifacts"]
        response = session.get(artifact["archive_download_url"], headers={"Accept": "application/octet-stream"})
        assert response.status_code == 200 and response.content == archive.read_bytes()
        assert [r["status"] for r in github_standin.requests_to("GET", r"/zip$")] == [302]  # with the token
        assert [s["authorization"] for s in store.seen] == [None]  # the blob host never saw it
        with pytest.raises(
            UnexpectedAnswer, match="after a redirect"
        ):  # only downloads are redirected: an API (JSON) answer from there is not read
            session.get(artifact["archive_download_url"])
        assert [s["authorization"] for s in store.seen] == [None, None]
    finally:
        store.stop()
