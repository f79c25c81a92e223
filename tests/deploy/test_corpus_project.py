"""A corpus project (tests/acceptance/corpus, not the example) on Kubernetes: a rolling staging applied by Argo CD and a
canary production applied by Flux, with an image by digest in its deploy file; every overlay builds and every
resource validates (built-in kinds strictly, for the oldest and newest Kubernetes; custom resources against their
CRD schemas) and is fully defaulted."""

from __future__ import annotations

import subprocess
from pathlib import Path

import yaml

from mlspec.state.deploy import DeployedModel, Deployment, dump_deployment
from tests.acceptance.corpus.projects import write_project
from tests.deploy.projects import KUBERNETES
from tests.deploy.test_defaults import missing_defaults
from tests.deploy.test_validation import all_resources, validate
from tests.helpers import run_cli

REFERENCE = "ghcr.io/acme/churn@sha256:" + "5" * 64


def test_corpus_project_manifests_validate(tmp_path: Path) -> None:
    root = write_project("churn-yes-no", tmp_path / "churn")
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    spec = yaml.safe_load((root / "mlproject.yaml").read_text())
    spec.setdefault("serve", {})["container"] = {"registry": "ghcr.io", "repository": "acme/churn"}
    for env in spec["environments"]:
        env["kubernetes"] = KUBERNETES[env["name"]]
    (root / "mlproject.yaml").write_text(yaml.safe_dump(spec, sort_keys=False))
    deployment = Deployment(
        project="churn-yes-no",
        environment="production",
        model=DeployedModel(tag="churn-yes-no:v1", version="v1"),
        image=REFERENCE,
    )
    (root / "deploy" / "production.yaml").write_text(dump_deployment(deployment))
    rendered = run_cli("render", str(root / "mlproject.yaml"))
    assert rendered.returncode == 0, rendered.stderr
    resources = all_resources(root)
    validate(resources)
    assert [p for r in resources for p in missing_defaults(r)] == []
    images = {
        r["metadata"].get("namespace", "(base)"): r["spec"]["template"]["spec"]["containers"][0]["image"]
        for r in resources
        if r["kind"] == "Deployment"
    }
    assert images == {
        "breast-cancer": REFERENCE,  # production's deploy file names the image by digest
        "breast-cancer-staging": "ghcr.io/acme/churn",  # nothing promoted to staging yet
        "(base)": "ghcr.io/acme/churn",
    }
