"""Which model to build, getting it into the BentoML store, and reading what the generator needs.

Order: `--version TAG` > `--env ENV` (deploy/<env>.yaml) > the latest run's `record.model.tag`.
A model missing from the store is imported from its exported `.bentomodel` when the deploy file
(`model.artifact`) or the run record (`model.path`) names one.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mlspec.deploy import deploy_path, read_deployment
from mlspec.errors import ServeError
from mlspec.serve.codegen import LOADER_CLOUDPICKLE, LOADER_PICKLABLE, ModelInfo
from mlspec.spec import LoadedSpec

GH_ARTIFACT_PREFIX = "gh-artifact:"
ARTIFACT_DIR_ENV = "MLSPEC_ARTIFACT_DIR"


@dataclass(frozen=True)
class Choice:
    tag: str
    source: str  # for messages: "--version", "deploy/staging.yaml", "run <id>"
    artifact: Path | None = None  # exported model to import when the store lacks it
    git_commit: str | None = None


def bentoml_home() -> Path:
    return Path(os.environ.get("BENTOML_HOME", str(Path.home() / "bentoml")))


def _full_tag(name: str, version: str) -> str:
    return version if ":" in version else f"{name}:{version}"


def artifact_path(loaded: LoadedSpec, artifact: str) -> Path:
    """`model.artifact` of a deploy file as a local path. `gh-artifact:<run-id>/<name>` is looked up
    where CD downloaded it: $MLSPEC_ARTIFACT_DIR (default `<spec folder>/.mlspec/artifacts`)."""
    if artifact.startswith(GH_ARTIFACT_PREFIX):
        name = artifact[len(GH_ARTIFACT_PREFIX):].rsplit("/", 1)[-1]
        folder = Path(os.environ.get(ARTIFACT_DIR_ENV) or loaded.root / ".mlspec" / "artifacts")
        candidate = folder / name
        if candidate.is_dir():
            archives = sorted(candidate.glob("*.bentomodel"))
            return archives[0] if len(archives) == 1 else candidate
        if candidate.suffix != ".bentomodel" and not candidate.exists():
            candidate = candidate.with_name(candidate.name + ".bentomodel")
        return candidate
    path = Path(artifact)
    return path if path.is_absolute() else loaded.root / path


def choose_model(loaded: LoadedSpec, version: str | None, env: str | None) -> Choice:
    spec = loaded.spec
    if version:
        return Choice(_full_tag(spec.name, version.strip()), "--version")
    if env:
        if env not in [e.name for e in spec.environments]:
            names = ", ".join(e.name for e in spec.environments)
            raise ServeError(f"{loaded.path}: environments: no environment {env!r} (the spec has: {names})")
        deployment = read_deployment(loaded.root, env)
        where = deploy_path(loaded.root, env)
        if deployment is None:
            raise ServeError(
                f"{where} does not exist: no model is deployed to {env} yet",
                hint=f"promote a model first (`mlspec promote --env {env}`), or pass --version TAG",
            )
        artifact = artifact_path(loaded, deployment.model.artifact) if deployment.model.artifact else None
        commit = deployment.lineage.get("commit")
        return Choice(deployment.model.tag, str(where), artifact, str(commit) if commit else None)
    from mlspec.record import RunStore

    store = RunStore(loaded.root)
    if store.latest_id() is None:
        raise ServeError(
            f"no model to build: no runs under {store.runs} and neither --version nor --env was given",
            hint="train one with `mlspec run` (or `mlspec train`), or pass --version TAG / --env ENV",
        )
    record = store.latest()
    if record.model is None:
        raise ServeError(f"the latest run {record.run_id} saved no model",
                         hint="run `mlspec run` until training succeeds, or pass --version TAG")
    artifact = store.run_dir(record.run_id) / record.model.path if record.model.path else None
    return Choice(record.model.tag, f"run {record.run_id}", artifact, record.git.commit)


def ensure_in_store(choice: Choice) -> Any:
    """The bentoml Model for ``choice``, importing its exported archive when the store lacks it."""
    import bentoml

    try:
        return bentoml.models.get(choice.tag)
    except (bentoml.exceptions.NotFound, ValueError):
        pass
    if choice.artifact is not None and choice.artifact.is_file():
        from mlspec.serve.artifacts import import_model

        imported = import_model(choice.artifact)
        print(f"imported model {imported} from {choice.artifact}")
        if imported != choice.tag:
            raise ServeError(
                f"{choice.artifact} holds model {imported}, but {choice.source} names {choice.tag}",
                hint="point model.artifact at the archive exported from the promoted run",
            )
        return bentoml.models.get(choice.tag)
    where = f" and the exported model {choice.artifact} does not exist" if choice.artifact else ""
    raise ServeError(
        f"model {choice.tag} (from {choice.source}) is not in the BentoML store at {bentoml_home()}{where}",
        hint="train it with `mlspec run`, or import its exported archive with "
        "`bentoml models import <file>.bentomodel` (CD: download the CT run's model artifact; see docs/serving.md)",
    )


def model_info(model: Any, spec_task: str) -> ModelInfo:
    """Read features, dtypes, task and classes from the model's metadata (the model contract)."""
    meta: dict[str, Any] = dict(model.info.metadata)
    module = model.info.module or ""
    if module == "bentoml.picklable_model":
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


def loaded_model(model: Any, info: ModelInfo) -> Any:
    """The fitted object, loaded in this process (to find which packages it needs)."""
    if info.loader == LOADER_PICKLABLE:
        import warnings

        import bentoml

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # picklable_model is deprecated in 1.4 but is the contract
            return bentoml.picklable_model.load_model(model)
    import cloudpickle

    return cloudpickle.loads(Path(model.path_of(info.model_file)).read_bytes())
