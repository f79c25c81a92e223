"""`mlspec render` of environments with `kubernetes:`: the Kustomize base, one overlay per environment,
the controller's resources; fully defaulted, deterministic, covered by `render --check`."""

from __future__ import annotations

import subprocess
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from tests.deploy.projects import DIGEST, REGISTRY, REPOSITORY, k8s_project, k8s_spec
from tests.helpers import ROOT, run_cli


def docs(text: str) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all(text) if d]


@lru_cache(maxsize=1)
def kubectl() -> str:
    """kubectl with its Kustomize: the one on PATH, else downloaded by scripts/kubectl.sh."""
    found = subprocess.run(["bash", str(ROOT / "scripts" / "kubectl.sh")], capture_output=True, text=True)
    assert found.returncode == 0, f"scripts/kubectl.sh found no kubectl: {found.stderr}"
    return found.stdout.strip()


def kustomize(folder: Path) -> list[dict[str, Any]]:
    built = subprocess.run([kubectl(), "kustomize", str(folder)], capture_output=True, text=True)
    assert built.returncode == 0, f"kubectl kustomize {folder}: {built.stderr}"
    return docs(built.stdout)


def by_kind(resources: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {r["kind"]: r for r in resources}


def test_render_writes_base_overlays_and_controllers(rendered: Path) -> None:
    k8s = rendered / "deploy" / "k8s"
    files = sorted(p.relative_to(k8s).as_posix() for p in k8s.rglob("*.yaml"))
    assert files == [
        "base/deployment.yaml",
        "base/hpa.yaml",
        "base/kustomization.yaml",
        "base/pdb.yaml",
        "base/service.yaml",
        "controller/production.yaml",
        "controller/staging.yaml",
        "production/analysistemplate.yaml",
        "production/deployment-patch.yaml",
        "production/hpa-patch.yaml",
        "production/ingress.yaml",
        "production/kustomization.yaml",
        "production/namespace.yaml",
        "production/rollout.yaml",
        "production/servicemonitor.yaml",
        "staging/deployment-patch.yaml",
        "staging/hpa-patch.yaml",
        "staging/kustomization.yaml",
    ]
    base = by_kind(kustomize(k8s / "base"))
    assert set(base) == {"Deployment", "Service", "HorizontalPodAutoscaler", "PodDisruptionBudget"}
    pod = base["Deployment"]["spec"]["template"]
    (container,) = pod["spec"]["containers"]
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert container["livenessProbe"]["httpGet"]["path"] == "/livez"
    assert pod["metadata"]["annotations"]["prometheus.io/path"] == "/metrics"
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    assert pod["spec"]["securityContext"]["runAsNonRoot"] is True
    assert {m["mountPath"] for m in container["volumeMounts"]} == {"/tmp"}
    assert {e["name"]: e["value"] for e in container["env"]}["BENTOML_HOME"].startswith("/tmp/")
    assert pod["spec"]["topologySpreadConstraints"]
    assert set(container["resources"]) == {"requests", "limits"}


def test_overlays_set_namespace_resources_replicas_and_image(rendered: Path) -> None:
    staging = by_kind(kustomize(rendered / "deploy" / "k8s" / "staging"))
    assert "HorizontalPodAutoscaler" not in staging  # `replicas: 1` alone means a fixed count
    deployment = staging["Deployment"]
    assert deployment["metadata"]["namespace"] == "breast-cancer-staging"
    assert deployment["spec"]["replicas"] == 1
    assert deployment["spec"]["template"]["spec"]["containers"][0]["image"] == f"{REGISTRY}/{REPOSITORY}"

    production = by_kind(kustomize(rendered / "deploy" / "k8s" / "production"))
    assert {r["metadata"].get("namespace") for k, r in production.items() if k != "Namespace"} == {"breast-cancer"}
    resources = production["Deployment"]["spec"]["template"]["spec"]["containers"][0]["resources"]
    # canonical quantities: what the API server writes back ("0.5" -> 500m, 1024Mi -> 1Gi, 2000m -> 2)
    assert resources == {"requests": {"cpu": "500m", "memory": "1Gi"}, "limits": {"cpu": "2", "memory": "2Gi"}}
    hpa = production["HorizontalPodAutoscaler"]["spec"]
    assert (hpa["minReplicas"], hpa["maxReplicas"]) == (3, 6)
    assert hpa["metrics"][0]["resource"]["target"]["averageUtilization"] == 60
    assert hpa["scaleTargetRef"]["kind"] == "Rollout"
    assert production["Deployment"]["spec"]["replicas"] == 0  # the Rollout's template, never serving itself
    assert production["Ingress"]["spec"]["tls"] == [{"hosts": ["bc.example.com"], "secretName": "bc-tls"}]


def test_canary_renders_rollout_10_50_100_with_analysis(rendered: Path) -> None:
    production = by_kind(kustomize(rendered / "deploy" / "k8s" / "production"))
    rollout = production["Rollout"]["spec"]
    assert rollout["workloadRef"] == {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "name": "breast-cancer",
        "scaleDown": "never",
    }
    weights = [s["setWeight"] for s in rollout["strategy"]["canary"]["steps"] if "setWeight" in s]
    assert weights == [10, 50, 100]
    assert rollout["strategy"]["canary"]["analysis"]["templates"] == [{"templateName": "breast-cancer-canary"}]
    metrics = {m["name"]: m for m in production["AnalysisTemplate"]["spec"]["metrics"]}
    assert set(metrics) == {"error-rate", "p95-latency-seconds"}
    assert "bentoml_service_request_total" in metrics["error-rate"]["provider"]["prometheus"]["query"]
    assert 'http_response_code=~"5.."' in metrics["error-rate"]["provider"]["prometheus"]["query"]
    assert (
        "bentoml_service_request_duration_seconds_bucket"
        in metrics["p95-latency-seconds"]["provider"]["prometheus"]["query"]
    )
    assert metrics["p95-latency-seconds"]["successCondition"].endswith("result[0] <= 0.5")


def test_controllers_point_at_their_overlays(rendered: Path) -> None:
    k8s = rendered / "deploy" / "k8s"
    (app,) = docs((k8s / "controller" / "staging.yaml").read_text("utf-8"))
    assert app["kind"] == "Application"
    assert app["spec"]["source"] == {
        "repoURL": "https://github.com/acme/models.git",
        "targetRevision": "main",
        "path": "deploy/k8s/staging",
    }
    assert app["spec"]["syncPolicy"]["automated"] == {"prune": True, "selfHeal": True}
    assert app["spec"]["destination"]["namespace"] == "breast-cancer-staging"
    source, kustomization = docs((k8s / "controller" / "production.yaml").read_text("utf-8"))
    assert (source["kind"], kustomization["kind"]) == ("GitRepository", "Kustomization")
    assert kustomization["spec"]["path"] == "./deploy/k8s/production"
    assert kustomization["spec"]["sourceRef"] == {"kind": "GitRepository", "name": source["metadata"]["name"]}
    assert kustomization["spec"]["suspend"] is False


def test_sync_options_and_no_repo_url(tmp_path: Path) -> None:
    kube = {
        "staging": {"namespace": "bc", "sync": {"automated": False}},
        "production": {
            "namespace": "bc-prod",
            "repo_url": "git@github.com:acme/models.git",
            "sync": {"self_heal": False},
        },
    }
    spec = k8s_project(tmp_path / "repo", k8s_spec(kube))
    assert run_cli("render", str(spec)).returncode == 0
    k8s = tmp_path / "repo" / "deploy" / "k8s"
    assert not (k8s / "controller" / "staging.yaml").exists()  # no repo_url: nothing to point a controller at
    (app,) = docs((k8s / "controller" / "production.yaml").read_text("utf-8"))
    assert app["spec"]["syncPolicy"]["automated"] == {"prune": True, "selfHeal": False}
    assert app["spec"]["source"]["repoURL"] == "git@github.com:acme/models.git"


def test_deploy_file_image_digest_reaches_the_overlay(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    spec = k8s_project(root)
    image = f"{REGISTRY}/{REPOSITORY}@{DIGEST}"
    (root / "deploy" / "staging.yaml").write_text(
        yaml.safe_dump(
            {
                "project": "breast-cancer",
                "environment": "staging",
                "model": {"tag": "breast-cancer:abc", "version": "abc"},
                "image": image,
            }
        ),
        "utf-8",
    )
    assert run_cli("render", str(spec)).returncode == 0
    staging = by_kind(kustomize(root / "deploy" / "k8s" / "staging"))
    assert staging["Deployment"]["spec"]["template"]["spec"]["containers"][0]["image"] == image
    production = by_kind(kustomize(root / "deploy" / "k8s" / "production"))  # nothing promoted there yet
    assert "@" not in production["Deployment"]["spec"]["template"]["spec"]["containers"][0]["image"]
    # a promotion that changes the deploy file's digest without the overlay is render drift
    other = f"{REGISTRY}/{REPOSITORY}@sha256:{'cd' * 32}"
    text = (root / "deploy" / "staging.yaml").read_text("utf-8").replace(image, other)
    (root / "deploy" / "staging.yaml").write_text(text, "utf-8")
    drift = run_cli("render", "--check", str(spec))
    assert drift.returncode == 1
    assert "deploy/k8s/staging/kustomization.yaml differs" in drift.stdout
    assert f"+  digest: sha256:{'cd' * 32}" in drift.stdout


def test_render_check_covers_manifests_and_stale_files(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    spec = k8s_project(root)
    assert run_cli("render", str(spec)).returncode == 0
    ok = run_cli("render", "--check", str(spec))
    assert ok.returncode == 0 and "18 manifests up to date" in ok.stdout
    patch = root / "deploy" / "k8s" / "staging" / "deployment-patch.yaml"
    patch.write_text(patch.read_text("utf-8").replace("replicas: 1", "replicas: 5"), "utf-8")
    drift = run_cli("render", "--check", str(spec))
    assert drift.returncode == 1
    assert "deploy/k8s/staging/deployment-patch.yaml differs" in drift.stdout
    assert "1 manifest out of date" in drift.stdout
    # the staging environment leaves Kubernetes: its overlay and Application are stale
    kube = {"production": k8s_spec()["environments"][1]["kubernetes"]}  # type: ignore[index]
    spec.write_text(yaml.safe_dump(k8s_spec(kube), sort_keys=False), "utf-8")
    stale = run_cli("render", "--check", str(spec))
    assert stale.returncode == 1
    assert "deploy/k8s/staging/kustomization.yaml is stale" in stale.stdout
    assert run_cli("render", str(spec)).returncode == 0
    assert not (root / "deploy" / "k8s" / "staging").exists() or not any(
        (root / "deploy" / "k8s" / "staging").iterdir()
    )
    assert not (root / "deploy" / "k8s" / "controller" / "staging.yaml").exists()


def test_rendering_is_deterministic(tmp_path: Path) -> None:
    texts = []
    for name in ("one", "two"):
        spec = k8s_project(tmp_path / name)
        assert run_cli("render", str(spec)).returncode == 0
        k8s = tmp_path / name / "deploy" / "k8s"
        texts.append({p.relative_to(k8s).as_posix(): p.read_bytes() for p in sorted(k8s.rglob("*.yaml"))})
    assert texts[0] == texts[1]
