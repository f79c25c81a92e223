"""GitHub as the code host: GitHub Actions' environment (job.py), its path filters (paths.py), the workflows
rendered from mlspec/render/templates/, and the REST API through client.py."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mlspec.hosts.base import PullRequestJob
from mlspec.hosts.github.job import ActionsEnv, append_job_summary, job_summary
from mlspec.hosts.github.paths import check_pattern, filter_lines, literal, matches

if TYPE_CHECKING:
    from mlspec.hosts.base import HostSettings
    from mlspec.hosts.reviewed_run import NoReviewedRun, ReviewedRun

__all__ = ["GitHubHost"]


class GitHubHost:
    name = "github"
    templates_package = "mlspec.render"
    workflow_dir = ".github/workflows"

    @property
    def permission_error(self) -> type[Exception]:
        from mlspec.hosts.github.errors import GitHubPermissionError

        return GitHubPermissionError

    def detected(self, environ: Mapping[str, str]) -> bool:
        return environ.get("GITHUB_ACTIONS") == "true"

    def run_url(self, environ: Mapping[str, str]) -> str | None:
        return ActionsEnv.from_env(environ).run_url

    def trigger(self, environ: Mapping[str, str]) -> dict[str, Any]:
        return ActionsEnv.from_env(environ).trigger()

    def event_file(self, environ: Mapping[str, str]) -> str | None:
        return ActionsEnv.from_env(environ).event_path

    def pull_request_job(self, environ: Mapping[str, str]) -> PullRequestJob | None:
        """A `pull_request` or `pull_request_target` event's job, with `GITHUB_BASE_REF` (the base branch)."""
        if not (environ.get("GITHUB_EVENT_NAME") or "").startswith("pull_request"):
            return None
        return PullRequestJob((environ.get("GITHUB_BASE_REF") or "").strip() or None)

    def check_pattern(self, pattern: str) -> None:
        check_pattern(pattern)

    def path_matches(self, patterns: Sequence[str], path: str) -> bool:
        return matches(tuple(patterns), path)

    def literal(self, path: str) -> str:
        return literal(path)

    def filter_lines(self, patterns: Sequence[str]) -> str:
        return filter_lines(tuple(patterns))

    def job_summary(self, environ: Mapping[str, str] | None = None) -> Path | None:
        return job_summary(environ)

    def append_job_summary(self, content: str | Callable[[int], str], path: Path | None = None) -> bool:
        return append_job_summary(content, path)

    def settings(self, environ: Mapping[str, str] | None = None, *, promotion: bool = False) -> HostSettings:
        from mlspec.hosts.github.client import PROMOTION_TOKEN_VARIABLES, TOKEN_VARIABLES, GitHubSettings

        return GitHubSettings.from_env(environ, PROMOTION_TOKEN_VARIABLES if promotion else TOKEN_VARIABLES)

    def connect(self, settings: HostSettings) -> Any:
        from mlspec.hosts.github.client import GitHubSettings, connect

        assert isinstance(settings, GitHubSettings)
        return connect(settings)

    def reviewed_run(self, environ: Mapping[str, str], commit: str, project: str) -> ReviewedRun | NoReviewedRun:
        from mlspec.hosts.github.client import PROMOTION_TOKEN_VARIABLES, GitHubSettings, connect
        from mlspec.hosts.github.pr_runs import find_reviewed_run

        settings = GitHubSettings.from_env(environ, token_variables=PROMOTION_TOKEN_VARIABLES)
        return find_reviewed_run(connect(settings), commit, project)
