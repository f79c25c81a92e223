"""The files `mlspec render` writes under `<project>/deploy/k8s/`, as text keyed by relative path.

    base/                 Deployment, Service, HorizontalPodAutoscaler, PodDisruptionBudget
    <env>/                one Kustomize overlay per environment with `kubernetes:`: namespace, the image
                          by digest (from deploy/<env>.yaml), resources, replicas or autoscaling, and for
                          `strategy: canary` the Argo Rollouts Rollout and AnalysisTemplate
    controller/<env>.yaml the Argo CD Application (or Flux GitRepository + Kustomization) that applies it

YAML is dumped from plain dicts in a fixed order, so the same spec and deploy files give the same bytes.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath
from typing import Any

import yaml

from mlspec.deploy import canary, controller
from mlspec.deploy import kubernetes as k8s
from mlspec.spec.kubernetes import Kubernetes
from mlspec.spec.models import Spec
from mlspec.state.deploy import read_deployment

MANIFEST_DIR = "deploy/k8s"
BASE = "base"
CONTROLLER_DIR = "controller"
KUSTOMIZATION = "kustomization.yaml"


def _dump(*documents: dict[str, Any]) -> str:
    return "---\n".join(
        yaml.safe_dump(doc, sort_keys=False, default_flow_style=False, allow_unicode=True, width=1000)
        for doc in documents
    )


def _kustomization(body: dict[str, Any]) -> dict[str, Any]:
    return {"apiVersion": "kustomize.config.k8s.io/v1beta1", "kind": "Kustomization", **body}


def environments(spec: Spec) -> list[tuple[str, Kubernetes]]:
    return [(env.name, env.kubernetes) for env in spec.environments if env.kubernetes is not None]


def base_files(spec: Spec) -> dict[str, str]:
    resources = {
        "deployment.yaml": k8s.deployment(spec),
        "service.yaml": k8s.service(spec),
        "hpa.yaml": k8s.autoscaler(spec),
        "pdb.yaml": k8s.disruption_budget(spec),
    }
    files = {f"{BASE}/{name}": _dump(doc) for name, doc in resources.items()}
    files[f"{BASE}/kustomization.yaml"] = _dump(_kustomization({"resources": list(resources)}))
    return files


def image_entry(spec: Spec, image: str | None) -> dict[str, str]:
    """The overlay's `images:` entry: the deploy file's image by digest; before the first promotion that
    recorded one, the name alone (the controller would pull nothing meaningful: deploy after promoting)."""
    entry = {"name": k8s.image_repository(spec)}
    if image:
        repository, _, digest = image.partition("@")
        if repository != entry["name"]:
            entry["newName"] = repository
        entry["digest"] = digest
    return entry


def overlay_files(spec: Spec, env: str, kube: Kubernetes, image: str | None) -> dict[str, str]:
    extra: dict[str, dict[str, Any]] = {}
    if kube.controller == "flux":
        extra["namespace.yaml"] = controller.namespace(kube, spec)
    ingress = k8s.ingress(spec, kube)
    if ingress is not None:
        extra["ingress.yaml"] = ingress
    if kube.service_monitor:
        extra["servicemonitor.yaml"] = k8s.service_monitor(spec)
    if kube.strategy == "canary":
        extra["rollout.yaml"] = canary.rollout(spec, kube)
        extra["analysistemplate.yaml"] = canary.analysis_template(spec, kube)
    patches = {
        "deployment-patch.yaml": k8s.workload_patch(spec, kube),
        "hpa-patch.yaml": k8s.autoscaler_patch(spec, kube),
    }
    kustomization = _kustomization(
        {
            "namespace": kube.namespace,
            "resources": [f"../{BASE}", *extra],
            "patches": [{"path": name} for name in patches],
            "images": [image_entry(spec, image)],
        }
    )
    files = {f"{env}/{KUSTOMIZATION}": _dump(kustomization)}
    files.update({f"{env}/{name}": _dump(doc) for name, doc in {**extra, **patches}.items()})
    return files


def controller_file(spec: Spec, env: str, kube: Kubernetes, spec_dir: str) -> dict[str, str]:
    if kube.repo_url is None:
        return {}
    path = str(PurePosixPath(spec_dir) / MANIFEST_DIR / env) if spec_dir != "." else f"{MANIFEST_DIR}/{env}"
    if kube.controller == "argocd":
        text = _dump(controller.argocd_application(spec, env, kube, path))
    else:
        text = _dump(*controller.flux_resources(spec, env, kube, path))
    return {f"{CONTROLLER_DIR}/{env}.yaml": text}


def manifest_files(spec: Spec, spec_root: Path, spec_dir: str) -> dict[str, str]:
    """Every manifest file of the project (empty when no environment runs on Kubernetes), relative to
    `deploy/k8s/` in the spec's folder. Reads the deploy files for the image digests."""
    envs = environments(spec)
    if not envs:
        return {}
    files = base_files(spec)
    for env, kube in envs:
        deployed = read_deployment(spec_root, env)
        files.update(overlay_files(spec, env, kube, deployed.image if deployed else None))
        files.update(controller_file(spec, env, kube, spec_dir))
    return files
