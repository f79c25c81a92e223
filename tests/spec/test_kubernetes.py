"""`environments[].kubernetes`: canonical quantities and clear errors, with the line and column."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlspec.spec.kubernetes import Kubernetes, canonical_cpu, canonical_memory
from tests.deploy.projects import k8s_project, k8s_spec
from tests.helpers import run_cli


@pytest.mark.parametrize(
    "given, canonical", [("0.5", "500m"), ("1000m", "1"), ("2", "2"), ("1.5", "1500m"), ("250m", "250m")]
)
def test_cpu_is_canonical(given: str, canonical: str) -> None:
    assert canonical_cpu(given) == canonical


@pytest.mark.parametrize(
    "given, canonical", [("1024Mi", "1Gi"), ("1536Mi", "1536Mi"), ("1048576Ki", "1Gi"), ("1073741824", "1Gi")]
)
def test_memory_is_canonical(given: str, canonical: str) -> None:
    assert canonical_memory(given) == canonical


def test_replicas_alone_means_no_autoscaler() -> None:
    kube = Kubernetes.model_validate({"namespace": "ns", "replicas": 3})
    assert (kube.replicas, kube.autoscale) == (3, None)
    default = Kubernetes.model_validate({"namespace": "ns"})
    assert default.replicas is None and default.autoscale is not None and default.autoscale.min == 2
    fixed = Kubernetes.model_validate({"namespace": "ns", "autoscale": None})
    assert fixed.replicas == 2


@pytest.mark.parametrize(
    "kube, where, message",
    [
        (
            {"namespace": "bc", "replicas": 2, "autoscale": {"min": 1, "max": 3}},
            "environments[0].kubernetes",
            "replicas and autoscale are both set",
        ),
        (
            {"namespace": "bc", "autoscale": {"min": 5, "max": 3}},
            "environments[0].kubernetes.autoscale",
            "min (5) is more than max (3)",
        ),
        (
            {
                "namespace": "bc",
                "resources": {"requests": {"cpu": "2", "memory": "1Gi"}, "limits": {"cpu": "1", "memory": "1Gi"}},
            },
            "environments[0].kubernetes.resources",
            "requests.cpu 2 is more than limits.cpu 1",
        ),
        ({"namespace": "Not_A_Label"}, "environments[0].kubernetes.namespace", "is not valid here"),
        ({"namespace": "bc", "strategy": "bluegreen"}, "environments[0].kubernetes.strategy", "bluegreen"),
        ({"replicas": 2}, "environments[0].kubernetes.namespace", ""),
    ],
)
def test_bad_kubernetes_settings_are_clear_errors(
    tmp_path: Path, kube: dict[str, object], where: str, message: str
) -> None:
    spec = k8s_project(tmp_path / "repo", k8s_spec({"staging": kube}))
    result = run_cli("validate", str(spec))
    assert result.returncode == 1
    line = next(line for line in result.stdout.splitlines() if f": {where}:" in line)
    assert message in line
    assert line.startswith(f"{spec}:") and line.split(":")[1].isdigit()  # file:line:col


def test_kubernetes_needs_a_registry(tmp_path: Path) -> None:
    spec_data = k8s_spec()
    del spec_data["serve"]["container"]  # type: ignore[attr-defined]
    spec = k8s_project(tmp_path / "repo", spec_data)
    result = run_cli("validate", str(spec))
    assert result.returncode == 1
    assert "environments[0].kubernetes: environment 'staging' runs on Kubernetes, but serve.container.registry" in (
        result.stdout
    )
    render = run_cli("render", str(spec))
    assert render.returncode == 1 and not (tmp_path / "repo" / "deploy" / "k8s").exists()
