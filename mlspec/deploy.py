"""Deployment state: `deploy/<env>.yaml` in the project folder names the model serving in an env.

GitOps: this file changes only through a merged promotion pull request; CD builds what it names.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from mlspec.errors import MlspecError
from mlspec.fsio import atomic_write_text

DEPLOY_DIR = "deploy"


class DeployedModel(BaseModel):
    model_config = ConfigDict(extra="forbid")

    tag: str = Field(description="BentoML model tag `name:version`.")
    version: str = Field(description="Model version (the tag's version part).")
    artifact: str | None = Field(
        None, description="Where CD gets the model without retraining: a path, or `gh-artifact:<run-id>/<name>`."
    )


class Deployment(BaseModel):
    """The content of deploy/<env>.yaml."""

    model_config = ConfigDict(extra="forbid")

    project: str
    environment: str
    model: DeployedModel
    metrics: dict[str, float | None] = Field(default_factory=dict)
    lineage: dict[str, Any] = Field(default_factory=dict)  # run_id, commit, data digests, params, spec_digest
    promoted: dict[str, Any] = Field(default_factory=dict)  # by, at, trigger, from_environment


def deploy_path(spec_root: Path, environment: str) -> Path:
    return spec_root / DEPLOY_DIR / f"{environment}.yaml"


def parse_deployment(text: str, where: str) -> Deployment:
    try:
        data = yaml.safe_load(text)
        return Deployment.model_validate(data)
    except (yaml.YAMLError, ValidationError) as exc:
        raise MlspecError(f"{where}: not a valid deployment file: {exc}") from None


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
    return header + yaml.safe_dump(deployment.model_dump(mode="json"), sort_keys=False, allow_unicode=True)


def write_deployment(spec_root: Path, deployment: Deployment) -> Path:
    return atomic_write_text(deploy_path(spec_root, deployment.environment), dump_deployment(deployment))
