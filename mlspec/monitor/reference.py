"""What the current data is compared with: the training data of the model serving in an environment
(named by deploy/<env>.yaml), and that model itself for prediction drift."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mlspec.errors import MlspecError
from mlspec.project import Project
from mlspec.state.deploy import DEPLOY_DIR, GH_ARTIFACT_PREFIX, Deployment, read_deployment
from mlspec.tables import Table, read_table

if TYPE_CHECKING:
    from mlspec.spec import LoadedSpec


@dataclass
class ServedModel:
    tag: str
    model: Any
    metadata: dict[str, Any] = field(default_factory=dict)

    @property
    def features(self) -> list[str] | None:
        features = self.metadata.get("features")
        return [str(f) for f in features] if isinstance(features, list) and features else None

    @property
    def classes(self) -> list[Any] | None:
        classes = self.metadata.get("classes")
        return list(classes) if isinstance(classes, list) and classes else None


@dataclass
class Reference:
    table: Table
    environment: str
    deployment: Deployment | None
    role: str  # "train", "source" or "given" (--reference)
    notes: list[str] = field(default_factory=list)  # shown to the user and kept in drift.json


def drift_environment(loaded: LoadedSpec, env: str | None) -> str:
    """--env, else triggers.drift.environment, else the last environment."""
    spec = loaded.spec
    drift = spec.triggers.drift
    name = env or (drift.environment if drift else None) or spec.environments[-1].name
    Project.of(loaded).environment(name, key="--env" if env else "triggers.drift.environment")
    return name


def resolve_reference(loaded: LoadedSpec, environment: str, given: str | None) -> Reference:
    """--reference PATH when given; else the spec's training data (train, or source), checked against the
    data digests in deploy/<env>.yaml's lineage when there is one."""
    spec = loaded.spec
    deployment = read_deployment(loaded.root, environment)
    if given:
        table = read_table(Path(given), spec.data.format)
        return Reference(table, environment, deployment, "given")
    role = "train" if spec.data.train else "source"
    relative = spec.data.train or spec.data.source
    assert relative is not None  # the spec model guarantees one of them
    table = read_table(loaded.resolve(relative), spec.data.format)
    notes: list[str] = []
    if deployment is None:
        notes.append(
            f"no {DEPLOY_DIR}/{environment}.yaml next to the spec yet (nothing promoted to {environment}): "
            f"comparing with the spec's {role} data {relative}"
        )
    else:
        expected = (deployment.lineage.get("data") or {}).get(role)
        if not expected:
            notes.append(f"{deployment.model.tag}'s lineage names no {role} data digest; using {relative} unchecked")
        elif expected != table.digest:
            notes.append(
                f"warning: {relative} changed since {deployment.model.tag} was trained "
                f"(lineage {expected}, now {table.digest}); the reference may not be the model's training data"
            )
    if role == "source":
        notes.append(f"the reference is the whole {relative} (train and test rows of the split)")
    return Reference(table, environment, deployment, role, notes)


def _get_or_import(tag: str, deployment: Deployment, root: Path | None) -> Any:
    """The model from the store; on a fresh runner, imported first from the exported archive the
    deploy file names (downloaded from its CT run, as CD does)."""
    import sys

    from mlspec.state.all_stores import archive_path
    from mlspec.state.model_store import get_or_import

    archive = None
    if root is not None:  # the model store keeps it whatever its age; else the CT run's artifact
        from mlspec.store.models import deployed_archive

        archive = deployed_archive(root, deployment.model)
    if archive is None and root is not None and deployment.model.artifact:
        try:
            archive = archive_path(root, deployment.model.artifact, project=deployment.project)
        except MlspecError:
            archive = None
        if archive is not None and not deployment.model.artifact.startswith(GH_ARTIFACT_PREFIX):
            from mlspec.state.artifacts import refuse_tracked

            refuse_tracked(root, archive, deployment.model.artifact, f"the {deployment.environment} deploy file")
    return get_or_import(tag, archive, f"the {deployment.environment} deploy file", hint="", say=sys.stderr)


def load_served_model(deployment: Deployment | None, root: Path | None = None) -> tuple[ServedModel | None, str]:
    """The serving model from the local BentoML store, or (None, why not). The caller makes the project's code
    importable around loading and predicting (mlspec.usercode)."""
    if deployment is None:
        return None, "no model is deployed in this environment yet"
    tag = deployment.model.tag
    try:
        from bentoml.exceptions import BentoMLException, NotFound
    except ImportError as exc:  # pragma: no cover - bentoml is a dependency
        return None, f"bentoml is not importable ({exc})"
    try:
        from mlspec.state.model_store import ModelNotInStore, load_stored

        stored = _get_or_import(tag, deployment, root)
        model = load_stored(stored)  # mlspec's model.pkl, or a bentoml.picklable_model model
    except (NotFound, ModelNotInStore):
        return None, (
            f"model {tag} is not in the local BentoML store; import it (`bentoml models import`) "
            "or train it here to get prediction drift"
        )
    except (BentoMLException, MlspecError, OSError, ValueError, AttributeError, ImportError) as exc:
        return None, f"model {tag} could not be loaded: {type(exc).__name__}: {exc}"
    metadata = dict(getattr(stored.info, "metadata", {}) or {})
    return ServedModel(tag=tag, model=model, metadata=metadata), ""
