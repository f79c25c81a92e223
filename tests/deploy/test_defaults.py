"""The rendered manifests are fully defaulted: every field the API server fills in when it is left out is
written, with the value it would get, so the live object equals the manifest and Argo CD shows no
OutOfSync (kserve#2232, argo-cd#12463).

The table is the API server's defaulting, read from Kubernetes' `SetDefaults_*` functions
(pkg/apis/apps/v1/defaults.go, pkg/apis/core/v1/defaults.go, pkg/apis/autoscaling/v2/defaults.go,
pkg/apis/networking/v1/defaults.go): a path (`*` = every list item) and the value the server writes.
`None` means the server writes *some* value that mlspec chooses explicitly (so any value passes).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.deploy.test_manifests import kustomize

POD = "spec.template.spec"
CONTAINER = f"{POD}.containers.*"
PROBES = ("readinessProbe", "livenessProbe", "startupProbe")
DEFAULTS: dict[str, dict[str, Any]] = {
    "Deployment": {
        "spec.strategy.type": "RollingUpdate",
        "spec.strategy.rollingUpdate.maxSurge": None,
        "spec.strategy.rollingUpdate.maxUnavailable": None,
        "spec.revisionHistoryLimit": 10,
        "spec.progressDeadlineSeconds": 600,
        f"{POD}.restartPolicy": "Always",
        f"{POD}.terminationGracePeriodSeconds": 30,
        f"{POD}.dnsPolicy": "ClusterFirst",
        f"{POD}.schedulerName": "default-scheduler",
        f"{POD}.securityContext": None,
        f"{POD}.enableServiceLinks": None,
        f"{CONTAINER}.terminationMessagePath": "/dev/termination-log",
        f"{CONTAINER}.terminationMessagePolicy": "File",
        f"{CONTAINER}.imagePullPolicy": None,  # IfNotPresent unless the tag is `latest` or missing
        f"{CONTAINER}.ports.*.protocol": "TCP",
        **{
            f"{CONTAINER}.{probe}.{field}": value
            for probe in PROBES
            for field, value in {
                "timeoutSeconds": None,
                "periodSeconds": None,
                "successThreshold": 1,
                "failureThreshold": None,
                "httpGet.scheme": "HTTP",
            }.items()
        },
    },
    "Service": {
        "spec.type": "ClusterIP",
        "spec.sessionAffinity": "None",
        "spec.internalTrafficPolicy": "Cluster",
        "spec.ports.*.protocol": "TCP",
        "spec.ports.*.targetPort": None,  # defaults to `port`
    },
    "HorizontalPodAutoscaler": {"spec.minReplicas": None, "spec.metrics": None},
    "Ingress": {"spec.rules.*.http.paths.*.pathType": None},
}
# Fields the server assigns per object (clusterIP, ipFamilies, ...) cannot be written, and Argo CD ignores
# them; `replicas` is left out where an autoscaler owns it (Argo CD's documented practice).


def values(node: Any, path: list[str]) -> list[Any]:
    """Every value at ``path`` (a `*` steps into every list item); a missing field gives `KeyError`."""
    if not path:
        return [node]
    head, rest = path[0], path[1:]
    if head == "*":
        assert isinstance(node, list) and node, f"expected a non-empty list, found {node!r}"
        return [v for item in node for v in values(item, rest)]
    if head not in node:
        raise KeyError(head)
    return values(node[head], rest)


def missing_defaults(resource: dict[str, Any]) -> list[str]:
    problems = []
    for path, default in DEFAULTS.get(resource["kind"], {}).items():
        try:
            found = values(resource, path.split("."))
        except KeyError:
            problems.append(f"{resource['kind']}: {path} is left for the API server to default")
            continue
        if default is not None and any(v != default for v in found):
            problems.append(f"{resource['kind']}: {path} is {found}, the server would write {default!r}")
    return problems


@pytest.mark.parametrize("overlay", ["base", "staging", "production"])
def test_every_server_default_is_written(rendered: Path, overlay: str) -> None:
    resources = kustomize(rendered / "deploy" / "k8s" / overlay)
    assert {"Deployment", "Service"} <= {r["kind"] for r in resources}
    assert [p for r in resources for p in missing_defaults(r)] == []


def test_the_check_finds_a_field_left_to_the_server(rendered: Path) -> None:
    (deployment,) = [r for r in kustomize(rendered / "deploy" / "k8s" / "base") if r["kind"] == "Deployment"]
    del deployment["spec"]["template"]["spec"]["containers"][0]["readinessProbe"]["periodSeconds"]
    deployment["spec"]["template"]["spec"]["dnsPolicy"] = "Default"
    assert missing_defaults(deployment) == [
        "Deployment: spec.template.spec.dnsPolicy is ['Default'], the server would write 'ClusterFirst'",
        "Deployment: spec.template.spec.containers.*.readinessProbe.periodSeconds is left for the API server to default",
    ]
