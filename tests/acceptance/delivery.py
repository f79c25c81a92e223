"""What a merged promotion pull request must yield on Kubernetes (issue 26's "Done when"), checked with real parts:
the overlays build (`kubectl kustomize`) and validate (kubernetes-validate, strict; CRD schemas), the Deployment
names the image by the digest the deploy file records, that digest is in the registry (pulled by digest after the
local copy is removed), and the exact image serves correctly when run as the manifest runs it (command, args, env,
port, user, read-only root, emptyDir): readiness passes and /predict equals the model's in-process predictions.

Shared by the act test (tests/acceptance/act/test_k8s_delivery.py: the example through CT under act) and the corpus test
(tests/acceptance/test_corpus_delivery.py); the `docker run` of a manifest is tests/serve/test_image_by_digest.py's."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from tests.deploy.test_manifests import kustomize
from tests.deploy.test_validation import all_resources, validate
from tests.serve.image_predictions import image_predictions
from tests.serve.test_image_by_digest import _docker, _wait_ready, docker_run_argv, http


def merged_deployment(root: Path, env: str) -> dict[str, Any]:
    """Every overlay of the project at ``root`` built and validated; ``env``'s Deployment, which must name the
    image the deploy file records, by digest."""
    validate(all_resources(root))
    (deployment,) = [r for r in kustomize(root / "deploy" / "k8s" / env) if r["kind"] == "Deployment"]
    image = deployment["spec"]["template"]["spec"]["containers"][0]["image"]
    recorded = yaml.safe_load((root / "deploy" / f"{env}.yaml").read_text("utf-8"))["image"]
    assert image == recorded and "@sha256:" in image, (image, recorded)
    return deployment


def pull_by_digest(reference: str, env: dict[str, str]) -> None:
    """The registry holds ``reference``: every local name of it is removed, then it is pulled back by digest."""
    local = _docker("image", "inspect", reference, "-f", "{{json .RepoTags}}", env=env)
    tags = json.loads(local.stdout) if local.returncode == 0 else []
    _docker("image", "rm", "-f", reference, *(tags or []), env=env)
    assert _docker("image", "inspect", reference, env=env).returncode != 0, "the image is still in the engine"
    pulled = _docker("pull", reference, env=env)
    assert pulled.returncode == 0, pulled.stderr
    assert reference in json.loads(
        _docker("image", "inspect", reference, "-f", "{{json .RepoDigests}}", env=env).stdout
    )


def serves_as_the_manifest_runs_it(deployment: dict[str, Any], rows: pd.DataFrame, env: dict[str, str]) -> None:
    """Run the Deployment's container as the kubelet would; readiness and liveness pass and /predict answers
    exactly the model's own predictions for ``rows``."""
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    expected = image_predictions(container["image"], rows, env)
    name = f"mlspec-delivery-{os.getpid()}"
    try:
        started = _docker(*docker_run_argv(deployment, name), env=env)
        assert started.returncode == 0, started.stderr
        (port,) = [p["containerPort"] for p in container["ports"] if p["name"] == "http"]
        _wait_ready(name, port, container["readinessProbe"]["httpGet"]["path"], env)
        assert http(name, port, container["livenessProbe"]["httpGet"]["path"], env)[0] == 200
        body = json.dumps({"rows": json.loads(rows.to_json(orient="records"))})
        status, text = http(name, port, "/predict", env, body)
        assert status == 200, text[:500]
        assert json.loads(text) == expected
    finally:
        _docker("rm", "-f", name, env=env)
