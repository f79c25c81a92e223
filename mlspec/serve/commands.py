"""`mlspec build` and `mlspec serve`: which model (mlspec/serve/modelref.py), then the deploy target the spec's
`serve.target` names builds or serves it (mlspec/targets/all_targets.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from mlspec.errors import UsageError
from mlspec.project import Project

if TYPE_CHECKING:
    from mlspec.project import ProjectLike


def build_command(
    spec: ProjectLike,
    model_version: str | None = None,
    env: str | None = None,
    containerize: bool = False,
    locate: bool = False,
    push: bool = False,
) -> int:
    """Build the service of the chosen model with the deploy target and, when asked, its image.
    With ``locate``, only print (as `key=value` lines, for $GITHUB_OUTPUT) which CT artifact holds
    the model deployed to ``env``, so CD can download it first."""
    from mlspec.serve import modelref

    project = Project.of(spec)
    project.load(check_files=False)
    if push and not containerize:
        raise UsageError("--push goes with --containerize (it pushes the image that builds)")
    if locate:
        if not env or model_version or containerize:
            raise UsageError("--locate needs --env ENV and goes with neither --version nor --containerize")
        for key, value in modelref.locate(project, env).items():
            print(f"{key}={value}")
        return 0
    from mlspec.targets.all_targets import target_named

    choice = modelref.choose_model(project, model_version, env)
    target_named(project.spec.serve.target).build(project, choice, containerize=containerize, push=push)
    return 0


def serve_command(spec: ProjectLike, host: str = "127.0.0.1", port: int | None = None) -> int:
    """Serve the newest build of the project with the deploy target (BentoML: the Bento `mlspec build` made last, or
    the project's newest one, with `bentoml serve`)."""

    if port is not None and not 1 <= port <= 65535:
        raise UsageError(
            f"--port {port} is not a TCP port: use a number from 1 to 65535",
            hint="leave --port out to use serve.port of the spec (default 3000)",
        )
    from mlspec.targets.all_targets import target_named

    project = Project.of(spec)
    serve = project.load(check_files=False).spec.serve
    return target_named(serve.target).serve(project, host, port or serve.port)
