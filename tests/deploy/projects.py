"""Projects with Kubernetes environments: the example, copied, with a rolling (Argo CD) and a canary
(Flux) environment added."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import yaml

from tests.helpers import EXAMPLES

REGISTRY = "registry.example.com:5000"
REPOSITORY = "models/breast-cancer"
DIGEST = "sha256:" + "ab" * 32

KUBERNETES = {
    "staging": {
        "namespace": "breast-cancer-staging",
        "replicas": 1,
        "repo_url": "https://github.com/acme/models.git",
    },
    "production": {
        "namespace": "breast-cancer",
        "strategy": "canary",
        "service_monitor": True,
        "controller": "flux",
        "repo_url": "https://github.com/acme/models.git",
        "ingress": {"host": "bc.example.com", "class": "nginx", "tls_secret": "bc-tls"},
        "autoscale": {"min": 3, "max": 6, "cpu_percent": 60},
        "resources": {"requests": {"cpu": "0.5", "memory": "1024Mi"}, "limits": {"cpu": "2000m", "memory": "2Gi"}},
    },
}


def k8s_spec(kubernetes: dict[str, dict[str, object]] | None = None) -> dict[str, object]:
    spec = yaml.safe_load((EXAMPLES / "breast-cancer" / "mlproject.yaml").read_text("utf-8"))
    spec["serve"]["container"] = {"registry": REGISTRY, "repository": REPOSITORY}
    for env in spec["environments"]:
        env.pop("kubernetes", None)  # the example's own
        kube = (kubernetes or KUBERNETES).get(env["name"])
        if kube is not None:
            env["kubernetes"] = kube
    return spec


def k8s_project(root: Path, spec: dict[str, object] | None = None) -> Path:
    """The example copied to ``root`` (a git repository) with Kubernetes environments; returns the spec path."""
    shutil.copytree(EXAMPLES / "breast-cancer", root, ignore=shutil.ignore_patterns(".mlspec", ".github", "k8s"))
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    path = root / "mlproject.yaml"
    path.write_text(yaml.safe_dump(spec or k8s_spec(), sort_keys=False), "utf-8")
    return path
