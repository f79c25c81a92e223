"""GitHub access for mlspec: settings from the environment GitHub Actions sets, and a small
repository wrapper over github3.py with retries and clear, token-free errors.

    settings = GitHubSettings.from_env()
    if settings.has_token:
        repo = connect(settings)
        repo.upsert_comment(settings.pr_number, comment_marker("churn"), body)
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from mlspec.envvars import env_number
from mlspec.errors import GitHubError
from mlspec.hosts.github.errors import scrub, translate
from mlspec.hosts.github.job import DEFAULT_API_URL, DEFAULT_SERVER_URL, ActionsEnv
from mlspec.hosts.github.retry import RetryPolicy
from mlspec.markdown import hidden_marker

COMMENT_LIMIT = 65_536
TOKEN_VARIABLES = ("GITHUB_TOKEN", "GH_TOKEN")
PROMOTION_TOKEN_VARIABLES = ("MLSPEC_PROMOTION_TOKEN", "GITHUB_TOKEN", "GH_TOKEN")
ACTIONS_BOT = "github-actions[bot]"  # author of what the workflow's GITHUB_TOKEN writes
DEFAULT_DEADLINE_SECONDS = 120.0
_REPOSITORY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]*/[A-Za-z0-9_.\-]+$")
T = TypeVar("T")


def comment_marker(project: str, kind: str = "report") -> str:
    """Hidden HTML marker that identifies mlspec's sticky comment of one project on a PR."""
    return hidden_marker(kind, project)


def _float_env(environ: Mapping[str, str], name: str, default: float) -> float:
    return env_number(environ, name, default)


def pr_number_from_event(event_path: str | None, ref: str | None = None) -> int | None:
    """PR number from the event payload (pull_request / pull_request_target / issue_comment), else from
    GITHUB_REF `refs/pull/N/merge`."""
    if event_path:
        try:
            event = json.loads(Path(event_path).read_text("utf-8"))
        except (OSError, ValueError):
            event = {}
        for candidate in (
            (event.get("pull_request") or {}).get("number"),
            event.get("number") if "pull_request" in event else None,
            (event.get("issue") or {}).get("number") if (event.get("issue") or {}).get("pull_request") else None,
        ):
            if isinstance(candidate, int) and candidate > 0:
                return candidate
    match = re.match(r"^refs/pull/([0-9]+)/(?:merge|head)$", ref or "")
    return int(match.group(1)) if match else None


def pr_from_fork(event_path: str | None) -> bool:
    """True when the event payload is a pull request from another repository than its base (a fork, or a
    fork since deleted: ``head.repo`` null): GitHub gives such workflows a read-only GITHUB_TOKEN."""
    if not event_path:
        return False
    try:
        event = json.loads(Path(event_path).read_text("utf-8"))
    except (OSError, ValueError):
        return False
    pull = event.get("pull_request") if isinstance(event, dict) else None
    if not isinstance(pull, dict) or not isinstance(pull.get("head"), dict) or not isinstance(pull.get("base"), dict):
        return False
    head, base = pull["head"].get("repo"), pull["base"].get("repo")
    if head is None:
        return True
    if not isinstance(head, dict) or not isinstance(base, dict):
        return False
    if head.get("fork") is True and head.get("full_name") != base.get("full_name"):
        return True
    names = str(head.get("full_name") or ""), str(base.get("full_name") or "")
    return all(names) and names[0].lower() != names[1].lower()


@dataclass(frozen=True)
class GitHubSettings:
    token: str | None = field(default=None, repr=False)
    token_source: str = "GITHUB_TOKEN"
    repository: str | None = None
    api_url: str = DEFAULT_API_URL
    server_url: str = DEFAULT_SERVER_URL
    event_path: str | None = None
    sha: str | None = None
    ref: str | None = None
    run_id: str | None = None
    actor: str | None = None
    event_name: str | None = None
    pr_number: int | None = None
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    deadline_seconds: float = DEFAULT_DEADLINE_SECONDS  # all GitHub requests of one connection together
    login: str | None = None  # MLSPEC_GITHUB_LOGIN: who the token writes as, when GET /user cannot tell
    pr_from_fork: bool = False  # the event is a pull request whose head is another repository (a fork)

    @classmethod
    def from_env(
        cls, environ: Mapping[str, str] | None = None, token_variables: Sequence[str] = TOKEN_VARIABLES
    ) -> GitHubSettings:
        env = os.environ if environ is None else environ
        token, source = None, token_variables[0]
        for name in token_variables:
            if env.get(name, "").strip():
                token, source = env[name].strip(), name
                break
        retry = RetryPolicy(
            attempts=int(env_number(env, "MLSPEC_GITHUB_RETRIES", 5, maximum=100, integer=True)),
            base_seconds=_float_env(env, "MLSPEC_GITHUB_RETRY_BASE_SECONDS", 1.0),
            max_seconds=_float_env(env, "MLSPEC_GITHUB_RETRY_MAX_SECONDS", 60.0),
            max_wait_seconds=_float_env(env, "MLSPEC_GITHUB_RETRY_MAX_WAIT_SECONDS", 30.0),
            secondary_seconds=_float_env(env, "MLSPEC_GITHUB_SECONDARY_RATE_LIMIT_SECONDS", 60.0),
        )
        actions = ActionsEnv.from_env(env)
        return cls(
            token=token,
            token_source=source,
            repository=actions.repository,
            api_url=actions.api_url,
            server_url=actions.server_url,
            event_path=actions.event_path,
            sha=actions.sha,
            ref=actions.ref,
            run_id=actions.run_id,
            actor=actions.actor,
            event_name=actions.event_name,
            pr_number=pr_number_from_event(actions.event_path, actions.ref),
            pr_from_fork=pr_from_fork(actions.event_path),
            retry=retry,
            deadline_seconds=env_number(
                env, "MLSPEC_GITHUB_DEADLINE_SECONDS", DEFAULT_DEADLINE_SECONDS, minimum=1, maximum=3600
            ),
            login=(env.get("MLSPEC_GITHUB_LOGIN") or "").strip() or None,
        )

    @property
    def has_token(self) -> bool:
        return bool(self.token)

    @property
    def run_url(self) -> str | None:
        return ActionsEnv(repository=self.repository, server_url=self.server_url, run_id=self.run_id).run_url

    def scrub(self, text: str) -> str:
        return scrub(text, self.token)


@dataclass(frozen=True)
class PullInfo:
    number: int
    title: str
    body: str
    head: str
    base: str
    state: str
    html_url: str
    labels: tuple[str, ...] = ()
    author: str = ""  # login of who opened it ("" when GitHub names no account)


@dataclass(frozen=True)
class BranchCommit:
    """A commit a branch holds beyond its base (GET compare): who GitHub attributes it to, and its message."""

    sha: str
    message: str
    author: str | None  # GitHub account of the commit's author (None: the e-mail maps to no account)
    committer: str | None  # likewise the committer ("web-flow": GitHub itself, committing for an app or the web UI)
    parents: int


@dataclass(frozen=True)
class BranchHistory:
    """What ``head`` holds beyond ``base``: its commits (oldest first) and the files they change together."""

    commits: tuple[BranchCommit, ...]
    files: tuple[str, ...]


class AnswerShape(ValueError):
    """A field of GitHub's answer that mlspec reads is missing or of another type than GitHub documents."""


def field_of(item: Any, name: str, kind: type | tuple[type, ...], *, optional: bool = False) -> Any:
    """``item.name`` (a github3 object or a dict) when it is of ``kind``; None when ``optional`` and null."""
    value = item.get(name) if isinstance(item, dict) else getattr(item, name, None)
    if value is None and optional:
        return None
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is int):
        raise AnswerShape(f"field {name!r} is {'missing' if value is None else type(value).__name__}")
    return value


def _pull_info(pr: Any) -> PullInfo:
    labels = tuple(
        str(label["name"]) if isinstance(label, dict) else str(getattr(label, "name", label))
        for label in (getattr(pr, "labels", None) or [])
    )
    return PullInfo(
        number=field_of(pr, "number", int),
        title=field_of(pr, "title", str, optional=True) or "",
        body=field_of(pr, "body", str, optional=True) or "",
        head=field_of(field_of(pr, "head", object), "ref", str),
        base=field_of(field_of(pr, "base", object), "ref", str),
        state=field_of(pr, "state", str),
        html_url=field_of(pr, "html_url", str),
        labels=labels,
        author=str(getattr(getattr(pr, "user", None), "login", None) or ""),
    )


def _from_github3(exc: BaseException) -> bool:
    """The exception was raised while github3.py read an answer: its deepest frame of github3 or mlspec is
    github3's (a bug of mlspec's own code stays a bug: exit 3 with a traceback file)."""
    deepest = None
    tb = exc.__traceback__
    while tb is not None:
        module = str(tb.tb_frame.f_globals.get("__name__", ""))
        if module == "github3" or module.startswith("github3."):
            deepest = "github3"
        elif module == "mlspec" or module.startswith("mlspec."):
            deepest = "mlspec"
        tb = tb.tb_next
    return deepest == "github3"


class Repo:
    """One repository on GitHub. Every method raises GitHubError (exit 1) with a clear message."""

    def __init__(self, settings: GitHubSettings, github: Any, repository: Any) -> None:
        self.settings = settings
        self._gh = github
        self._repo = repository
        self.owner, self.name = str(settings.repository).split("/", 1)
        self._identity: str | None = settings.login

    @property
    def full_name(self) -> str:
        return f"{self.owner}/{self.name}"

    @property
    def default_branch(self) -> str:
        return str(
            self._run("read the repository's default branch", lambda: field_of(self._repo, "default_branch", str))
        )

    @contextmanager
    def _call(self, action: str, not_found: str | None = None) -> Iterator[None]:
        """Every GitHub request and every read of its answer: failures become GitHubError (exit 1)."""
        import github3.exceptions as gex

        try:
            yield
        except gex.GitHubException as exc:
            raise self._translate(exc, action, not_found) from None
        except AnswerShape as exc:
            raise self._unexpected(action, str(exc)) from None
        except (TypeError, AttributeError, KeyError, ValueError, IndexError) as exc:
            if not _from_github3(exc):
                raise
            raise self._unexpected(action, f"github3.py could not read it: {type(exc).__name__}: {exc}") from None

    def _unexpected(self, action: str, what: str) -> GitHubError:
        from mlspec.hosts.github.errors import SHAPE_HINT

        request = getattr(self._gh.session, "last_request", "the request")
        return GitHubError(
            self.settings.scrub(
                f"cannot {action} in {self.full_name}: GitHub's answer to {request} is not of the documented "
                f"shape ({what})"[:2000]
            ),
            hint=SHAPE_HINT,
        )

    def _translate(self, exc: BaseException, action: str, not_found: str | None = None) -> GitHubError:
        return translate(
            exc,
            action=action,
            repository=self.full_name,
            api_url=self.settings.api_url,
            token=self.settings.token,
            token_source=self.settings.token_source,
            not_found=not_found,
        )

    # identity: what counts as ours ------------------------------------------------------------------
    def identity(self) -> str:
        """The login GitHub records as the author of what this token writes: MLSPEC_GITHUB_LOGIN when set,
        else GET /user; the workflow's GITHUB_TOKEN may not read /user (403), its writes are by
        github-actions[bot]."""
        if self._identity is None:
            self._identity = self._read_identity()
        return self._identity

    def _read_identity(self) -> str:
        import github3.exceptions as gex

        action = "find out which account the token writes as (GET /user)"
        forbidden = False
        with self._call(action):
            try:
                me = self._gh.me()
            except gex.ForbiddenError:
                forbidden = True
        if forbidden:
            if self.settings.token_source in TOKEN_VARIABLES:
                return ACTIONS_BOT
            raise GitHubError(
                f"cannot tell which account {self.settings.token_source} writes as: GitHub refused GET /user (403), "
                "as it does for GitHub App tokens",
                hint="set MLSPEC_GITHUB_LOGIN to the app's bot login (e.g. my-app[bot]) so mlspec recognises "
                "its own comments and pull requests",
            )
        if me is None:
            raise self._missing("the token's user", action)
        login: str = self._run(action, lambda: field_of(me, "login", str))
        if not login:
            raise self._unexpected(action, "field 'login' is empty")
        return login

    def _by_us(self, item: Any) -> bool:
        """Written by this token's account. An item without an author (GitHub: `user` null, a deleted account)
        or with an author of another shape is not ours."""
        login = getattr(getattr(item, "user", None), "login", None)
        return isinstance(login, str) and bool(login) and login.lower() == self.identity().lower()

    def _ours_pr(self, pr: Any, head: str) -> bool:
        """Open PR from our repository's branch `head`, opened by us (not a fork's, not someone else's)."""
        side = getattr(pr, "head", None)
        repository = getattr(side, "repository", None) or getattr(side, "repo", None)
        full_name = getattr(repository, "full_name", None)
        if isinstance(repository, (tuple, list)) and len(repository) == 2:  # github3's Head.repo: (owner, name)
            full_name = "/".join(map(str, repository))
        same_repo = full_name is None or str(full_name).lower() == self.full_name.lower()
        return getattr(side, "ref", None) == head and same_repo and self._by_us(pr)

    def _missing(self, what: str, action: str) -> GitHubError:
        return GitHubError(
            self.settings.scrub(f"{what} not found (404) at {self.settings.api_url} while trying to {action}"),
            hint=f"check GITHUB_REPOSITORY ({self.full_name}) and that {self.settings.token_source} can access it",
        )

    def _run(self, action: str, fn: Callable[[], T], not_found: str | None = None) -> T:
        with self._call(action, not_found):
            return fn()
        raise AssertionError("unreachable")  # pragma: no cover

    def _run_or_none(self, action: str, fn: Callable[[], T]) -> T | None:
        """Like _run, but a 404 means "absent" (None) instead of an error."""
        import github3.exceptions as gex

        with self._call(action):
            try:
                return fn()
            except gex.NotFoundError:
                return None
        raise AssertionError("unreachable")  # pragma: no cover

    # branches and files --------------------------------------------------------------------------
    def branch_sha(self, branch: str) -> str | None:
        """Commit sha the branch points at, or None when it does not exist."""
        action = f"read branch {branch}"
        ref = self._run_or_none(action, lambda: self._repo.ref(f"heads/{branch}"))
        return None if ref is None else str(self._run(action, lambda: _sha(field_of(ref.object, "sha", str))))

    def create_branch(self, branch: str, sha: str) -> None:
        import github3.exceptions as gex

        action = f"create branch {branch}"
        with self._call(action):
            try:
                ref = self._repo.create_ref(f"refs/heads/{branch}", sha)
            except gex.UnprocessableEntity as exc:
                # a retried request whose first try GitHub carried out (e.g. then answered with a rate limit)
                if "already exists" in str(exc.msg) and self.branch_sha(branch) == sha:
                    return
                raise
        if ref is None:
            raise self._missing(f"repository {self.full_name}", action)

    def move_branch(self, branch: str, sha: str, *, force: bool = False) -> None:
        action = f"update branch {branch}"
        ref = self._run(action, lambda: self._repo.ref(f"heads/{branch}"))
        if ref is None:
            raise self._missing(f"branch {branch} of {self.full_name}", action)
        self._run(action, lambda: ref.update(sha, force=force))

    def _contents(self, path: str, ref: str) -> Any:
        return self._run_or_none(f"read {path} on {ref}", lambda: self._repo.file_contents(path, ref=ref))

    def read_file(self, path: str, ref: str) -> str | None:
        """Text of `path` on branch/commit `ref`, or None when absent."""
        contents = self._contents(path, ref)
        if contents is None:
            return None
        data = self._run(f"read {path} on {ref}", lambda: field_of(contents, "decoded", bytes))
        try:
            return str(data.decode("utf-8"))
        except UnicodeDecodeError:
            raise GitHubError(
                f"{path} on {ref} in {self.full_name} is not UTF-8 text",
                hint=f"mlspec writes {path} as UTF-8 text; restore it from git history or delete it on {ref}",
            ) from None

    def write_file(self, path: str, text: str, *, message: str, branch: str) -> str:
        """Commit `text` to `path` on `branch` (contents API); returns the new commit sha."""
        action = f"commit {path} on {branch}"
        data = text.encode("utf-8")
        existing = self._contents(path, branch)
        if existing is None:
            result = self._run(action, lambda: self._repo.create_file(path, message, data, branch=branch))
        else:
            result = self._run(action, lambda: existing.update(message, data, branch=branch))
        if not result:
            raise self._missing(f"branch {branch} of {self.full_name}", action)
        return str(self._run(action, lambda: _sha(field_of(result["commit"], "sha", str))))

    # pull requests ---------------------------------------------------------------------------------
    def _pull(self, number: int, action: str) -> Any:
        what = f"pull request #{number} in {self.full_name}"
        pr = self._run(action, lambda: self._repo.pull_request(number), not_found=what)
        if pr is None:
            raise self._missing(what, action)
        return pr

    def _find(self, head: str, base: str | None) -> Any:
        """Our open pull request from branch `head`: a PR of the same branch by anyone else is not ours."""
        self.identity()

        def first() -> Any:
            for pr in self._repo.pull_requests(state="open", head=f"{self.owner}:{head}", base=base):
                if self._ours_pr(pr, head):
                    return pr
            return None

        return self._run(f"list pull requests from {head}", first)

    def find_pr(self, head: str, base: str | None = None) -> PullInfo | None:
        """Our open pull request from branch `head` (into `base`), if any (head branch and author are ours)."""
        pr = self._find(head, base)
        return None if pr is None else self._run(f"read pull request from {head}", lambda: _pull_info(pr))

    def open_pulls_from(self, head: str) -> list[PullInfo]:
        """Every open pull request from this repository's branch ``head``, into any base, by anyone."""

        def listed() -> list[PullInfo]:
            pulls = self._repo.pull_requests(state="open", head=f"{self.owner}:{head}")
            return [_pull_info(pr) for pr in pulls if getattr(getattr(pr, "head", None), "ref", None) == head]

        return self._run(f"list pull requests from {head}", listed)

    def is_ours(self, login: str | None) -> bool:
        """Whether GitHub's ``login`` is the account this token writes as."""
        return bool(login) and str(login).lower() == self.identity().lower()

    def branch_history(self, base: str, head: str, *, max_commits: int = 1000) -> BranchHistory:
        """The commits ``head`` holds beyond ``base`` and the files they change (GET compare/{base}...{head},
        100 commits a page). More than ``max_commits`` is a GitHubError: no branch of mlspec's holds that many."""
        action = f"compare branch {head} with {base}"
        per_page, commits, ahead = 100, [], 0
        files: tuple[str, ...] = ()
        for page in range(1, max_commits // per_page + 2):
            body = self._get_json(action, ["compare", f"{base}...{head}"], {"per_page": per_page, "page": page})
            listed, ahead_by = body.get("commits"), body.get("ahead_by")
            if not isinstance(listed, list) or not isinstance(ahead_by, int):
                raise GitHubError(f"GitHub answered an unexpected comparison while trying to {action}")
            ahead = ahead_by
            if ahead > max_commits:
                raise GitHubError(
                    f"{head} holds {ahead} commits beyond {base}: more than mlspec ever writes to its own branch",
                    hint=f"{head} is not mlspec's: rename or delete it after saving its commits, then run again",
                )
            if page == 1:
                files = tuple(str(item.get("filename")) for item in body.get("files") or [] if isinstance(item, dict))
            commits += [_branch_commit(item) for item in listed]
            if len(commits) >= ahead or not listed:
                break
        if len(commits) < ahead:
            raise GitHubError(f"GitHub listed {len(commits)} of the {ahead} commits while trying to {action}")
        return BranchHistory(tuple(commits), files)

    def workflow_run(self, run_id: str) -> dict[str, Any] | None:
        """GET /repos/{owner}/{repo}/actions/runs/{run_id} (None: no such run in this repository)."""
        action = f"read workflow run {run_id}"
        try:
            return self._get_json(action, ["actions", "runs", run_id], {})
        except _Absent:
            return None

    def get_pr(self, number: int) -> PullInfo:
        action = f"read pull request #{number}"
        pr = self._pull(number, action)
        return self._run(action, lambda: _pull_info(pr))

    def open_or_update_pr(
        self, *, head: str, base: str, title: str, body: str, labels: Sequence[str] = (), reviewers: Sequence[str] = ()
    ) -> tuple[PullInfo, bool]:
        """Open the PR from `head` into `base`, or update the open one (title/body). Returns (pr, created)."""
        import github3.exceptions as gex

        body = limit_body(body)
        created = False
        pr = self._find(head, base)
        if pr is None:
            action = f"open a pull request from {head} into {base}"
            with self._call(action):  # what github3.py cannot read of the answer: a GitHubError too
                try:
                    pr = self._repo.create_pull(title=title, base=base, head=head, body=body)
                    created = pr is not None
                    if pr is None:
                        raise self._missing(f"repository {self.full_name}", action)
                except gex.UnprocessableEntity as exc:
                    if "already exists" not in str(exc.errors) + str(exc.msg):
                        raise self._translate(exc, action) from None
                    pr = self._find(head, base)  # opened concurrently or by a replayed request: reuse it
                    if pr is None:
                        raise GitHubError(
                            f"cannot {action} in {self.full_name}: an open pull request from {head} exists that "
                            f"{self.identity()} did not open, and mlspec only updates its own",
                            hint=f"close that pull request; mlspec then opens its own from {head}",
                        ) from None
                except gex.GitHubException as exc:
                    raise self._translate(exc, action) from None
        info = self._run(f"read the pull request from {head}", lambda: _pull_info(pr))
        if not created and (info.title != title or info.body != body):
            full = self._pull(info.number, f"update pull request #{info.number}")
            self._run(f"update pull request #{info.number}", lambda: full.update(title=title, body=body))
            info = self._run(f"update pull request #{info.number}", lambda: _pull_info(full))
        if labels:
            self.add_labels(info.number, labels)
        if reviewers:
            self.request_reviewers(info.number, reviewers)
        return self.get_pr(info.number) if (labels or reviewers) else info, created

    def add_labels(self, number: int, labels: Sequence[str]) -> None:
        action = f"label pull request #{number}"
        issue = self._run(action, lambda: self._repo.issue(number))
        if issue is None:
            raise self._missing(f"pull request #{number} in {self.full_name}", action)
        have = self._run(action, lambda: {str(label.name) for label in (getattr(issue, "original_labels", None) or [])})
        missing = [label for label in labels if label not in have]
        if missing:
            # github3's Issue.add_labels posts a bare JSON array; the documented body is {"labels": [...]}.
            self._run(action, lambda: self._post(["issues", str(number), "labels"], {"labels": missing}, ok=(200,)))

    def request_reviewers(self, number: int, reviewers: Sequence[str]) -> None:
        action = f"request reviewers on pull request #{number}"
        pr = self._pull(number, action)
        have = self._run(action, lambda: {str(user.login) for user in (pr.requested_reviewers or [])})
        missing = [login for login in reviewers if login not in have]
        if missing:
            self._run(action, lambda: pr.create_review_requests(reviewers=missing))

    def close_pr(self, number: int, comment: str | None = None) -> None:
        """Close a superseded pull request, leaving a comment that says why."""
        if comment:
            self.comment(number, comment)
        pr = self._pull(number, f"close pull request #{number}")
        self._run(f"close pull request #{number}", pr.close)

    # comments ---------------------------------------------------------------------------------------
    def _issue(self, number: int, action: str) -> Any:
        what = f"pull request #{number} in {self.full_name}"
        issue = self._run(action, lambda: self._repo.issue(number), not_found=what)
        if issue is None:
            raise self._missing(what, action)
        return issue

    def comment(self, number: int, body: str) -> int:
        action = f"comment on pull request #{number}"
        issue = self._issue(number, action)
        created = self._run(action, lambda: issue.create_comment(limit_body(body)))
        return int(self._run(action, lambda: field_of(created, "id", int)))

    def upsert_comment(self, pr_number: int, marker: str, body: str, legacy: Sequence[str] = ()) -> tuple[int, bool]:
        """Keep exactly one comment of ours carrying `marker` (or one of the older `legacy` markers) on the PR: edit
        it in place, or create it. A comment by anyone else is never edited, even when it copies the marker.
        Returns (comment_id, created)."""
        action = f"update the mlspec comment on pull request #{pr_number}"
        if marker not in body:
            body = f"{marker}\n{body}"
        body = limit_body(body)
        issue = self._issue(pr_number, action)

        self.identity()

        def existing() -> Any:  # ours: carries the marker AND was written by this token's account
            for comment in issue.comments():
                text = field_of(comment, "body", str, optional=True) or ""
                if any(known in text for known in (marker, *legacy)) and self._by_us(comment):
                    return comment
            return None

        found = self._run(action, existing)
        if found is None:
            created = self._run(action, lambda: issue.create_comment(body))
            return int(self._run(action, lambda: field_of(created, "id", int))), True
        if found.body != body:
            self._run(action, lambda: found.edit(body))
        return int(self._run(action, lambda: field_of(found, "id", int))), False

    # dispatch ---------------------------------------------------------------------------------------
    def _post(self, url_parts: Sequence[str], payload: dict[str, Any], *, ok: tuple[int, ...]) -> bool:
        """POST a JSON body to the repository's URL + ``url_parts``: the one adapter for REST calls github3.py
        has no fitting method for. It uses only github3's public surface: the session (``GitHub.session``:
        token, base URL, the retrying adapter), the repository's ``url``, and ``github3.exceptions``
        (``TransportError`` for a failed request, ``error_for`` for an error status), so ``_run`` translates
        failures as for any github3 call. True for a status in ``ok``, False for 404."""
        import github3.exceptions as gex
        import requests

        url = "/".join([str(self._repo.url).rstrip("/"), *(part.strip("/") for part in url_parts)])
        try:
            response = self._gh.session.post(url, json=payload)
        except requests.exceptions.RequestException as exc:
            raise gex.TransportError(exc) from exc
        if response.status_code in ok:
            return True
        if response.status_code == 404:
            return False
        raise gex.error_for(response)

    def _get_json(self, action: str, url_parts: Sequence[str], params: Mapping[str, Any]) -> dict[str, Any]:
        """GET the repository's URL + ``url_parts`` as a JSON object (the counterpart of ``_post``); 404 raises
        _Absent, any other shape than an object is a GitHubError naming the request."""
        import github3.exceptions as gex
        import requests

        url = "/".join([str(self._repo.url).rstrip("/"), *(part.strip("/") for part in url_parts)])

        def fetch() -> Any:
            try:
                response = self._gh.session.get(url, params=dict(params))
            except requests.exceptions.RequestException as exc:
                raise gex.TransportError(exc) from exc
            if response.status_code == 404:
                raise _Absent(url)
            if response.status_code != 200:
                raise gex.error_for(response)
            try:
                return response.json()
            except ValueError:
                return None

        body = self._run(action, fetch)
        if not isinstance(body, dict):
            raise GitHubError(
                f"GitHub answered {type(body).__name__} where a JSON object was expected while trying to {action}",
                hint=f"check GITHUB_API_URL ({self.settings.api_url}); retry later if GitHub is degraded",
            )
        return body

    def _post_no_content(self, action: str, url_parts: Sequence[str], payload: dict[str, Any]) -> None:
        if not self._run(action, lambda: self._post(url_parts, payload, ok=(200, 204))):
            raise self._missing(f"repository {self.full_name} (or the target)", action)

    def repository_dispatch(self, event_type: str, client_payload: Mapping[str, Any] | None = None) -> None:
        """POST /repos/{owner}/{repo}/dispatches: starts workflows listening on `repository_dispatch`."""
        payload: dict[str, Any] = {"event_type": event_type}
        if client_payload is not None:
            payload["client_payload"] = dict(client_payload)
        self._post_no_content(f"send repository_dispatch {event_type}", ["dispatches"], payload)

    def workflow_dispatch(self, workflow_file: str, ref: str, inputs: Mapping[str, Any] | None = None) -> None:
        """POST /repos/{owner}/{repo}/actions/workflows/{file}/dispatches (needs `actions: write`)."""
        payload: dict[str, Any] = {"ref": ref}
        if inputs:
            payload["inputs"] = {
                key: str(value) if not isinstance(value, (str, bool, int, float)) else value
                for key, value in inputs.items()
            }
        self._post_no_content(
            f"dispatch workflow {workflow_file} on {ref}",
            ["actions", "workflows", workflow_file, "dispatches"],
            payload,
        )


def _sha(value: str) -> str:
    if not re.fullmatch(r"[0-9a-f]{40}|[0-9a-f]{64}", value):
        raise AnswerShape(f"field 'sha' is {value[:80]!r}, not a commit sha")
    return value


class _Absent(Exception):
    """A GET answered 404."""


def _login(user: Any) -> str | None:
    login = user.get("login") if isinstance(user, dict) else None
    return str(login) if login else None


def _branch_commit(item: Any) -> BranchCommit:
    if not isinstance(item, dict):
        raise GitHubError("GitHub answered a comparison whose commits are not objects")
    inner = item.get("commit")
    inner = inner if isinstance(inner, dict) else {}
    parents = item.get("parents")
    return BranchCommit(
        sha=str(item.get("sha") or ""),
        message=str(inner.get("message") or ""),
        author=_login(item.get("author")),
        committer=_login(item.get("committer")),
        parents=len(parents) if isinstance(parents, list) else 0,
    )


def limit_body(body: str, limit: int = COMMENT_LIMIT) -> str:
    """GitHub rejects comment/PR bodies above 65,536 characters: cut with a visible note as a last resort
    (the report trims its details first)."""
    if len(body) <= limit:
        return body
    note = "\n\n… (truncated: GitHub limits bodies to 65,536 characters; see the run's artifacts for the rest)\n"
    return body[: limit - len(note)] + note


def connect(settings: GitHubSettings) -> Repo:
    """A Repo for settings.repository at settings.api_url, with retries mounted on github3's session."""
    import github3

    from mlspec.hosts.github.retry import RetryingAdapter
    from mlspec.hosts.github.session import GuardedSession

    if not settings.has_token:
        raise GitHubError(
            "no GitHub token: set GITHUB_TOKEN (or GH_TOKEN)",
            hint="in a workflow: `env: GITHUB_TOKEN: ${{ secrets.GITHUB_TOKEN }}`; see docs/github.md",
        )
    if not settings.repository or not _REPOSITORY.match(settings.repository):
        raise GitHubError(f"GITHUB_REPOSITORY must be `owner/name`, got {settings.repository!r}")
    # Any base works (api.github.com, https://HOST/api/v3, http://127.0.0.1:PORT): github3's
    # GitHubEnterprise would append /api/v3 itself, so the session takes the base directly. The session
    # sends the token to that origin only and checks every answer's shape (mlspec/hosts/github/session.py).
    session = GuardedSession(settings.api_url)
    github = github3.GitHub(token=settings.token, session=session)
    import time

    adapter = RetryingAdapter(
        settings.retry,
        deadline=time.monotonic() + settings.deadline_seconds,
        deadline_seconds=settings.deadline_seconds,
    )
    github.session.mount("http://", adapter)
    github.session.mount("https://", adapter)
    owner, name = settings.repository.split("/", 1)
    repo = Repo(settings, github, None)
    repository = repo._run("open the repository", lambda: github.repository(owner, name))
    if repository is None:
        raise GitHubError(
            f"repository {settings.repository} not found (404) at {settings.api_url}",
            hint=f"check GITHUB_REPOSITORY and that {settings.token_source} can access it",
        )
    repo._repo = repository
    return repo
