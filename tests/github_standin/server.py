"""A local stand-in for the GitHub REST API: real HTTP on 127.0.0.1, in-memory state.

Every route maps to one operationId of ../shared/github-api/github-rest-subset.deref.json.
Request bodies are validated against the documented request schema (invalid -> 422 and a
recorded violation); every response body is validated against the documented response
schema (invalid -> recorded violation and a 500, so the bug cannot go unnoticed).
Response bodies start from GitHub's own documented examples with ids, urls and fields changed;
urls point back at the stand-in because github3.py follows them.

Identity: `state.login` is the token's user (GET /user); `state.installation_token = True` mimics the
workflow's GITHUB_TOKEN (GET /user is 403, what it writes is authored by `github-actions[bot]`);
`state.read_only = True` mimics a fork pull request's token (every write is 403 "Resource not accessible
by integration", as GitHub answers, although the description documents no 403 for some writes).
`state.add_comment(n, body, author)` adds a comment by someone else.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from tests.github_standin.openapi import description, rebase_urls

DOCS = "https://docs.github.com/rest"
ACTIONS_PR_MESSAGE = "GitHub Actions is not permitted to create or approve pull requests."


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def git_blob_sha(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


@dataclass
class Commit:
    sha: str
    files: dict[str, bytes]  # full tree: path -> content
    parents: list[str]
    message: str
    author: str = "octocat"  # login GitHub maps the commit's author to (a person pushing by hand, by default)
    committer: str = "octocat"  # likewise the committer ("web-flow" for what GitHub commits on an app's behalf)


@dataclass
class Pull:
    number: int
    title: str
    body: str
    head: str
    base: str
    state: str = "open"
    created_at: str = field(default_factory=_now)
    updated_at: str = field(default_factory=_now)
    labels: list[str] = field(default_factory=list)
    reviewers: list[str] = field(default_factory=list)
    author: str = ""  # login of who opened it ("" = the token's identity, State.identity)


@dataclass
class Comment:
    id: int
    issue: int
    body: str
    created_at: str = field(default_factory=_now)
    updated_at: str = field(default_factory=_now)
    author: str = ""  # login of who wrote it ("" = the token's identity, State.identity)


Rewriter = Callable[[int, Any, dict[str, str]], tuple[int, Any, dict[str, str]]]


@dataclass
class Rewrite:
    """Changes the stand-in's documented answer after it was checked: (status, body, headers) -> the same;
    a ``bytes`` body is sent as it is (not JSON)."""

    method: str
    path_regex: re.Pattern[str]
    fn: Rewriter
    times: int | None = None  # None: every matching request


@dataclass
class Fault:
    method: str
    path_regex: re.Pattern[str]
    statuses: list[int]
    retry_after: float | None = None
    headers: dict[str, str] = field(default_factory=dict)
    body: dict[str, Any] | None = None


class State:
    """What the stand-in GitHub knows. Tests read it directly (under `lock`)."""

    def __init__(self, owner: str, repo: str, default_branch: str = "main") -> None:
        self.owner = owner
        self.repo = repo
        self.default_branch = default_branch
        self.lock = threading.RLock()
        self.commits: dict[str, Commit] = {}
        self.refs: dict[str, str] = {}  # "refs/heads/main" -> commit sha
        self.pulls: dict[int, Pull] = {}
        self.workflow_runs: dict[int, dict[str, Any]] = {}  # run id -> fields of GET /actions/runs/{id} (runs.py)
        self.comments: dict[int, Comment] = {}
        self.labels: dict[int, list[str]] = {}  # issue number -> label names (mirrors Pull.labels)
        self.dispatches: list[dict[str, Any]] = []  # repository_dispatch and workflow_dispatch events
        self.next_number = 1
        self.next_comment_id = 1000
        self.login = "mlspec-bot"
        # True mimics the workflow's GITHUB_TOKEN (an installation token): GET /user answers 403 and what
        # the token writes is authored by github-actions[bot].
        self.installation_token = False
        # True mimics a fork pull request's read-only token: every write answers 403.
        self.read_only = False
        self.actions_may_create_prs = True  # False mimics the repository setting being off
        root = self._commit({}, [], "initial commit")
        self.refs[f"refs/heads/{default_branch}"] = root

    def _commit(
        self, files: dict[str, bytes], parents: list[str], message: str, author: str = "octocat", committer: str = ""
    ) -> str:
        digest = hashlib.sha1(repr((sorted(files.items()), parents, message, len(self.commits))).encode()).hexdigest()
        self.commits[digest] = Commit(digest, dict(files), list(parents), message, author, committer or author)
        return digest

    # helpers for tests -------------------------------------------------------------------
    def branch_sha(self, branch: str) -> str | None:
        return self.refs.get(f"refs/heads/{branch}")

    def files(self, branch: str) -> dict[str, bytes]:
        sha = self.branch_sha(branch)
        return dict(self.commits[sha].files) if sha else {}

    def file_text(self, branch: str, path: str) -> str | None:
        data = self.files(branch).get(path)
        return None if data is None else data.decode("utf-8")

    def put_file(
        self, branch: str, path: str, text: str, message: str = "seed", author: str = "octocat", committer: str = ""
    ) -> str:
        """Commit a file directly (test setup, e.g. a merged deploy/staging.yaml on main, or a person's push to a
        branch), by ``author`` (a person, by default; committed by ``committer``, default the author)."""
        with self.lock:
            parent = self.refs[f"refs/heads/{branch}"]
            files = {**self.commits[parent].files, path: text.encode("utf-8")}
            sha = self._commit(files, [parent], message, author, committer)
            self.refs[f"refs/heads/{branch}"] = sha
            return sha

    @property
    def committer_identity(self) -> str:
        """Who GitHub records as the committer of what the token commits through the contents API: the token's
        account, or `web-flow` (GitHub itself, signing) for an installation token."""
        return "web-flow" if self.installation_token else self.login

    @property
    def identity(self) -> str:
        """The login GitHub records as the author of what the token writes."""
        return "github-actions[bot]" if self.installation_token else self.login

    def add_comment(self, number: int, body: str, author: str) -> Comment:
        """A comment by someone else (test setup), e.g. one that copies mlspec's marker."""
        with self.lock:
            comment = Comment(self.next_comment_id, number, body, author=author)
            self.next_comment_id += 1
            self.comments[comment.id] = comment
            return comment

    def open_pulls(self) -> list[Pull]:
        return [p for p in self.pulls.values() if p.state == "open"]

    def comments_on(self, number: int) -> list[Comment]:
        return [c for c in self.comments.values() if c.issue == number]


class _HTTPError(Exception):
    def __init__(self, status: int, message: str, errors: list[dict[str, Any]] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.errors = errors


Handler = Callable[["GitHubStandIn", dict[str, str], dict[str, list[str]], Any], tuple[int, Any]]


class GitHubStandIn:
    """Start with `with GitHubStandIn() as gh:`; `gh.api_url`, `gh.token`, `gh.state`, `gh.requests`,
    `gh.violations`, `gh.inject(...)`."""

    def __init__(
        self,
        owner: str = "octo-org",
        repo: str = "ml-repo",
        token: str = "ghs_standinTOKEN0123456789abcdef",
        prefix: str = "",
    ) -> None:
        """`prefix="/api/v3"` serves the API under a path, like GitHub Enterprise Server."""
        self.token = token
        self.prefix = prefix.rstrip("/")
        self.state = State(owner, repo)
        self.requests: list[dict[str, Any]] = []
        self.violations: list[str] = []
        self.faults: list[Fault] = []
        self.rewrites: list[Rewrite] = []
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.api_url = ""
        self.web_url = ""

    # lifecycle ----------------------------------------------------------------------------
    def start(self) -> GitHubStandIn:
        standin = self

        class _Handler(_RequestHandler):
            owner = standin

        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.daemon_threads = True
        port = self._server.server_address[1]
        self.api_url = f"http://127.0.0.1:{port}{self.prefix}"
        self.web_url = f"http://127.0.0.1:{port}/web"
        # serve_forever checks for shutdown() every poll_interval (0.5 s by default): each test's teardown waited for it
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.02,), name="github-standin", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> GitHubStandIn:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def repository(self) -> str:
        return f"{self.state.owner}/{self.state.repo}"

    def env(self, **extra: str) -> dict[str, str]:
        """Environment variables that point mlspec at this stand-in."""
        return {
            "GITHUB_TOKEN": self.token,
            "GITHUB_REPOSITORY": self.repository,
            "GITHUB_API_URL": self.api_url,
            "MLSPEC_GITHUB_RETRY_BASE_SECONDS": "0.01",
            **extra,
        }

    # fault injection ---------------------------------------------------------------------------
    def inject(
        self,
        method: str,
        path_regex: str,
        statuses: list[int] | tuple[int, ...] = (502, 503),
        *,
        retry_after: float | None = None,
        headers: dict[str, str] | None = None,
        body: dict[str, Any] | None = None,
    ) -> Fault:
        """The next len(statuses) requests matching METHOD and the path regex get these statuses."""
        fault = Fault(method.upper(), re.compile(path_regex), list(statuses), retry_after, dict(headers or {}), body)
        with self.state.lock:
            self.faults.append(fault)
        return fault

    def rewrite(self, method: str, path_regex: str, fn: Rewriter, times: int | None = None) -> Rewrite:
        """Answers to METHOD and the path regex pass through ``fn`` (e.g. an undocumented shape, a Link
        header or url fields naming another origin) after the stand-in checked its own answer."""
        change = Rewrite(method.upper(), re.compile(path_regex), fn, times)
        with self.state.lock:
            self.rewrites.append(change)
        return change

    def _take_rewrite(self, method: str, path: str) -> Rewrite | None:
        with self.state.lock:
            for change in self.rewrites:
                if change.times != 0 and change.method == method and change.path_regex.search(path):
                    if change.times is not None:
                        change.times -= 1
                    return change
        return None

    def _take_fault(self, method: str, path: str) -> tuple[Fault, int] | None:
        with self.state.lock:
            for fault in self.faults:
                if fault.statuses and fault.method == method and fault.path_regex.search(path):
                    return fault, fault.statuses.pop(0)
        return None

    def requests_to(self, method: str, path_regex: str) -> list[dict[str, Any]]:
        pattern = re.compile(path_regex)
        return [r for r in self.requests if r["method"] == method and pattern.search(r["path"])]

    # building documented bodies ----------------------------------------------------------------
    def example(self, operation_id: str, status: int) -> Any:
        s = self.state
        return rebase_urls(
            description().operation(operation_id).example(status), self.api_url, self.web_url, s.owner, s.repo
        )

    @property
    def repo_api(self) -> str:
        return f"{self.api_url}/repos/{self.state.owner}/{self.state.repo}"

    def user(self, login: str) -> dict[str, Any]:
        user = self.example("pulls/get", 200)["user"]
        user.update(
            login=login,
            id=abs(hash(login)) % 10**7 + 1,
            url=f"{self.api_url}/users/{login}",
            html_url=f"{self.web_url}/{login}",
            type="Bot" if login.endswith("[bot]") else "User",
        )
        return user

    def label_body(self, name: str) -> dict[str, Any]:
        label = self.example("issues/add-labels", 200)[0]
        label.update(
            name=name,
            id=abs(hash(name)) % 10**8 + 1,
            url=f"{self.repo_api}/labels/{name}",
            description="Applied by mlspec",
            default=False,
        )
        return label

    def _pull_links(self, body: dict[str, Any], n: int) -> None:
        api, web = self.repo_api, f"{self.web_url}/{self.state.owner}/{self.state.repo}"
        body.update(
            url=f"{api}/pulls/{n}",
            html_url=f"{web}/pull/{n}",
            diff_url=f"{web}/pull/{n}.diff",
            patch_url=f"{web}/pull/{n}.patch",
            issue_url=f"{api}/issues/{n}",
            commits_url=f"{api}/pulls/{n}/commits",
            review_comments_url=f"{api}/pulls/{n}/comments",
            review_comment_url=f"{api}/pulls/comments{{/number}}",
            comments_url=f"{api}/issues/{n}/comments",
            statuses_url=f"{api}/statuses/{self.state.branch_sha(body['head']['ref']) or ''}",
        )
        if "_links" in body:
            body["_links"] = {
                "self": {"href": body["url"]},
                "html": {"href": body["html_url"]},
                "issue": {"href": body["issue_url"]},
                "comments": {"href": body["comments_url"]},
                "review_comments": {"href": body["review_comments_url"]},
                "review_comment": {"href": body["review_comment_url"]},
                "commits": {"href": body["commits_url"]},
                "statuses": {"href": body["statuses_url"]},
            }

    def pull_body(self, pull: Pull, operation_id: str = "pulls/get", status: int = 200) -> dict[str, Any]:
        template = self.example(operation_id, status)
        body = template[0] if isinstance(template, list) else template
        body.update(
            id=pull.number * 1000 + 7,
            number=pull.number,
            title=pull.title,
            body=pull.body,
            state=pull.state,
            created_at=pull.created_at,
            updated_at=pull.updated_at,
            closed_at=None if pull.state == "open" else _now(),
            merged_at=None,
            merge_commit_sha=None,
            draft=False,
            locked=False,
            user=self.user(pull.author or self.state.identity),
            labels=[self.label_body(n) for n in pull.labels],
            assignee=None,
            assignees=[],
            milestone=None,
            requested_reviewers=[self.user(r) for r in pull.reviewers],
            requested_teams=[],
            auto_merge=None,
        )
        for key in ("merged", "mergeable", "rebaseable", "merged_by"):
            if key in body:
                body[key] = {"merged": False, "mergeable": True, "rebaseable": True, "merged_by": None}[key]
        for side, ref in (("head", pull.head), ("base", pull.base)):
            part = body[side]
            part.update(
                ref=ref,
                sha=self.state.branch_sha(ref) or "0" * 40,
                label=f"{self.state.owner}:{ref}",
                user=self.user(self.state.owner),
            )
            part["repo"] = self.repo_body(part["repo"])
        self._pull_links(body, pull.number)
        return body

    def repo_body(self, template: dict[str, Any] | None = None) -> dict[str, Any]:
        body = template if template is not None else self.example("repos/get", 200)
        s = self.state
        body.update(name=s.repo, full_name=f"{s.owner}/{s.repo}", default_branch=s.default_branch, language=None)
        body["owner"] = {**body["owner"], "login": s.owner, "url": f"{self.api_url}/users/{s.owner}"}
        if "source" in body and body["source"]:
            body["source"]["language"] = None
        return body

    def issue_body(self, pull: Pull) -> dict[str, Any]:
        body = self.example("issues/update", 200)
        n = pull.number
        api = self.repo_api
        body.update(
            id=n * 1000 + 9,
            number=n,
            title=pull.title,
            body=pull.body,
            state=pull.state,
            url=f"{api}/issues/{n}",
            repository_url=api,
            labels_url=f"{api}/issues/{n}/labels{{/name}}",
            comments_url=f"{api}/issues/{n}/comments",
            events_url=f"{api}/issues/{n}/events",
            html_url=f"{self.web_url}/{self.state.owner}/{self.state.repo}/pull/{n}",
            labels=[self.label_body(x) for x in pull.labels],
            assignee=None,
            assignees=[],
            milestone=None,
            comments=len(self.state.comments_on(n)),
            created_at=pull.created_at,
            updated_at=pull.updated_at,
            closed_at=None,
            closed_by=None,
            user=self.user(self.state.login),
            pinned_comment=None,
        )
        body["pull_request"] = {
            "url": f"{api}/pulls/{n}",
            "html_url": body["html_url"],
            "diff_url": body["html_url"] + ".diff",
            "patch_url": body["html_url"] + ".patch",
            "merged_at": None,
        }
        return body

    def comment_body(self, comment: Comment, operation_id: str, status: int) -> dict[str, Any]:
        body = self.example(operation_id, status)
        body = body[0] if isinstance(body, list) else body
        body.update(
            id=comment.id,
            body=comment.body,
            created_at=comment.created_at,
            updated_at=comment.updated_at,
            url=f"{self.repo_api}/issues/comments/{comment.id}",
            html_url=f"{self.web_url}/{self.state.owner}/{self.state.repo}/pull/{comment.issue}#issuecomment-{comment.id}",
            issue_url=f"{self.repo_api}/issues/{comment.issue}",
            user=self.user(comment.author or self.state.identity),
        )
        for key in ("pin", "minimized"):
            body.pop(key, None)
        return body

    def ref_body(self, ref: str, sha: str) -> dict[str, Any]:
        body = self.example("git/get-ref", 200)
        body.update(ref=ref, url=f"{self.repo_api}/git/{ref}")
        body["object"] = {"type": "commit", "sha": sha, "url": f"{self.repo_api}/git/commits/{sha}"}
        return body

    def content_body(self, path: str, data: bytes, ref: str) -> dict[str, Any]:
        body = self.example("repos/get-content", 200)
        sha = git_blob_sha(data)
        web = f"{self.web_url}/{self.state.owner}/{self.state.repo}"
        body.update(
            type="file",
            encoding="base64",
            size=len(data),
            name=path.rsplit("/", 1)[-1],
            path=path,
            content=base64.b64encode(data).decode(),
            sha=sha,
            url=f"{self.repo_api}/contents/{path}?ref={ref}",
            git_url=f"{self.repo_api}/git/blobs/{sha}",
            html_url=f"{web}/blob/{ref}/{path}",
            download_url=f"{web}/raw/{ref}/{path}",
        )
        body["_links"] = {"self": body["url"], "git": body["git_url"], "html": body["html_url"]}
        return body


# ---------------------------------------------------------------------------------------------
# Routes: (method, regex on the path after /repos/{owner}/{repo}, operationId, handler)

ROUTES: list[tuple[str, re.Pattern[str], str, Handler]] = []
TOP_ROUTES: list[tuple[str, re.Pattern[str], str, Handler]] = []  # paths outside /repos/{owner}/{repo}
# Operations the shared description does not cover (the Actions artifact endpoints that
# actions/download-artifact calls): their module validates them against GitHub's documented
# fields itself (tests/github_standin/artifacts.py).
UNDESCRIBED: set[str] = set()


def route(method: str, pattern: str, operation_id: str, *, top: bool = False) -> Callable[[Handler], Handler]:
    def decorate(fn: Handler) -> Handler:
        (TOP_ROUTES if top else ROUTES).append((method, re.compile(f"^{pattern}$"), operation_id, fn))
        return fn

    return decorate


def _pull(gh: GitHubStandIn, number: str) -> Pull:
    pull = gh.state.pulls.get(int(number))
    if pull is None:
        raise _HTTPError(404, "Not Found")
    return pull


@route("GET", "/user", "users/get-authenticated", top=True)
def get_user(gh: GitHubStandIn, p: dict[str, str], q: dict[str, list[str]], body: Any) -> tuple[int, Any]:
    if gh.state.installation_token:
        raise _HTTPError(403, "Resource not accessible by integration")
    user = gh.example("users/get-authenticated", 200)
    user.update({k: v for k, v in gh.user(gh.state.login).items() if k in user})
    return 200, user


@route("GET", "", "repos/get")
def get_repo(gh: GitHubStandIn, p: dict[str, str], q: dict[str, list[str]], body: Any) -> tuple[int, Any]:
    return 200, gh.repo_body()


@route("GET", "/git/ref/(?P<ref>.+)", "git/get-ref")
def get_ref(gh: GitHubStandIn, p: dict[str, str], q: dict[str, list[str]], body: Any) -> tuple[int, Any]:
    ref = "refs/" + p["ref"]
    sha = gh.state.refs.get(ref)
    if sha is None:
        raise _HTTPError(404, "Not Found")
    return 200, gh.ref_body(ref, sha)


@route("POST", "/git/refs", "git/create-ref")
def create_ref(gh: GitHubStandIn, p: dict[str, str], q: dict[str, list[str]], body: Any) -> tuple[int, Any]:
    ref, sha = body["ref"], body["sha"]
    if ref in gh.state.refs:
        raise _HTTPError(422, "Reference already exists")
    if sha not in gh.state.commits:
        raise _HTTPError(422, "Object does not exist")
    gh.state.refs[ref] = sha
    return 201, gh.ref_body(ref, sha)


@route("PATCH", "/git/refs/(?P<ref>.+)", "git/update-ref")
def update_ref(gh: GitHubStandIn, p: dict[str, str], q: dict[str, list[str]], body: Any) -> tuple[int, Any]:
    ref = "refs/" + p["ref"]
    if ref not in gh.state.refs:
        raise _HTTPError(422, "Reference does not exist")
    if body["sha"] not in gh.state.commits:
        raise _HTTPError(422, "Object does not exist")
    if not body.get("force") and not _is_ancestor(gh.state, gh.state.refs[ref], body["sha"]):
        raise _HTTPError(422, "Update is not a fast forward")
    gh.state.refs[ref] = body["sha"]
    return 200, gh.ref_body(ref, body["sha"])


def _is_ancestor(state: State, ancestor: str, sha: str) -> bool:
    todo = [sha]
    while todo:
        current = todo.pop()
        if current == ancestor:
            return True
        todo.extend(state.commits[current].parents)
    return False


@route("GET", "/contents/(?P<path>.+)", "repos/get-content")
def get_content(gh: GitHubStandIn, p: dict[str, str], q: dict[str, list[str]], body: Any) -> tuple[int, Any]:
    ref = (q.get("ref") or [gh.state.default_branch])[0]
    sha = gh.state.refs.get(f"refs/heads/{ref}") or (ref if ref in gh.state.commits else None)
    if sha is None:
        raise _HTTPError(404, f"No commit found for the ref {ref}")
    data = gh.state.commits[sha].files.get(p["path"])
    if data is None:
        raise _HTTPError(404, "Not Found")
    return 200, gh.content_body(p["path"], data, ref)


@route("PUT", "/contents/(?P<path>.+)", "repos/create-or-update-file-contents")
def put_content(gh: GitHubStandIn, p: dict[str, str], q: dict[str, list[str]], body: Any) -> tuple[int, Any]:
    branch = body.get("branch") or gh.state.default_branch
    ref = f"refs/heads/{branch}"
    if ref not in gh.state.refs:
        raise _HTTPError(404, f"Branch {branch} not found")
    parent = gh.state.refs[ref]
    files = gh.state.commits[parent].files
    path = p["path"]
    if path in files and body.get("sha") != git_blob_sha(files[path]):
        raise (
            _HTTPError(409, f"{path} does not match {body.get('sha')}")
            if body.get("sha")
            else _HTTPError(422, 'Invalid request.\n\n"sha" wasn\'t supplied.')
        )
    try:
        data = base64.b64decode(body["content"], validate=True)
    except ValueError:
        raise _HTTPError(422, "content is not valid Base64") from None
    created = path not in files
    sha = gh.state._commit(
        {**files, path: data}, [parent], body["message"], gh.state.identity, gh.state.committer_identity
    )
    gh.state.refs[ref] = sha
    status = 201 if created else 200
    out = gh.example("repos/create-or-update-file-contents", status)
    content = gh.content_body(path, data, branch)
    out["content"] = {k: content[k] for k in out["content"]}
    commit = out["commit"]
    commit.update(
        sha=sha,
        message=body["message"],
        url=f"{gh.repo_api}/git/commits/{sha}",
        html_url=f"{gh.web_url}/{gh.state.owner}/{gh.state.repo}/commit/{sha}",
    )
    commit["parents"] = [
        {
            "sha": parent,
            "url": f"{gh.repo_api}/git/commits/{parent}",
            "html_url": f"{gh.web_url}/{gh.state.owner}/{gh.state.repo}/commit/{parent}",
        }
    ]
    return status, out


def _head_branch(gh: GitHubStandIn, head: str) -> str:
    owner, _, branch = head.rpartition(":")
    if owner and owner != gh.state.owner:
        return "\0foreign"
    return branch


def _paginate(
    gh: GitHubStandIn, q: dict[str, list[str]], path: str, items: list[Any]
) -> tuple[int, Any, dict[str, str]]:
    """GitHub's pagination: `per_page` (default 30, at most 100) and `page`, a Link header with next/last."""
    try:
        per_page = min(100, max(1, int((q.get("per_page") or ["30"])[0])))
        page = max(1, int((q.get("page") or ["1"])[0]))
    except ValueError:
        raise _HTTPError(422, "Invalid page") from None
    last = max(1, -(-len(items) // per_page))
    headers = {}
    if page < last:
        keep = "&".join(f"{k}={v[0]}" for k, v in q.items() if k not in ("page", "per_page"))
        url = f"{gh.repo_api}{path}?{keep + '&' if keep else ''}per_page={per_page}&page="
        headers["Link"] = f'<{url}{page + 1}>; rel="next", <{url}{last}>; rel="last"'
    return 200, items[(page - 1) * per_page : page * per_page], headers


@route("GET", "/pulls", "pulls/list")
def list_pulls(gh: GitHubStandIn, p: dict[str, str], q: dict[str, list[str]], body: Any) -> tuple[int, Any]:
    state = (q.get("state") or ["open"])[0]
    head = q.get("head", [None])[0]
    base = q.get("base", [None])[0]
    pulls = [
        x
        for x in sorted(gh.state.pulls.values(), key=lambda x: -x.number)
        if (state == "all" or x.state == state)
        and (head is None or x.head == _head_branch(gh, head))
        and (base is None or x.base == base)
    ]
    return _paginate(gh, q, "/pulls", [gh.pull_body(x, "pulls/list", 200) for x in pulls])


@route("POST", "/pulls", "pulls/create")
def create_pull(gh: GitHubStandIn, p: dict[str, str], q: dict[str, list[str]], body: Any) -> tuple[int, Any]:
    s = gh.state
    if not s.actions_may_create_prs:
        raise _HTTPError(403, ACTIONS_PR_MESSAGE)
    head, base = _head_branch(gh, body["head"]), body["base"]
    errors = []
    if f"refs/heads/{head}" not in s.refs:
        errors.append({"resource": "PullRequest", "field": "head", "code": "invalid"})
    if f"refs/heads/{base}" not in s.refs:
        errors.append({"resource": "PullRequest", "field": "base", "code": "invalid"})
    if errors:
        raise _HTTPError(422, "Validation Failed", errors)
    if any(x.head == head and x.base == base for x in s.open_pulls()):
        raise _HTTPError(
            422,
            "Validation Failed",
            [
                {
                    "resource": "PullRequest",
                    "code": "custom",
                    "message": f"A pull request already exists for {s.owner}:{head}.",
                }
            ],
        )
    if not body.get("title"):
        raise _HTTPError(
            422, "Validation Failed", [{"resource": "PullRequest", "field": "title", "code": "missing_field"}]
        )
    pull = Pull(s.next_number, body["title"], body.get("body") or "", head, base, author=s.identity)
    s.next_number += 1
    s.pulls[pull.number] = pull
    return 201, gh.pull_body(pull, "pulls/create", 201)


@route("GET", "/pulls/(?P<n>[0-9]+)", "pulls/get")
def get_pull(gh: GitHubStandIn, p: dict[str, str], q: dict[str, list[str]], body: Any) -> tuple[int, Any]:
    return 200, gh.pull_body(_pull(gh, p["n"]))


@route("PATCH", "/pulls/(?P<n>[0-9]+)", "pulls/update")
def update_pull(gh: GitHubStandIn, p: dict[str, str], q: dict[str, list[str]], body: Any) -> tuple[int, Any]:
    pull = _pull(gh, p["n"])
    for key in ("title", "body", "state"):
        if body.get(key) is not None:
            setattr(pull, key, body[key])
    if body.get("base"):
        pull.base = body["base"]
    pull.updated_at = _now()
    return 200, gh.pull_body(pull, "pulls/update", 200)


@route("POST", "/pulls/(?P<n>[0-9]+)/requested_reviewers", "pulls/request-reviewers")
def request_reviewers(gh: GitHubStandIn, p: dict[str, str], q: dict[str, list[str]], body: Any) -> tuple[int, Any]:
    pull = _pull(gh, p["n"])
    for login in body.get("reviewers") or []:
        if login == gh.state.login:
            raise _HTTPError(
                422,
                "Reviews may only be requested from collaborators. One or more of the users or teams "
                "you specified is not a collaborator of the "
                f"{gh.repository} repository.",
            )
        if login not in pull.reviewers:
            pull.reviewers.append(login)
    return 201, gh.pull_body(pull, "pulls/request-reviewers", 201)


@route("GET", "/issues/(?P<n>[0-9]+)", "issues/get")
def get_issue(gh: GitHubStandIn, p: dict[str, str], q: dict[str, list[str]], body: Any) -> tuple[int, Any]:
    return 200, gh.issue_body(_pull(gh, p["n"]))


@route("POST", "/issues/(?P<n>[0-9]+)/labels", "issues/add-labels")
def add_labels(gh: GitHubStandIn, p: dict[str, str], q: dict[str, list[str]], body: Any) -> tuple[int, Any]:
    pull = _pull(gh, p["n"])
    names = body["labels"] if isinstance(body, dict) else body
    for item in names:
        name = item if isinstance(item, str) else item["name"]
        if name not in pull.labels:
            pull.labels.append(name)
    gh.state.labels[pull.number] = list(pull.labels)
    return 200, [gh.label_body(x) for x in pull.labels]


@route("GET", "/issues/(?P<n>[0-9]+)/labels", "issues/list-labels-on-issue")
def list_labels(gh: GitHubStandIn, p: dict[str, str], q: dict[str, list[str]], body: Any) -> tuple[int, Any]:
    return 200, [gh.label_body(x) for x in _pull(gh, p["n"]).labels]


@route("GET", "/issues/(?P<n>[0-9]+)/comments", "issues/list-comments")
def list_comments(gh: GitHubStandIn, p: dict[str, str], q: dict[str, list[str]], body: Any) -> tuple[int, Any]:
    _pull(gh, p["n"])
    comments = [gh.comment_body(c, "issues/list-comments", 200) for c in gh.state.comments_on(int(p["n"]))]
    return _paginate(gh, q, f"/issues/{p['n']}/comments", comments)


def _check_comment_length(body: Any) -> None:
    """GitHub's 422 for a comment body over 65,536 characters (creating and editing alike)."""
    if len(body["body"]) > 65536:
        raise _HTTPError(
            422,
            "Validation Failed",
            [
                {
                    "resource": "IssueComment",
                    "code": "custom",
                    "field": "body",
                    "message": "body is too long (maximum is 65536 characters)",
                }
            ],
        )


@route("POST", "/issues/(?P<n>[0-9]+)/comments", "issues/create-comment")
def create_comment(gh: GitHubStandIn, p: dict[str, str], q: dict[str, list[str]], body: Any) -> tuple[int, Any]:
    pull = _pull(gh, p["n"])
    _check_comment_length(body)
    comment = Comment(gh.state.next_comment_id, pull.number, body["body"], author=gh.state.identity)
    gh.state.next_comment_id += 1
    gh.state.comments[comment.id] = comment
    return 201, gh.comment_body(comment, "issues/create-comment", 201)


@route("PATCH", "/issues/comments/(?P<id>[0-9]+)", "issues/update-comment")
def update_comment(gh: GitHubStandIn, p: dict[str, str], q: dict[str, list[str]], body: Any) -> tuple[int, Any]:
    comment = gh.state.comments.get(int(p["id"]))
    if comment is None:
        raise _HTTPError(404, "Not Found")
    _check_comment_length(body)
    comment.body = body["body"]
    comment.updated_at = _now()
    return 200, gh.comment_body(comment, "issues/update-comment", 200)


@route("POST", "/dispatches", "repos/create-dispatch-event")
def repository_dispatch(gh: GitHubStandIn, p: dict[str, str], q: dict[str, list[str]], body: Any) -> tuple[int, Any]:
    gh.state.dispatches.append({"kind": "repository_dispatch", **body})
    return 204, None


@route("POST", "/actions/workflows/(?P<workflow>[^/]+)/dispatches", "actions/create-workflow-dispatch")
def workflow_dispatch(gh: GitHubStandIn, p: dict[str, str], q: dict[str, list[str]], body: Any) -> tuple[int, Any]:
    if f"refs/heads/{body['ref']}" not in gh.state.refs and f"refs/tags/{body['ref']}" not in gh.state.refs:
        raise _HTTPError(422, f"No ref found for: {body['ref']}")
    gh.state.dispatches.append({"kind": "workflow_dispatch", "workflow": unquote(p["workflow"]), **body})
    return 204, None


# ---------------------------------------------------------------------------------------------


def _add_body_formats(out: Any) -> None:
    """GitHub's `full+json` media type (github3.py's default Accept) adds body_text and body_html."""
    for item in out if isinstance(out, list) else [out]:
        if isinstance(item, dict) and "body" in item and ("number" in item or "issue_url" in item):
            text = item["body"] or ""
            item["body_text"] = text
            item["body_html"] = "<p>" + text.replace("&", "&amp;").replace("<", "&lt;") + "</p>"


class _Server(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        import sys

        if isinstance(sys.exc_info()[1], (ConnectionResetError, BrokenPipeError)):
            return  # a client closed a kept-alive connection: not an error
        super().handle_error(request, client_address)


class _RequestHandler(BaseHTTPRequestHandler):
    owner: GitHubStandIn
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - keep test output clean
        return

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def do_PUT(self) -> None:
        self._handle("PUT")

    def do_PATCH(self) -> None:
        self._handle("PATCH")

    def do_DELETE(self) -> None:
        self._handle("DELETE")

    def _send(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        raw = isinstance(body, bytes)
        data = body if raw else b"" if body is None else json.dumps(body).encode("utf-8")
        self.send_response(status)
        if body is not None and not raw:
            self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        if data:
            self.wfile.write(data)

    def _error(
        self,
        status: int,
        message: str,
        errors: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        body: dict[str, Any] = {"message": message, "documentation_url": DOCS, "status": str(status)}
        if errors:
            body["errors"] = errors
        self._send(status, body, headers)

    def _handle(self, method: str) -> None:
        gh = self.owner
        parts = urlsplit(self.path)
        path, query = parts.path, parse_qs(parts.query)
        if gh.prefix:
            if not path.startswith(gh.prefix + "/"):
                self._error(404, "Not Found")
                return
            path = path[len(gh.prefix) :]
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        entry: dict[str, Any] = {"method": method, "path": path, "query": query, "time": time.monotonic()}
        with gh.state.lock:
            gh.requests.append(entry)
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            entry["status"] = 400
            self._error(400, "Problems parsing JSON")
            return
        entry["body"] = body

        fault = gh._take_fault(method, path)
        if fault is not None:
            spec, status = fault
            headers = dict(spec.headers)
            if spec.retry_after is not None:
                headers["Retry-After"] = str(spec.retry_after)
            entry["status"] = status
            message = (spec.body or {}).get("message") or {
                502: "Server Error",
                503: "Service Unavailable",
                429: "API rate limit exceeded",
                403: "You have exceeded a secondary rate limit.",
            }.get(status, "Injected")
            self._error(status, message, (spec.body or {}).get("errors"), headers)
            return

        auth = self.headers.get("Authorization", "")
        scheme, _, token = auth.partition(" ")
        if scheme.lower() not in ("token", "bearer") or token != gh.token:
            entry["status"] = 401
            self._error(401, "Bad credentials")
            return

        if gh.state.read_only and method != "GET":  # a fork pull request's token
            entry["status"] = 403
            self._error(403, "Resource not accessible by integration")
            return
        prefix = f"/repos/{gh.state.owner}/{gh.state.repo}"
        if path.startswith("/repos/") and not (path == prefix or path.startswith(prefix + "/")):
            entry["status"] = 404
            self._error(404, "Not Found")
            return
        in_repo = path.startswith("/repos/")
        rest = path[len(prefix) :] if in_repo else path
        for route_method, pattern, operation_id, handler in ROUTES if in_repo else TOP_ROUTES:
            match = pattern.match(rest) if route_method == method else None
            if match is None:
                continue
            entry["operation_id"] = operation_id
            problems = [] if operation_id in UNDESCRIBED else description().request_errors(operation_id, body)
            if problems:
                gh.violations.extend(f"request {method} {path} ({operation_id}): {x}" for x in problems)
                entry["status"] = 422
                self._error(422, "Invalid request.\n\n" + "\n".join(problems))
                return
            try:
                with gh.state.lock:
                    status, out, *extra = handler(
                        gh, {k: unquote(v) for k, v in match.groupdict().items()}, query, body
                    )
            except _HTTPError as error:
                entry["status"] = error.status
                self._error(error.status, error.message, error.errors)
                return
            media = self.headers.get("Accept", "")
            if any(kind in media for kind in ("full+json", "html+json", "text+json")):
                _add_body_formats(out)
            problems = [] if operation_id in UNDESCRIBED else description().response_errors(operation_id, status, out)
            if problems:
                gh.violations.extend(f"response {method} {path} ({operation_id}) {status}: {x}" for x in problems)
                entry["status"] = 500
                self._error(500, "stand-in produced an undocumented response: " + "; ".join(problems[:3]))
                return
            headers = dict(extra[0]) if extra else {}
            change = gh._take_rewrite(method, path)
            if change is not None:
                status, out, headers = change.fn(status, out, headers)
            entry["status"] = status
            self._send(status, out, headers)
            return
        gh.violations.append(f"no route for {method} {path}: the stand-in does not implement it")
        entry["status"] = 404
        self._error(404, "Not Found")
