"""The BentoML service as a deploy target (mlspec/targets/base.py): generate `service.py` for the chosen model, build
the Bento (reused when the service code and model are the same), optionally its OCI image (and push it), and serve
the newest Bento with `bentoml serve`. The model format (a BentoML model, `.bentomodel` archives) is
mlspec/state/model_store.py's, not this target's."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from mlspec.errors import ServeError
from mlspec.fsio import display_path

if TYPE_CHECKING:
    from mlspec.project import Project
    from mlspec.serve.modelref import Choice
    from mlspec.spec import LoadedSpec

__all__ = ["BentoServiceTarget"]


class BentoServiceTarget:
    name = "bentoml"

    def build(self, project: Project, choice: Choice, *, containerize: bool = False, push: bool = False) -> str:
        from mlspec.serve import bento, codegen, modelref
        from mlspec.serve.serving_log_packages import sink_packages
        from mlspec.state.model_store import load_stored

        loaded = project.load(check_files=False)
        client = None
        if containerize:  # fail before the build when the engine is not there
            from mlspec.serve.container import require_engine

            client = require_engine()
        model = modelref.ensure_in_store(choice)
        info = modelref.model_info(model, loaded.spec.evaluate.task)
        codegen.check_model_info(info)
        packages = bento.packages_for(info, load_stored(model))
        packages = sorted(set(packages) | set(sink_packages(loaded.spec)), key=str.lower)
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
            _containerize(loaded, client, result.bento_tag, info.version, info.tag, push)
        return result.bento_tag

    def serve(self, project: Project, host: str, port: int) -> int:
        from mlspec.serve.server import serve_bento

        tag = _bento_to_serve(project.load(check_files=False))
        sys.stdout.flush()
        return serve_bento(tag, host, port)


def _containerize(
    loaded: LoadedSpec, client: object, bento_tag: str, model_version: str, model_tag: str, push: bool
) -> None:
    """Build the image; with ``push`` (or `serve.container.push`) push it and record it by digest for the model,
    so the promotion names `REGISTRY/REPOSITORY@sha256:...` in the deploy file and the Kubernetes overlay."""
    from mlspec.deploy.images import push_by_digest, record_image, registry_auth
    from mlspec.serve.container import containerize, image_name

    image = image_name(loaded.spec, model_version)
    auth = registry_auth() if push or loaded.spec.serve.container.push else None  # a half-set login fails first
    containerize(bento_tag, image)
    print(f"image {image} built from {bento_tag}")
    if push or loaded.spec.serve.container.push:
        if not loaded.spec.serve.container.registry:
            raise ServeError(
                f"image {image} was built but not pushed: serve.container.registry is not set",
                hint="name the registry to push to in the spec: serve.container.registry (e.g. ghcr.io)",
            )
        reference = push_by_digest(client, image, auth=auth)
        record_image(loaded.root, model_tag, reference)
        print(f"image {image} pushed as {reference}")


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
