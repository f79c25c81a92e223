"""Deployment state: `deploy/<env>.yaml` in the project folder names the model serving in an env.

GitOps: this file changes only through a merged promotion pull request; CD builds what it names.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from mlspec.errors import MlspecError
from mlspec.fsio import atomic_write_text
from mlspec.state.layout import STATE_DIR
from mlspec.state.model_store import valid_tag

DEPLOY_DIR = "deploy"
GH_ARTIFACT_PREFIX = "gh-artifact:"
IMAGE_BY_DIGEST_PATTERN = r"^[a-z0-9][a-z0-9._\-/:]{0,199}@sha256:[0-9a-f]{64}$"


def ct_state_artifact(project: str) -> str:
    """Name of the artifact a CT run uploads its `.mlspec/` state as (the model archive included)."""
    return f"mlspec-{project}-ct-state"


def ct_workflow(project: str) -> str:
    """Path of the project's rendered CT workflow in the repository (mlspec.render names it the same way)."""
    return f".github/workflows/mlspec-{project}-ct.yml"


def model_artifact_ref(project: str, run_id: str, model_path: str | None, workflow_run_id: str | None) -> str | None:
    """`model.artifact` for a model trained in run ``run_id``: inside a GitHub Actions run, the file in
    that run's state artifact (`gh-artifact:<workflow-run>/<artifact>/runs/<run>/<file>`); locally,
    the path relative to the spec folder. None when the run exported no model archive."""
    if not model_path:
        return None
    inner = f"runs/{run_id}/{model_path}"
    if workflow_run_id:
        return f"{GH_ARTIFACT_PREFIX}{workflow_run_id}/{ct_state_artifact(project)}/{inner}"
    return f"{STATE_DIR}/{inner}"


class DeployedModel(BaseModel):
    model_config = ConfigDict(extra="forbid")

    tag: str = Field(description="BentoML model tag `name:version`.")
    version: str = Field(description="Model version (the tag's version part).")
    artifact: str | None = Field(
        None,
        description=(
            "Where CD gets the model without retraining: a path relative to the project folder, or "
            "`gh-artifact:<workflow-run-id>/<artifact-name>/<path inside it>`."
        ),
    )

    store: str | None = Field(
        None,
        max_length=500,
        description="The model store holding the model archive (an fsspec URL, or a folder relative to the project "
        "folder): CD and `mlspec rollback` fetch it from there by `digest`, whatever its age.",
    )
    digest: str | None = Field(
        None,
        pattern=r"^sha256:[0-9a-f]{64}$",
        description="`sha256:<hex>` of the exported model archive in `store`; the download is verified against it.",
    )

    @field_validator("tag")
    @classmethod
    def _tag(cls, value: str) -> str:
        return valid_tag(value)

    @model_validator(mode="after")
    def _store_and_digest(self) -> DeployedModel:
        if (self.store is None) != (self.digest is None):
            raise ValueError("model.store and model.digest go together: name the store and the archive's sha256")
        return self


class Deployment(BaseModel):
    """The content of deploy/<env>.yaml."""

    model_config = ConfigDict(extra="forbid")

    project: str
    environment: str
    model: DeployedModel
    # The container image serving the model, by digest (`REGISTRY/REPOSITORY@sha256:<64 hex>`), when one was
    # pushed (`mlspec build --containerize --push`); the environment's Kubernetes overlay names the same digest.
    image: str | None = Field(None, pattern=IMAGE_BY_DIGEST_PATTERN)
    metrics: dict[str, float | None] = Field(default_factory=dict)
    lineage: dict[str, Any] = Field(default_factory=dict)  # run_id, commit, data digests, params, spec_digest
    promoted: dict[str, Any] = Field(default_factory=dict)  # by, at, trigger, from_environment
    # The servability check of the model's run (`mlspec test serving`): verdict, rows, mismatches, latency.
    serving: dict[str, Any] = Field(default_factory=dict)

    @field_validator("metrics", mode="before")
    @classmethod
    def _numbers(cls, value: Any) -> Any:
        """A boolean is not a metric value (pydantic would read `true` as 1.0 and let a gate pass)."""
        if isinstance(value, dict):
            for name, item in value.items():
                if isinstance(item, bool):
                    raise ValueError(
                        f"metrics.{name} is {str(item).lower()}, a boolean, not a number "
                        "(write the metric's value, or null when it is unknown)"
                    )
        return value


def deploy_path(spec_root: Path, environment: str) -> Path:
    return spec_root / DEPLOY_DIR / f"{environment}.yaml"


def _problems(exc: ValidationError) -> str:
    """pydantic's errors as `key.path: message`, one per line, without pydantic's decoration."""
    lines = []
    for error in exc.errors():
        key = ".".join(str(part) for part in error["loc"]) or "(top level)"
        message = str(error["msg"]).removeprefix("Value error, ")
        lines.append(message if message.startswith(f"{key}.") else f"{key}: {message}")
    return "; ".join(lines)


def parse_deployment(text: str, where: str) -> Deployment:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise MlspecError(f"{where}: not a valid deployment file: {exc}") from None
    try:
        return Deployment.model_validate(data)
    except ValidationError as exc:
        raise MlspecError(
            f"{where}: not a valid deployment file: {_problems(exc)}",
            hint="deploy files are written by `mlspec promote`; fix the file in a pull request",
        ) from None


def read_deployment(spec_root: Path, environment: str) -> Deployment | None:
    path = deploy_path(spec_root, environment)
    if not path.is_file():
        return None
    return parse_deployment(path.read_text("utf-8"), str(path))


def dump_deployment(deployment: Deployment) -> str:
    header = (
        "# Written by `mlspec promote`; changes only through a promotion pull request.\n"
        "# CD builds the BentoML service for the model named here.\n"
    )
    data = deployment.model_dump(mode="json")
    if data["image"] is None:  # deploy files without an image read as before
        del data["image"]
    return header + yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


def write_deployment(spec_root: Path, deployment: Deployment) -> Path:
    return atomic_write_text(deploy_path(spec_root, deployment.environment), dump_deployment(deployment))
