"""Which model to build, getting it into the BentoML store, and reading what the generator needs.

Order: `--version TAG` > `--env ENV` (deploy/<env>.yaml) > the latest run's `record.model.tag`.
A model missing from the store is imported from its exported `.bentomodel` when the deploy file
(`model.artifact`) or the run record (`model.path`) names one.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mlspec.errors import ServeError, UsageError
from mlspec.safepath import inside
from mlspec.serve.codegen import LOADER_CLOUDPICKLE, LOADER_PICKLABLE, ModelInfo
from mlspec.spec import LoadedSpec
from mlspec.state.deploy import GH_ARTIFACT_PREFIX, deploy_path, read_deployment
from mlspec.state.layout import StateLayout
from mlspec.state.model_store import ARCHIVE_EXTENSION, PICKLABLE_MODULE, check_tag

ARTIFACT_DIR_ENV = "MLSPEC_ARTIFACT_DIR"


@dataclass(frozen=True)
class Choice:
    tag: str
    source: str  # for messages: "--version", "deploy/staging.yaml", "run <id>"
    artifact: Path | None = None  # exported model to import when the store lacks it
    git_commit: str | None = None
    remote: GhArtifact | None = None  # the CT run artifact that holds ``artifact``, when the deploy file names one


def bentoml_home() -> Path:
    return Path(os.environ.get("BENTOML_HOME", str(Path.home() / "bentoml")))


def _full_tag(name: str, version: str) -> str:
    return version if ":" in version else f"{name}:{version}"


@dataclass(frozen=True)
class GhArtifact:
    """`gh-artifact:<workflow-run-id>/<artifact-name>[/<path inside the artifact>]`: a file of an
    artifact uploaded by a GitHub Actions run (the CT run's state, `mlspec-<project>-ct-state`)."""

    run_id: str
    name: str
    inner: str  # posix path inside the artifact, "" when the reference names the artifact only

    @classmethod
    def parse(cls, value: str, where: str) -> GhArtifact:
        parts = value[len(GH_ARTIFACT_PREFIX):].split("/")
        run_id, name, inner = parts[0], parts[1] if len(parts) > 1 else "", parts[2:]
        if not _RUN_ID.fullmatch(run_id) or any(part in ("", ".", "..") or not _ARTIFACT_NAME.fullmatch(part)
                                                for part in [name, *inner]):
            raise ServeError(
                f"{where}: model.artifact: {value!r} is not `{GH_ARTIFACT_PREFIX}<workflow-run-id>/<artifact-name>"
                "[/<path inside the artifact>]` (digits, then names of letters, digits, '.', '_', '-')",
                hint="fix the deployment file, or run `mlspec promote` again to rewrite it")
        return cls(run_id, name, "/".join(inner))

    def local_path(self, root: Path) -> Path:
        """The downloaded file (or, for a reference to the whole artifact, its one archive)."""
        folder = self.download_dir(root)
        if self.inner:
            return inside(folder, self.inner, key="model.artifact", boundary_name="the downloaded artifact")
        archives = sorted(folder.rglob("*" + ARCHIVE_EXTENSION)) if folder.is_dir() else []
        if len(archives) != 1:
            return folder
        return inside(folder, archives[0], key="model.artifact", boundary_name="the downloaded artifact")

    def download_dir(self, root: Path) -> Path:
        """Where CD (or the monitor) downloads the artifact, its files keeping their paths inside it;
        ``root`` is the spec's folder."""
        folder = Path(os.environ.get(ARTIFACT_DIR_ENV) or StateLayout(root).artifacts)
        return folder / self.run_id / self.name


_RUN_ID = re.compile(r"[0-9]{1,20}")
_ARTIFACT_NAME = re.compile(r"[A-Za-z0-9._-]{1,255}")


def artifact_path(root: Path, artifact: str, where: str = "model.artifact") -> Path:
    """`model.artifact` of a deploy file as a local path: relative to the spec folder (or absolute),
    or for `gh-artifact:<run-id>/<name>/<inner>` the file `<inner>` where CD downloaded the artifact
    ($MLSPEC_ARTIFACT_DIR, default `<spec folder>/.mlspec/artifacts`, then `<run-id>/<name>/`)."""
    if artifact.startswith(GH_ARTIFACT_PREFIX):
        return GhArtifact.parse(artifact, where).local_path(root)
    return inside(root, artifact, key="model.artifact", where=where)


def choose_model(loaded: LoadedSpec, version: str | None, env: str | None) -> Choice:
    spec = loaded.spec
    if version is not None:
        if not version.strip():
            raise UsageError("--version: the model tag is empty", hint="give a tag such as `name:version`, or leave "
                             "--version out to build the deployed or latest model")
        tag = _full_tag(spec.name, version.strip())
        return Choice(check_tag(tag, key="--version", error=UsageError), "--version")
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
        from mlspec.ownership import check_deployment

        check_deployment(deployment, spec.name, env, str(where))
        value = deployment.model.artifact
        remote = GhArtifact.parse(value, str(where)) if value and value.startswith(GH_ARTIFACT_PREFIX) else None
        artifact = None
        if remote is not None:
            artifact = remote.local_path(loaded.root)
        elif value:
            artifact = artifact_path(loaded.root, value, str(where))
        commit = deployment.lineage.get("commit")
        tag = check_tag(deployment.model.tag, key="model.tag", where=str(where))
        return Choice(tag, str(where), artifact, str(commit) if commit else None, remote)
    from mlspec.state.record import RunStore

    store = RunStore(loaded.root)
    if store.latest_id() is None:
        raise ServeError(
            f"no model to build: no runs under {store.runs} and neither --version nor --env was given",
            hint="train one with `mlspec run` (or `mlspec train`), or pass --version TAG / --env ENV",
        )
    record = store.latest()
    from mlspec.ownership import check_record

    check_record(record, loaded)
    if record.model is None:
        raise ServeError(f"the latest run {record.run_id} saved no model",
                         hint="run `mlspec run` until training succeeds, or pass --version TAG")
    run_dir = store.run_dir(record.run_id)
    artifact = inside(run_dir, record.model.path, key="model.path", boundary=store.root, boundary_name="the state folder",
                      where=str(run_dir / "record.json")) if record.model.path else None
    tag = check_tag(record.model.tag, key="model.tag", where=str(run_dir / "record.json"))
    return Choice(tag, f"run {record.run_id}", artifact, record.git.commit)


def locate(loaded: LoadedSpec, env: str) -> dict[str, str]:
    """What CD must download before `mlspec build --env ENV` (`--locate`): `download` ("true" when
    deploy/<env>.yaml names a `gh-artifact:`), and then `run-id`, `name` and `path` (the folder to
    download the artifact into, relative to the working directory when inside it); `artifact` is the
    file build will import. Values are validated (digits and plain names), never free text."""
    choice = choose_model(loaded, None, env)
    found: dict[str, str] = {"download": "false", "tag": choice.tag}
    if choice.remote is not None:
        ref = choice.remote
        found.update({"download": "true", "run-id": ref.run_id, "name": ref.name,
                      "path": _relative(ref.download_dir(loaded.root))})
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
    import bentoml

    try:
        return bentoml.models.get(choice.tag)
    except (bentoml.exceptions.NotFound, ValueError):
        pass
    if choice.artifact is not None and choice.artifact.is_file():
        from mlspec.state.model_store import import_model

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

