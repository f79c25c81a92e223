"""A toy code host, written as a new host would be: one package (this one) and its templates (templates/). It is
what docs/architecture.md's worked example of a new code host describes: all_hosts.discovered() finds its `HOST`
as it finds mlspec/hosts/github/'s, and tests/hosts/test_toy_host.py plugs it in to show that render, validate, the
cache, promote, report and drift use it.

Its CI: the variable TOY_CI=1 (TOY_PR and TOY_BASE: a pull request's job and its base branch); its path filters:
plain globs where `[` is not supported and a literal is the path itself; its workflow folder `.toy-ci/`; its API:
an in-memory repository that records every call."""

from __future__ import annotations

import fnmatch
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mlspec.hosts.base import PullRequestJob


class ToyPermissionError(Exception):
    pass


@dataclass(frozen=True)
class ToySettings:
    token: str | None = None
    repository: str | None = "toy/repo"
    actor: str | None = "toy-bot"
    event_name: str | None = None
    sha: str | None = None
    run_id: str | None = None
    pr_number: int | None = None
    pr_from_fork: bool = False

    @property
    def has_token(self) -> bool:
        return bool(self.token)

    @property
    def run_url(self) -> str | None:
        return f"https://ci.example/runs/{self.run_id}" if self.run_id else None


@dataclass
class ToyPull:
    number: int
    html_url: str
    head: str
    base: str
    title: str
    body: str
    author: str = "toy-bot"


@dataclass
class ToyRepo:
    """The repository behind the toy host's API: branches, files per branch, pull requests, comments, dispatches."""

    full_name: str = "toy/repo"
    default_branch: str = "main"
    branches: dict[str, str] = field(default_factory=lambda: {"main": "sha-main"})
    files: dict[tuple[str, str], str] = field(default_factory=dict)  # (branch, path) -> text
    pulls: list[ToyPull] = field(default_factory=list)
    comments: list[tuple[int, str]] = field(default_factory=list)
    dispatches: list[tuple[str, Mapping[str, Any] | None]] = field(default_factory=list)
    calls: list[str] = field(default_factory=list)

    def identity(self) -> str:
        return "toy-bot"

    def is_ours(self, login: str | None) -> bool:
        return login == "toy-bot"

    def branch_sha(self, branch: str) -> str | None:
        return self.branches.get(branch)

    def create_branch(self, branch: str, sha: str) -> None:
        self.calls.append(f"create_branch {branch}")
        self.branches[branch] = sha
        for (on, path), text in list(self.files.items()):
            if on == self.default_branch:
                self.files[(branch, path)] = text

    def move_branch(self, branch: str, sha: str, *, force: bool = False) -> None:
        self.branches[branch] = sha

    def read_file(self, path: str, ref: str) -> str | None:
        return self.files.get((ref, path))

    def write_file(self, path: str, text: str, *, message: str, branch: str) -> str:
        self.calls.append(f"write_file {branch}:{path}")
        self.files[(branch, path)] = text
        return f"sha-{len(self.calls)}"

    def open_pulls_from(self, head: str) -> list[ToyPull]:
        return [p for p in self.pulls if p.head == head]

    def open_or_update_pr(
        self, *, head: str, base: str, title: str, body: str, labels: Sequence[str] = (), reviewers: Sequence[str] = ()
    ) -> tuple[ToyPull, bool]:
        self.calls.append(f"open_or_update_pr {head} -> {base}")
        pull = ToyPull(len(self.pulls) + 1, f"https://toy.example/pulls/{len(self.pulls) + 1}", head, base, title, body)
        self.pulls.append(pull)
        return pull, True

    def comment(self, number: int, body: str) -> int:
        self.comments.append((number, body))
        return len(self.comments)

    def upsert_comment(self, pr_number: int, marker: str, body: str, legacy: Sequence[str] = ()) -> tuple[int, bool]:
        self.calls.append(f"upsert_comment #{pr_number}")
        self.comments.append((pr_number, body))
        return len(self.comments), True

    def repository_dispatch(self, event_type: str, client_payload: Mapping[str, Any] | None = None) -> None:
        self.calls.append(f"repository_dispatch {event_type}")
        self.dispatches.append((event_type, client_payload))


class ToyHost:
    name = "toy"
    templates_package = "tests.hosts.toy_host"
    workflow_dir = ".toy-ci"
    permission_error = ToyPermissionError

    def __init__(self) -> None:
        self.repo = ToyRepo()

    def detected(self, environ: Mapping[str, str]) -> bool:
        return environ.get("TOY_CI") == "1"

    def run_url(self, environ: Mapping[str, str]) -> str | None:
        return f"https://ci.example/runs/{environ['TOY_RUN']}" if environ.get("TOY_RUN") else None

    def trigger(self, environ: Mapping[str, str]) -> dict[str, Any]:
        return {"event": "toy-push", "run_id": environ["TOY_RUN"]} if environ.get("TOY_RUN") else {}

    def event_file(self, environ: Mapping[str, str]) -> str | None:
        return environ.get("TOY_EVENT")

    def check_pattern(self, pattern: str) -> None:
        if "[" in pattern:
            raise ValueError(f"path pattern {pattern!r}: the toy host's filters have no character classes")

    def path_matches(self, patterns: Sequence[str], path: str) -> bool:
        hit = False
        for pattern in patterns:
            negated = pattern.startswith("!")
            if fnmatch.fnmatchcase(path, pattern.lstrip("!").replace("**", "*")):
                hit = not negated
        return hit

    def literal(self, path: str) -> str:
        return path

    def filter_lines(self, patterns: Sequence[str]) -> str:
        return "\n".join(f"toy-filter {p}" for p in patterns)

    def job_summary(self, environ: Mapping[str, str] | None = None) -> Path | None:
        import os

        value = (os.environ if environ is None else environ).get("TOY_SUMMARY")
        return Path(value) if value else None

    def append_job_summary(self, content: str | Callable[[int], str], path: Path | None = None) -> bool:
        path = path or self.job_summary()
        if path is None:
            return False
        text = content(10_000) if callable(content) else content
        with path.open("a", encoding="utf-8") as handle:
            handle.write(text)
        return True

    def settings(self, environ: Mapping[str, str] | None = None, *, promotion: bool = False) -> ToySettings:
        import os

        env = os.environ if environ is None else environ
        token = env.get("TOY_PROMOTION_TOKEN" if promotion else "TOY_TOKEN") or env.get("TOY_TOKEN")
        pr = env.get("TOY_PR")
        return ToySettings(token=token, run_id=env.get("TOY_RUN"), pr_number=int(pr) if pr else None)

    def pull_request_job(self, environ: Mapping[str, str]) -> PullRequestJob | None:
        """TOY_PR names the pull request a job runs for, TOY_BASE its base branch."""
        return PullRequestJob(environ.get("TOY_BASE") or None) if environ.get("TOY_PR") else None

    def connect(self, settings: Any) -> ToyRepo:
        assert isinstance(settings, ToySettings) and settings.has_token
        return self.repo


HOST = ToyHost()  # how mlspec/hosts/all_hosts.py finds a host package
