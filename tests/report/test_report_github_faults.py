"""`mlspec report --comment` when GitHub will not or cannot take the comment: a fork pull request's read-only
token (issue 12.17), a server that trickles its answer (issue 12.18), secondary rate limits and a read-only token
on a pull request that is no fork's (issue 23 item 6), answers naming another origin (item 2)."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from mlspec.report.markdown import comment_marker
from tests.gate.support import commit_champion, make_record, project_with_gates
from tests.github_standin import GitHubStandIn
from tests.github_standin.fixtures import github_standin  # noqa: F401
from tests.helpers import run_cli, run_mlspec


@pytest.fixture
def project(tmp_path: Path) -> Path:
    project = project_with_gates(tmp_path, "gates:\n  - {metric: roc_auc, min: 0.95}\n")
    commit_champion(project, "staging", {"roc_auc": 0.96})
    make_record(project, {"roc_auc": 0.98})
    return project


def _event(tmp_path: Path, number: int, head_repo: str = "octo-org/ml-repo") -> str:
    """A pull_request event; ``head_repo`` other than the base repository makes it a fork's."""
    event = tmp_path / "event.json"
    repo = {"full_name": "octo-org/ml-repo", "fork": False}
    head = {"full_name": head_repo, "fork": head_repo != repo["full_name"]}
    pull = {"number": number, "head": {"ref": "feature", "repo": head}, "base": {"ref": "main", "repo": repo}}
    event.write_text(json.dumps({"action": "synchronize", "number": number, "pull_request": pull}))
    return str(event)


@pytest.mark.slow  # one of the slowest of `make test-fast` (measured with --durations): runs in `make test`
def test_fork_pull_request_read_only_token_reports_in_the_job_summary(
    project: Path,
    tmp_path: Path,
    github_standin: GitHubStandIn,  # noqa: F811
) -> None:
    from mlspec.hosts.github.client import GitHubSettings, connect

    repo = connect(GitHubSettings.from_env(github_standin.env()))
    repo.create_branch("feature", repo.branch_sha("main"))
    info, _ = repo.open_or_update_pr(head="feature", base="main", title="T", body="B")
    github_standin.state.installation_token = True
    github_standin.state.read_only = True  # what GitHub gives a fork's pull_request workflow
    summary = tmp_path / "summary.md"
    event = _event(tmp_path, info.number, head_repo="someone/ml-repo")
    env = github_standin.env(GITHUB_EVENT_PATH=event, GITHUB_STEP_SUMMARY=str(summary))

    result = run_mlspec("report", str(project / "mlproject.yaml"), "--comment", env=env)

    assert result.returncode == 0, result.stdout + result.stderr  # the gate passed: the check stays green
    assert "Traceback" not in result.stdout + result.stderr
    assert (
        f"::warning title=mlspec report::could not post the report comment on pull request #{info.number}: "
        "the token has no permission to update the mlspec comment on pull request"
    ) in result.stdout
    assert "Pull requests from forks get a read-only GITHUB_TOKEN" in result.stdout
    text = summary.read_text()
    assert "gate passed for `staging`" in text and "Pull requests from forks get a read-only GITHUB_TOKEN" in text
    assert github_standin.state.comments_on(info.number) == []
    local = project / ".mlspec" / "runs" / "20250102T000000000000Z-00001" / "comment.md"
    assert comment_marker("breast-cancer") in local.read_text()
    assert github_standin.token not in result.stdout + result.stderr


class TrickleServer:
    """Real HTTP on 127.0.0.1 that accepts every request and then answers one byte every ``interval`` seconds:
    the headers too (``slow_headers``) or the body after complete headers."""

    def __init__(self, interval: float = 0.3, slow_headers: bool = False) -> None:
        self.interval, self.slow_headers = interval, slow_headers
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.stopped = threading.Event()
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while not self.stopped.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._trickle, args=(conn,), daemon=True).start()

    def _trickle(self, conn: socket.socket) -> None:
        head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n"
        with conn:
            conn.recv(65536)
            try:
                if not self.slow_headers:
                    conn.sendall(head)
                for byte in head if self.slow_headers else b"{" + b" " * 99_999:
                    if self.stopped.wait(self.interval):
                        return
                    conn.sendall(bytes([byte]))
            except OSError:
                return

    def stop(self) -> None:
        self.stopped.set()
        self.sock.close()


@pytest.fixture
def trickle() -> Iterator[TrickleServer]:
    server = TrickleServer()
    yield server
    server.stop()


@pytest.mark.parametrize("slow_headers", [False, True], ids=["body", "headers"])
def test_a_trickling_server_cannot_hold_a_request_past_the_deadline(slow_headers: bool) -> None:
    from mlspec.errors import GitHubError
    from mlspec.hosts.github.client import GitHubSettings, connect

    server = TrickleServer(slow_headers=slow_headers)
    try:
        env = {
            "GITHUB_TOKEN": "ghs_tokenTOKENtoken",
            "GITHUB_REPOSITORY": "o/r",
            "GITHUB_API_URL": f"http://127.0.0.1:{server.port}",
            "MLSPEC_GITHUB_DEADLINE_SECONDS": "1",
        }
        started = time.monotonic()
        with pytest.raises(GitHubError) as caught:
            connect(GitHubSettings.from_env(env))
        elapsed = time.monotonic() - started
    finally:
        server.stop()
    assert elapsed < 6, elapsed
    assert caught.value.message == (
        f"GitHub at http://127.0.0.1:{server.port} did not answer completely within 1 s "
        "while trying to open the repository in o/r; gave up"
    )
    assert "MLSPEC_GITHUB_DEADLINE_SECONDS" in str(caught.value.hint)


@pytest.mark.slow  # one of the slowest of `make test-fast` (measured with --durations): runs in `make test`
def test_report_comment_against_a_trickling_server_ends_with_a_message(
    project: Path, tmp_path: Path, trickle: TrickleServer
) -> None:
    env = {
        "GITHUB_TOKEN": "ghs_tokenTOKENtoken",
        "GITHUB_REPOSITORY": "o/r",
        "GITHUB_API_URL": f"http://127.0.0.1:{trickle.port}",
        "GITHUB_EVENT_PATH": _event(tmp_path, 7),
        "MLSPEC_GITHUB_DEADLINE_SECONDS": "1",
    }
    started = time.monotonic()
    result = run_mlspec("report", str(project / "mlproject.yaml"), "--comment", env=env, timeout=60)
    elapsed = time.monotonic() - started
    assert result.returncode == 1, result.stdout + result.stderr
    assert "did not answer completely within 1 s while trying to open the repository in o/r; gave up" in result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    # Against the same report without --comment, timed in the same run (a loaded machine slows both): the deadline
    # adds its 1 s and its retries, not the trickle's minutes.
    started = time.monotonic()
    assert run_mlspec("report", str(project / "mlproject.yaml"), timeout=60).returncode == 0
    baseline = time.monotonic() - started
    assert elapsed < 2 * baseline + 10, (elapsed, baseline)


def _pull_request(standin: GitHubStandIn) -> int:
    from mlspec.hosts.github.client import GitHubSettings, connect

    repo = connect(GitHubSettings.from_env(standin.env()))
    repo.create_branch("feature", repo.branch_sha("main"))
    info, _ = repo.open_or_update_pr(head="feature", base="main", title="T", body="B")
    return int(info.number)


def test_a_read_only_token_on_a_pull_request_from_the_same_repository_fails(
    project: Path,
    tmp_path: Path,
    github_standin: GitHubStandIn,  # noqa: F811
) -> None:
    number = _pull_request(github_standin)
    github_standin.state.read_only = True  # e.g. the workflow forgot `permissions: pull-requests: write`
    env = github_standin.env(GITHUB_EVENT_PATH=_event(tmp_path, number))

    result = run_cli("report", str(project / "mlproject.yaml"), "--comment", env=env)

    assert result.returncode == 1, result.stdout + result.stderr
    assert "Pull requests from forks" not in result.stdout + result.stderr
    assert "the token has no permission to update the mlspec comment" in result.stderr
    assert "permissions: {contents: write, pull-requests: write" in result.stderr
    assert "Traceback" not in result.stdout + result.stderr


def test_a_secondary_rate_limit_is_waited_for_as_github_asks(
    project: Path,
    tmp_path: Path,
    github_standin: GitHubStandIn,  # noqa: F811
) -> None:
    number = _pull_request(github_standin)
    # GitHub's documented answer: 403, "You have exceeded a secondary rate limit", no retry-after, quota left
    github_standin.inject("POST", rf"/issues/{number}/comments$", [403, 403], headers={"x-ratelimit-remaining": "4999"})
    env = github_standin.env(
        GITHUB_EVENT_PATH=_event(tmp_path, number, head_repo="someone/ml-repo"),
        MLSPEC_GITHUB_SECONDARY_RATE_LIMIT_SECONDS="0.3",  # GitHub asks for a minute; the wait doubles each time
    )

    result = run_cli("report", str(project / "mlproject.yaml"), "--comment", env=env)

    assert result.returncode == 0, result.stdout + result.stderr
    posts = github_standin.requests_to("POST", rf"/issues/{number}/comments$")
    assert [r["status"] for r in posts] == [403, 403, 201]
    assert posts[1]["time"] - posts[0]["time"] >= 0.3 and posts[2]["time"] - posts[1]["time"] >= 0.6
    assert len(github_standin.state.comments_on(number)) == 1


def test_a_secondary_rate_limit_past_the_deadline_fails_saying_rate_limited_not_fork(
    project: Path,
    tmp_path: Path,
    github_standin: GitHubStandIn,  # noqa: F811
) -> None:
    number = _pull_request(github_standin)
    github_standin.inject("POST", rf"/issues/{number}/comments$", [403] * 10, headers={"x-ratelimit-remaining": "4999"})
    env = github_standin.env(
        GITHUB_EVENT_PATH=_event(tmp_path, number, head_repo="someone/ml-repo"),  # even on a fork's PR
        MLSPEC_GITHUB_SECONDARY_RATE_LIMIT_SECONDS="0.4",
        MLSPEC_GITHUB_DEADLINE_SECONDS="2",
    )
    started = time.monotonic()
    result = run_cli("report", str(project / "mlproject.yaml"), "--comment", env=env)

    assert result.returncode == 1, result.stdout + result.stderr
    assert time.monotonic() - started < 20
    assert f"GitHub rate limited the token while trying to update the mlspec comment on pull request #{number}" in (
        result.stderr
    )
    assert "secondary rate limit" in result.stderr and "re-run the job" in result.stderr
    assert "Pull requests from forks" not in result.stdout + result.stderr
    statuses = [r["status"] for r in github_standin.requests_to("POST", rf"/issues/{number}/comments$")]
    assert statuses[0] == 403 and 2 <= len(statuses) <= 3  # 0.4 s, 0.8 s, then 1.6 s would pass the deadline
    assert github_standin.state.comments_on(number) == []


def test_a_secondary_rate_limit_with_retry_after_waits_that_long(
    project: Path,
    tmp_path: Path,
    github_standin: GitHubStandIn,  # noqa: F811
) -> None:
    number = _pull_request(github_standin)
    github_standin.inject("POST", rf"/issues/{number}/comments$", [403], retry_after=0.5)
    env = github_standin.env(
        GITHUB_EVENT_PATH=_event(tmp_path, number), MLSPEC_GITHUB_SECONDARY_RATE_LIMIT_SECONDS="30"
    )

    result = run_cli("report", str(project / "mlproject.yaml"), "--comment", env=env)

    assert result.returncode == 0, result.stdout + result.stderr
    posts = github_standin.requests_to("POST", rf"/issues/{number}/comments$")
    assert [r["status"] for r in posts] == [403, 201]
    assert 0.5 <= posts[1]["time"] - posts[0]["time"] < 10  # retry-after, not the one-minute default


def test_report_comment_refuses_a_next_page_on_another_port(
    project: Path,
    tmp_path: Path,
    github_standin: GitHubStandIn,  # noqa: F811
) -> None:
    from tests.hosts.github.recorder import Recorder

    number = _pull_request(github_standin)
    other = Recorder()
    try:
        link = f'<{other.url}/repos/octo-org/ml-repo/issues/{number}/comments?page=2>; rel="next"'
        github_standin.rewrite("GET", rf"/issues/{number}/comments$", lambda s, b, h: (s, b, {**h, "Link": link}))
        env = github_standin.env(GITHUB_EVENT_PATH=_event(tmp_path, number))
        result = run_cli("report", str(project / "mlproject.yaml"), "--comment", env=env)
    finally:
        other.stop()
    assert result.returncode == 1, result.stdout + result.stderr
    assert f"GitHub's answer pointed mlspec at {other.url}" in result.stderr and "refused" in result.stderr
    assert other.seen == []
    assert github_standin.token not in result.stdout + result.stderr
