"""The deploy-target seam: what `mlspec build` and `mlspec serve` need of a serving target.

A target takes the model `mlspec build` chose (serve/modelref.py: `--version`, `--env` or the latest run, already
in the local model store) and builds what serves it, optionally as a container image; `serve` runs the newest
build locally. Register an instance in all_targets.py.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from mlspec.project import Project
    from mlspec.serve.modelref import Choice

__all__ = ["DeployTarget"]


class DeployTarget(Protocol):
    name: str  # as a spec or an option would name it: "bentoml"

    def build(self, project: Project, choice: Choice, *, containerize: bool = False, push: bool = False) -> str:
        """Build the service of ``choice`` (and its image with ``containerize``; ``push`` also pushes the image and
        records it by digest); print what was built for the
        user; return the build's identifier (a Bento tag for BentoML). Fail before building when the image
        cannot be made."""
        ...

    def serve(self, project: Project, host: str, port: int) -> int:
        """Serve the project's newest build on ``host``:``port`` until interrupted; the exit code."""
        ...
