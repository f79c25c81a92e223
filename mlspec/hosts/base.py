"""The code-host seam: what mlspec needs of the place that hosts the repository and runs its CI.

- the CI run it is in: whether it runs there (`detected`), the run's page (`run_url`), the facts a run record
  keeps of what started it (`trigger`) and the event file that started it (`event_file`);
- its path-filter semantics (`check_pattern`, `path_matches`, `literal`, `filter_lines`): which changed files start
  a workflow; validate, render, the cache and the tests read the same semantics so that "changed" means what the
  CI trigger means;
- its workflow files (`templates_package`, `workflow_dir`): render fills the `templates/` folder of that package
  (`ci.yml.j2`, `ct.yml.j2`, `cd.yml.j2`, `monitor.yml.j2`) with the project's plan and writes them to
  `workflow_dir`;
- its job summary (`job_summary`, `append_job_summary`);
- its API (`settings`, `connect`): pull requests, comments, workflow dispatch and run artifacts, for promote,
  report, drift and the CD build's provenance check; `permission_error` is the error it raises for a write the
  token may not make;
- the run a merged pull request's report showed (`reviewed_run`), for CT's "same predictions" check;
- whether the CI job runs for a pull request, and into which base branch (`pull_request_job`), for the store's
  trust rule (store/trust.py: a pull request's CI reads only the store its base branch names).

Register an instance in all_hosts.py. Nothing in here imports the rest of mlspec at run time: spec/, render/,
pipeline/ and the commands sit above the hosts.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from mlspec.hosts.reviewed_run import NoReviewedRun, ReviewedRun

__all__ = ["CodeHost", "HostSettings", "PullRequestJob"]


@dataclass(frozen=True)
class PullRequestJob:
    """The CI job runs for a pull request into ``base_branch`` (None when the host does not say which)."""

    base_branch: str | None = None


class HostSettings(Protocol):
    """Who and where, read from the CI's environment: what promote, report and drift ask of it."""

    @property
    def has_token(self) -> bool: ...

    @property
    def repository(self) -> str | None: ...

    @property
    def actor(self) -> str | None: ...

    @property
    def event_name(self) -> str | None: ...

    @property
    def sha(self) -> str | None: ...

    @property
    def run_id(self) -> str | None: ...

    @property
    def run_url(self) -> str | None: ...

    @property
    def pr_number(self) -> int | None: ...

    @property
    def pr_from_fork(self) -> bool: ...


class CodeHost(Protocol):
    name: str
    templates_package: str  # the package whose templates/ folder holds the workflow templates
    workflow_dir: str  # repository-relative folder of the rendered workflows

    @property
    def permission_error(self) -> type[Exception]:
        """The error its API client raises for a write the token may not make."""
        ...

    def detected(self, environ: Mapping[str, str]) -> bool:
        """Whether this process runs in the host's CI."""
        ...

    def run_url(self, environ: Mapping[str, str]) -> str | None:
        """The CI run's page, when known."""
        ...

    def trigger(self, environ: Mapping[str, str]) -> dict[str, Any]:
        """What started the CI run, as the run record keeps it (only the facts that are known)."""
        ...

    def event_file(self, environ: Mapping[str, str]) -> str | None:
        """The file describing the event that started the CI run (a dispatch's payload), when there is one."""
        ...

    def check_pattern(self, pattern: str) -> None:
        """Raise ValueError (a message for the user) for a path pattern the host's filters do not support."""
        ...

    def path_matches(self, patterns: Sequence[str], path: str) -> bool:
        """Whether a change of ``path`` (repository-relative, posix) starts a workflow filtered by ``patterns``."""
        ...

    def literal(self, path: str) -> str:
        """A pattern that matches exactly ``path``."""
        ...

    def filter_lines(self, patterns: Sequence[str]) -> str:
        """``patterns`` as the text the CI workflow's change-detection step evaluates."""
        ...

    def job_summary(self, environ: Mapping[str, str] | None = None) -> Path | None:
        """The CI job's summary file (None outside CI)."""
        ...

    def append_job_summary(self, content: str | Callable[[int], str], path: Path | None = None) -> bool:
        """Append to the job summary within the host's size limit; False when there is none or no room."""
        ...

    def settings(self, environ: Mapping[str, str] | None = None, *, promotion: bool = False) -> HostSettings:
        """The API settings from the CI's environment (``promotion``: the tokens a promotion may use)."""
        ...

    def connect(self, settings: HostSettings) -> Any:
        """A client of the host's API for the repository ``settings`` name (pull requests, comments, dispatch)."""
        ...

    def reviewed_run(self, environ: Mapping[str, str], commit: str, project: str) -> ReviewedRun | NoReviewedRun:
        """The pull request that merged ``commit`` and the files of its CI run's reports (or why there are none)."""
        ...

    def pull_request_job(self, environ: Mapping[str, str]) -> PullRequestJob | None:
        """The pull request this CI job runs for (its base branch), or None when it runs for no pull request."""
        ...
