"""Which model to build, getting it into the BentoML store, and reading what the generator needs.

Order: `--version TAG` > `--env ENV` (deploy/<env>.yaml) > the latest run's `record.model.tag`.
A model missing from the store is imported from its exported `.bentomodel` when the deploy file
(`model.artifact`) or the run record (`model.path`) names one.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mlspec.errors import ServeError, UsageError
from mlspec.project import Project
from mlspec.safepath import inside
from mlspec.serve.codegen import LOADER_CLOUDPICKLE, LOADER_PICKLABLE, ModelInfo
from mlspec.state.all_stores import archive_path
from mlspec.state.artifacts import GhArtifact
from mlspec.state.deploy import GH_ARTIFACT_PREFIX, deploy_path, read_deployment
from mlspec.state.model_store import PICKLABLE_MODULE, check_tag

if TYPE_CHECKING:
    from mlspec.project import ProjectLike


@dataclass(frozen=True)
class Choice:
    tag: str
    source: str  # for messages: "--version", "deploy/staging.yaml", "run <id>"
    artifact: Path | None = None  # exported model to import when the store lacks it
    git_commit: str | None = None
    remote: GhArtifact | None = None  # the CT run artifact that holds ``artifact``, when the deploy file names one
    # (store URL, sha256 digest, project folder a relative store URL is in) of ``artifact``, when the deploy file names one
    store: tuple[str, str, Path] | None = None


def _full_tag(name: str, version: str) -> str:
    return version if ":" in version else f"{name}:{version}"


def choose_model(project: ProjectLike, version: str | None, env: str | None) -> Choice:
    project = Project.of(project)
    loaded = project.load(check_files=False)
    spec = loaded.spec
    if version is not None:
        if not version.strip():
            raise UsageError(
                "--version: the model tag is empty",
                hint="give a tag such as `name:version`, or leave --version out to build the deployed or latest model",
            )
        tag = _full_tag(spec.name, version.strip())
        return Choice(check_tag(tag, key="--version", error=UsageError), "--version")
    if env:
        project.environment(env, key="--env")
        deployment = read_deployment(loaded.root, env)
        where = deploy_path(loaded.root, env)
        if deployment is None:
            raise ServeError(
                f"{where} does not exist: no model is deployed to {env} yet",
                hint=f"promote a model first (`mlspec promote --env {env}`), or pass --version TAG",
            )
        from mlspec.ownership import check_deployment

        check_deployment(deployment, spec.name, env, str(where))
        value = deployment.model.artifact
        remote = (
            GhArtifact.parse(value, str(where), spec.name) if value and value.startswith(GH_ARTIFACT_PREFIX) else None
        )
        artifact = None
        commit = deployment.lineage.get("commit")
        tag = check_tag(deployment.model.tag, key="model.tag", where=str(where))
        if deployment.model.store and deployment.model.digest:  # the store keeps it whatever its age: no artifact
            from mlspec.store.models import archive_cache, check_deployed_store

            check_deployed_store(spec, deployment.model.store, str(where))
            named = (deployment.model.store, deployment.model.digest, loaded.root)
            return Choice(
                tag, str(where), archive_cache(loaded.root, named[1]), str(commit) if commit else None, None, named
            )
        if remote is not None:
            artifact = remote.local_path(loaded.root)
        elif value:
            from mlspec.state.artifacts import refuse_tracked

            artifact = archive_path(loaded.root, value, str(where), project=spec.name)
            refuse_tracked(loaded.root, artifact, value, str(where))
        return Choice(tag, str(where), artifact, str(commit) if commit else None, remote)
    store = project.runs
    if store.latest_id() is None:
        raise ServeError(
            f"no model to build: no runs under {store.runs} and neither --version nor --env was given",
            hint="train one with `mlspec run` (or `mlspec train`), or pass --version TAG / --env ENV",
        )
    record = project.latest_run(
        needed_for="nothing to build", hint="run `mlspec run` until training succeeds, or pass --version TAG"
    )
    assert record.model is not None  # latest_run checked it
    run_dir = store.run_dir(record.run_id)
    artifact = (
        inside(
            run_dir,
            record.model.path,
            key="model.path",
            boundary=store.root,
            boundary_name="the state folder",
            where=str(run_dir / "record.json"),
        )
        if record.model.path
        else None
    )
    tag = check_tag(record.model.tag, key="model.tag", where=str(run_dir / "record.json"))
    return Choice(tag, f"run {record.run_id}", artifact, record.git.commit)


def locate(project: ProjectLike, env: str, environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """What CD must download before `mlspec build --env ENV` (`--locate`): `download` ("true" when
    deploy/<env>.yaml names a `gh-artifact:`), and then `run-id`, `name` and `path` (the folder to
    download the artifact into, relative to the working directory when inside it); `artifact` is the
    file build will import. Values are validated (digits and plain names), never free text. A `gh-artifact:`
    is located only after the API shows its run is a CT run of the default branch in this repository
    (mlspec.serve.provenance); else nothing is printed and the command exits 1."""
    project = Project.of(project)
    loaded = project.load(check_files=False)
    choice = choose_model(project, None, env)
    found: dict[str, str] = {"download": "false", "tag": choice.tag}
    if choice.remote is not None:
        from mlspec.serve.provenance import verify_ct_run

        ref = choice.remote
        verify_ct_run(loaded, ref, choice.source, os.environ if environ is None else environ)
        found.update(
            {
                "download": "true",
                "run-id": ref.run_id,
                "name": ref.name,
                "path": _relative(ref.download_dir(loaded.root)),
            }
        )
    if choice.artifact is not None:
        found["artifact"] = _relative(choice.artifact)
    for key, text in found.items():
        if any(ch in text for ch in "\r\n"):
            raise ServeError(f"{key} {text!r} contains a line break; it cannot be a workflow output")
    return found


def _relative(path: Path) -> str:
    full, here = path.resolve(), Path.cwd().resolve()
    return full.relative_to(here).as_posix() if full.is_relative_to(here) else str(full)


def ensure_in_store(choice: Choice) -> Any:
    """The bentoml Model for ``choice``, importing its exported archive when the store lacks it."""
    from mlspec.state.model_store import ModelNotInStore, get_or_import

    if choice.store is not None and choice.artifact is not None and not _has_model(choice.tag):
        from mlspec.store.models import fetch_archive

        fetch_archive(choice.store[0], choice.store[1], choice.artifact, base=choice.store[2])
    try:
        return get_or_import(
            choice.tag,
            choice.artifact,
            choice.source,
            hint=(
                "train it with `mlspec run`, or import its exported archive with `bentoml models import <file>.bentomodel` "
                "(CD: download the CT run's model artifact; see docs/serving.md)"
            ),
        )
    except ModelNotInStore as exc:
        raise ServeError(exc.message, hint=exc.hint) from None


def _has_model(tag: str) -> bool:
    import bentoml

    try:
        bentoml.models.get(tag)
    except (bentoml.exceptions.NotFound, ValueError):
        return False
    return True


def model_info(model: Any, spec_task: str) -> ModelInfo:
    """Read features, dtypes, task and classes from the model's metadata (the model contract)."""
    meta: dict[str, Any] = dict(model.info.metadata)
    module = model.info.module or ""
    if module == PICKLABLE_MODULE:
        loader = LOADER_PICKLABLE
    elif Path(model.path_of("model.pkl")).is_file():
        loader = LOADER_CLOUDPICKLE
    else:
        raise ServeError(
            f"model {model.tag} was saved by {module or 'an unknown module'}; mlspec serves models saved by "
            "`mlspec train` (bentoml.picklable_model or mlspec's model.pkl)",
        )
    features = [str(f) for f in meta.get("features") or []]
    dtypes = {str(k): str(v) for k, v in (meta.get("dtypes") or {}).items()}
    classes = meta.get("classes")
    return ModelInfo(
        tag=str(model.tag),
        loader=loader,
        features=features,
        dtypes=dtypes,
        task=str(meta.get("task") or spec_task),
        classes=list(classes) if isinstance(classes, (list, tuple)) else None,
        metadata=meta,
    )
