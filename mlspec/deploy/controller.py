"""The GitOps controller's side: an Argo CD `Application`, or a Flux `GitRepository` with a
`Kustomization`, that applies an environment's overlay from git to the cluster."""

from __future__ import annotations

from mlspec.deploy.kubernetes import Manifest, labels
from mlspec.spec.kubernetes import Kubernetes
from mlspec.spec.models import Spec

ARGOCD_NAMESPACE = "argocd"
FLUX_NAMESPACE = "flux-system"
IN_CLUSTER = "https://kubernetes.default.svc"


def app_name(spec: Spec, env: str) -> str:
    return f"{spec.name}-{env}"


def argocd_application(spec: Spec, env: str, kube: Kubernetes, path: str) -> Manifest:
    sync: Manifest = {}
    if kube.sync.automated:
        sync["automated"] = {"prune": kube.sync.prune, "selfHeal": kube.sync.self_heal}
    sync["syncOptions"] = ["CreateNamespace=true"]
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Application",
        "metadata": {
            "name": app_name(spec, env),
            "namespace": ARGOCD_NAMESPACE,
            "labels": labels(spec),
            "finalizers": ["resources-finalizer.argocd.argoproj.io"],
        },
        "spec": {
            "project": "default",
            "source": {"repoURL": kube.repo_url, "targetRevision": kube.revision, "path": path},
            "destination": {"server": IN_CLUSTER, "namespace": kube.namespace},
            "syncPolicy": sync,
        },
    }


def flux_resources(spec: Spec, env: str, kube: Kubernetes, path: str) -> list[Manifest]:
    """Flux corrects drift at every interval by design (there is no self-heal switch); `automated: false`
    suspends the Kustomization, so nothing is applied until someone resumes it."""
    name = app_name(spec, env)
    source: Manifest = {
        "apiVersion": "source.toolkit.fluxcd.io/v1",
        "kind": "GitRepository",
        "metadata": {"name": name, "namespace": FLUX_NAMESPACE, "labels": labels(spec)},
        "spec": {"interval": "1m0s", "url": kube.repo_url, "ref": {"branch": kube.revision}},
    }
    kustomization: Manifest = {
        "apiVersion": "kustomize.toolkit.fluxcd.io/v1",
        "kind": "Kustomization",
        "metadata": {"name": name, "namespace": FLUX_NAMESPACE, "labels": labels(spec)},
        "spec": {
            "interval": "5m0s",
            "path": f"./{path}",
            "prune": kube.sync.prune,
            "suspend": not kube.sync.automated,
            "wait": True,
            "timeout": "10m0s",
            "sourceRef": {"kind": "GitRepository", "name": name},
        },
    }
    return [source, kustomization]


def namespace(kube: Kubernetes, spec: Spec) -> Manifest:
    """Flux does not create namespaces (Argo CD does, with CreateNamespace=true): a Flux overlay carries one."""
    # the API server adds the `kubernetes.io/metadata.name` label itself: written here, nothing differs
    tags = {**labels(spec), "kubernetes.io/metadata.name": kube.namespace}
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": kube.namespace, "labels": tags}}
