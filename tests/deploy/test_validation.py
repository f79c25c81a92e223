"""Every rendered resource validated with real parts, offline: `kubectl kustomize` builds each overlay,
built-in kinds are checked strictly against the Kubernetes API's schemas of `kubernetes-validate` for the
oldest and newest Kubernetes it knows, and the custom resources (Argo CD, Argo Rollouts, Flux,
Prometheus Operator) against their CRD schemas in ../shared/k8s-schemas, made strict (no unknown field)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import pytest
from kubernetes_validate.utils import all_versions

from tests.deploy.test_manifests import docs, kustomize
from tests.helpers import SHARED

K8S_SCHEMAS = SHARED / "k8s-schemas"
CUSTOM = {
    ("argoproj.io/v1alpha1", "Application"): "argoproj.io/application_v1alpha1.json",
    ("argoproj.io/v1alpha1", "Rollout"): "argoproj.io/rollout_v1alpha1.json",
    ("argoproj.io/v1alpha1", "AnalysisTemplate"): "argoproj.io/analysistemplate_v1alpha1.json",
    ("kustomize.toolkit.fluxcd.io/v1", "Kustomization"): "kustomize.toolkit.fluxcd.io/kustomization_v1.json",
    ("monitoring.coreos.com/v1", "ServiceMonitor"): "monitoring.coreos.com/servicemonitor_v1.json",
}
# Flux's GitRepository has no schema in ../shared/k8s-schemas: checked by hand below.
UNCHECKED = {("source.toolkit.fluxcd.io/v1", "GitRepository")}
VERSIONS = [all_versions()[0], all_versions()[-1]]  # oldest and newest Kubernetes kubernetes-validate knows


def strict(schema: Any) -> Any:
    """The CRD schema with `additionalProperties: false` on every object that lists its properties and does
    not keep unknown fields, so a misspelt field fails as the API server's pruning would drop it."""
    if isinstance(schema, dict):
        out = {key: strict(value) for key, value in schema.items()}
        if (
            "properties" in out
            and "additionalProperties" not in out
            and not out.get("x-kubernetes-preserve-unknown-fields")
        ):
            out["additionalProperties"] = False
        return out
    if isinstance(schema, list):
        return [strict(item) for item in schema]
    return schema


def all_resources(root: Path) -> list[dict[str, Any]]:
    k8s = root / "deploy" / "k8s"
    resources = []
    for overlay in sorted(p.parent for p in k8s.glob("*/kustomization.yaml")):
        resources += kustomize(overlay)
    for controller in sorted((k8s / "controller").glob("*.yaml")):
        resources += docs(controller.read_text("utf-8"))
    return resources


def validate(resources: list[dict[str, Any]]) -> None:
    """Every resource against its schema (raises or fails on the first problem); Flux's GitRepository excepted."""
    for resource in resources:
        key = (resource["apiVersion"], resource["kind"])
        where = f"{resource['kind']} {resource['metadata']['name']}"
        if key in UNCHECKED:
            continue
        if key in CUSTOM:
            schema = json.loads((K8S_SCHEMAS / CUSTOM[key]).read_text("utf-8"))
            errors = sorted(jsonschema.Draft7Validator(strict(schema)).iter_errors(resource), key=str)
            assert not errors, f"{where}: {[e.message for e in errors]}"
        else:
            for version in VERSIONS:
                kubernetes_validate.validate(resource, version, strict=True)  # raises on any problem


def test_every_overlay_builds_and_every_resource_validates(rendered: Path) -> None:
    resources = all_resources(rendered)
    kinds = {(r["apiVersion"], r["kind"]) for r in resources}
    assert set(CUSTOM) <= kinds  # the project exercises every custom kind
    assert {"Deployment", "Service", "HorizontalPodAutoscaler", "PodDisruptionBudget", "Ingress"} <= {
        kind for _, kind in kinds
    }
    validate(resources)


def test_git_repository_has_the_fields_flux_requires(rendered: Path) -> None:
    source, _ = docs((rendered / "deploy" / "k8s" / "controller" / "production.yaml").read_text("utf-8"))
    assert source["apiVersion"] == "source.toolkit.fluxcd.io/v1"
    assert set(source["spec"]) == {"interval", "url", "ref"}  # Flux's required: interval, url
    assert set(source["spec"]["ref"]) == {"branch"}


@pytest.mark.parametrize(
    "field, value",
    [
        (("spec", "template", "spec", "containers", 0, "readinessProbe", "httpGett"), {}),
        (("spec", "replicas"), "two"),
    ],
)
def test_the_validation_fails_a_broken_deployment(rendered: Path, field: tuple[Any, ...], value: Any) -> None:
    """The strict validation used above does reject a misspelt field and a wrong type."""
    (deployment,) = [r for r in kustomize(rendered / "deploy" / "k8s" / "staging") if r["kind"] == "Deployment"]
    broken = copy.deepcopy(deployment)
    node = broken
    for key in field[:-1]:
        node = node[key]
    node[field[-1]] = value
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, VERSIONS[-1], strict=True)


def test_the_strict_crd_schema_fails_a_misspelt_rollout_field(rendered: Path) -> None:
    (rollout,) = [r for r in kustomize(rendered / "deploy" / "k8s" / "production") if r["kind"] == "Rollout"]
    rollout["spec"]["strategy"]["canary"]["stepz"] = []
    schema = json.loads((K8S_SCHEMAS / CUSTOM[("argoproj.io/v1alpha1", "Rollout")]).read_text("utf-8"))
    assert list(jsonschema.Draft7Validator(strict(schema)).iter_errors(rollout))
