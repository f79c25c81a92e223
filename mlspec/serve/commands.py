"""`mlspec build` and `mlspec serve`."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from mlspec.errors import ServeError, UsageError
from mlspec.fsio import display_path
from mlspec.project import Project

if TYPE_CHECKING:
    from mlspec.project import ProjectLike
    from mlspec.spec import LoadedSpec


def build_command(
    spec: ProjectLike,
    model_version: str | None = None,
    env: str | None = None,
    containerize: bool = False,
    locate: bool = False,
) -> int:
    """Generate the service for the chosen model, build the Bento and, when asked, the image.
    With ``locate``, only print (as `key=value` lines, for $GITHUB_OUTPUT) which CT artifact holds
    the model deployed to ``env``, so CD can download it first."""
    from mlspec.serve import modelref

    project = Project.of(spec)
    loaded = project.load(check_files=False)
    if locate:
        if not env or model_version or containerize:
            raise UsageError("--locate needs --env ENV and goes with neither --version nor --containerize")
        for key, value in modelref.locate(project, env).items():
            print(f"{key}={value}")
        return 0
    from mlspec.serve import bento, codegen
    from mlspec.state.model_store import load_stored

    choice = modelref.choose_model(project, model_version, env)
    client = None
    if containerize:  # fail before the build when the engine is not there
        from mlspec.serve.container import require_engine

        client = require_engine()
    model = modelref.ensure_in_store(choice)
    info = modelref.model_info(model, loaded.spec.evaluate.task)
    codegen.check_model_info(info)
    packages = bento.packages_for(info, load_stored(model))
    service = codegen.generate(loaded.spec, info, packages, git_commit=choice.git_commit)
    folder = bento.service_dir(loaded.root, loaded.spec.service_name)
    bento.write_context(folder, service)
    version = f"{info.version}-{service.digest[:8]}".lower()
    result = bento.build_bento(folder, service, version)
    bento.write_build_record(folder, result.bento_tag, info.tag, loaded.spec.name)
    state = "up to date (same service code and model)" if result.reused else "built"
    print(f"Bento {result.bento_tag} {state} for model {info.tag} (from {choice.source})")
    print(f"service code: {display_path(folder / 'service.py')} (build config: bentofile.yaml beside it)")
    print(f"endpoints: {', '.join('/' + api for api in service.apis)}")
    if containerize:
        _containerize(loaded, client, result.bento_tag, info.version)
    return 0


def _containerize(loaded: LoadedSpec, client: object, bento_tag: str, model_version: str) -> None:
    from mlspec.serve.container import containerize, image_name, push

    image = image_name(loaded.spec, model_version)
    containerize(bento_tag, image)
    print(f"image {image} built from {bento_tag}")
    if loaded.spec.serve.container.push:
        push(client, image)
        print(f"image {image} pushed")


def _bento_to_serve(loaded: LoadedSpec) -> str:
    from mlspec.serve import bento

    folder = bento.service_dir(loaded.root, loaded.spec.service_name)
    tag = bento.last_built(folder)
    if tag:
        return tag
    import bentoml

    name = loaded.spec.service_name.lower()
    try:
        bentos = bentoml.bentos.list(name)
    except bentoml.exceptions.NotFound:
        bentos = []
    candidates = [b for b in bentos if b.info.labels.get("project") == loaded.spec.name]
    if not candidates:
        raise ServeError(
            f"no Bento built for project {loaded.spec.name} (service {name}) in the BentoML store",
            hint="build it first with `mlspec build`",
        )
    return str(max(candidates, key=lambda b: b.info.creation_time).tag)


def serve_command(spec: ProjectLike, host: str = "127.0.0.1", port: int | None = None) -> int:
    """Serve the Bento `mlspec build` made last (or the newest one of the project) with `bentoml serve`."""
    from mlspec.serve.server import serve_bento

    if port is not None and not 1 <= port <= 65535:
        raise UsageError(
            f"--port {port} is not a TCP port: use a number from 1 to 65535",
            hint="leave --port out to use serve.port of the spec (default 3000)",
        )
    loaded = Project.of(spec).load(check_files=False)
    tag = _bento_to_serve(loaded)
    sys.stdout.flush()
    return serve_bento(tag, host, port or loaded.spec.serve.port)
