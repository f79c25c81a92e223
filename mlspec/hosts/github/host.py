"""GitHub as the code host: GitHub Actions' environment (mlspec/hosts/github/job.py), its path filters (mlspec/hosts/github/paths.py),
the workflows rendered from mlspec/render/templates/, and the REST API through mlspec/hosts/github/."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from mlspec.hosts.github.job import ActionsEnv

if TYPE_CHECKING:
    from mlspec.render.engine import RenderedFile
    from mlspec.render.project_plan import ProjectPlan

__all__ = ["GitHubHost"]


class GitHubHost:
    name = "github"

    def detected(self, environ: Mapping[str, str]) -> bool:
        return environ.get("GITHUB_ACTIONS") == "true"

    def run_url(self, environ: Mapping[str, str]) -> str | None:
        return ActionsEnv.from_env(environ).run_url

    def trigger(self, environ: Mapping[str, str]) -> dict[str, Any]:
        return ActionsEnv.from_env(environ).trigger()

    def path_matches(self, patterns: Sequence[str], path: str) -> bool:
        from mlspec.hosts.github.paths import matches

        return matches(tuple(patterns), path)

    def render(self, plan: ProjectPlan) -> list[RenderedFile]:
        from mlspec.render.engine import render_project

        return render_project(plan)

    def connect(self, environ: Mapping[str, str]) -> Any:
        from mlspec.hosts.github.client import GitHubSettings, connect

        return connect(GitHubSettings.from_env(environ))
