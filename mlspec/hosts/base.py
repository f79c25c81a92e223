"""The code-host seam: what mlspec needs of the place that hosts the repository and runs its CI.

- the CI run it is in: whether it runs there (`detected`), the run's page (`run_url`), the facts a run record
  keeps of what started it (`trigger`);
- its path-filter semantics (`path_matches`): which changed files start a workflow; the cache and the tests read
  the same semantics so that "changed" means what the CI trigger means;
- its workflow files (`render`): the CI, CT, CD and monitor workflows of one project, from templates of its own;
- its API (`connect`): pull requests, comments, workflow dispatch and run artifacts, for promote, report and drift;
- the run a merged pull request's report showed (`reviewed_run`), for CT's "same predictions" check.

Register an instance in all_hosts.py.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from mlspec.render.engine import RenderedFile
    from mlspec.render.project_plan import ProjectPlan
    from mlspec.reviewed_run import NoReviewedRun, ReviewedRun

__all__ = ["CodeHost"]


class CodeHost(Protocol):
    name: str

    def detected(self, environ: Mapping[str, str]) -> bool:
        """Whether this process runs in the host's CI."""
        ...

    def run_url(self, environ: Mapping[str, str]) -> str | None:
        """The CI run's page, when known."""
        ...

    def trigger(self, environ: Mapping[str, str]) -> dict[str, Any]:
        """What started the CI run, as the run record keeps it (only the facts that are known)."""
        ...

    def path_matches(self, patterns: Sequence[str], path: str) -> bool:
        """Whether a change of ``path`` (repository-relative, posix) starts a workflow filtered by ``patterns``."""
        ...

    def render(self, plan: ProjectPlan) -> list[RenderedFile]:
        """The project's workflow files."""
        ...

    def connect(self, environ: Mapping[str, str]) -> Any:
        """A client of the host's API for the repository the CI runs for (pull requests, comments, dispatch)."""
        ...

    def reviewed_run(self, environ: Mapping[str, str], commit: str, project: str) -> ReviewedRun | NoReviewedRun:
        """The pull request that merged ``commit`` and the files of its CI run's reports (or why there are none)."""
        ...
