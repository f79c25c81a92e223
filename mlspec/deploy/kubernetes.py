"""Kubernetes manifests of a project's service: a Kustomize base and one overlay per environment.

Every field the API server would fill in by default is written explicitly (probe timings, termination
message path, `protocol: TCP`, revision history, ...), and quantities are in their canonical form, so the
live objects equal the manifests and a GitOps controller does not report them OutOfSync (kserve#2232,
argo-cd#12463). The one field left out on purpose is `replicas` of a workload an autoscaler owns: the
autoscaler changes it, and Argo CD's documentation asks to leave it out then.

The container runs the image BentoML's `containerize` builds (user `bentoml`, uid 1034, the Bento in
/home/bentoml/bento) with a read-only root file system; what BentoML writes at run time (its home with
the Prometheus multiprocess folder, temporary files) goes to an emptyDir mounted at /tmp.
"""

from __future__ import annotations

from typing import Any

from mlspec.spec.kubernetes import Kubernetes
from mlspec.spec.models import Spec

BENTO_UID = 1034  # bentoml.containerize's user `bentoml` (BENTO_UID_GID)
PORT = 3000  # the port BentoML's image exposes and `bentoml serve` listens on by default
PORT_NAME = "http"
WRITABLE_DIR = "/tmp"  # noqa: S108 - an emptyDir in the pod, not the host's /tmp
READINESS_PATH = "/readyz"
LIVENESS_PATH = "/livez"
METRICS_PATH = "/metrics"
MANAGED_BY = "mlspec"
NAME_LABEL = "app.kubernetes.io/name"
Manifest = dict[str, Any]


def image_repository(spec: Spec) -> str:
    """`REGISTRY/REPOSITORY` the manifests name (the digest comes from the deploy file, in the overlay)."""
    container = spec.serve.container
    return f"{container.registry}/{container.repository or spec.name}"


def selector(spec: Spec) -> dict[str, str]:
    return {NAME_LABEL: spec.name}


def labels(spec: Spec) -> dict[str, str]:
    return {
        NAME_LABEL: spec.name,
        "app.kubernetes.io/component": "model-server",
        "app.kubernetes.io/part-of": spec.name,
        "app.kubernetes.io/managed-by": MANAGED_BY,
    }


def metadata(spec: Spec, name: str | None = None) -> Manifest:
    return {"name": name or spec.name, "labels": labels(spec)}


def _probe(path: str, *, period: int, failures: int, initial_delay: int = 0) -> Manifest:
    return {
        "httpGet": {"path": path, "port": PORT_NAME, "scheme": "HTTP"},
        "initialDelaySeconds": initial_delay,
        "timeoutSeconds": 2,
        "periodSeconds": period,
        "successThreshold": 1,
        "failureThreshold": failures,
    }


def container(spec: Spec) -> Manifest:
    """The model server's container, every defaulted field explicit. The image's own entrypoint reads
    `serve` as `bentoml serve <the Bento>`."""
    return {
        "name": "model-server",
        "image": image_repository(spec),
        "imagePullPolicy": "IfNotPresent",
        "args": ["serve", "--port", str(PORT)],
        "env": [
            {"name": "BENTOML_HOME", "value": f"{WRITABLE_DIR}/bentoml"},
            {"name": "HOME", "value": WRITABLE_DIR},
            {"name": "TMPDIR", "value": WRITABLE_DIR},
            {"name": "PYTHONDONTWRITEBYTECODE", "value": "1"},
            {"name": "BENTOML_DO_NOT_TRACK", "value": "true"},
        ],
        "ports": [{"name": PORT_NAME, "containerPort": PORT, "protocol": "TCP"}],
        "readinessProbe": _probe(READINESS_PATH, period=5, failures=3),
        "livenessProbe": _probe(LIVENESS_PATH, period=10, failures=3),
        "startupProbe": _probe(LIVENESS_PATH, period=2, failures=90),
        "resources": {"requests": {"cpu": "500m", "memory": "1Gi"}, "limits": {"cpu": "1", "memory": "1Gi"}},
        "securityContext": {
            "allowPrivilegeEscalation": False,
            "readOnlyRootFilesystem": True,
            "runAsNonRoot": True,
            "runAsUser": BENTO_UID,
            "runAsGroup": BENTO_UID,
            "capabilities": {"drop": ["ALL"]},
        },
        "volumeMounts": [{"name": "tmp", "mountPath": WRITABLE_DIR}],
        "terminationMessagePath": "/dev/termination-log",
        "terminationMessagePolicy": "File",
    }


def pod_template(spec: Spec) -> Manifest:
    return {
        "metadata": {
            "labels": labels(spec),
            "annotations": {
                "prometheus.io/scrape": "true",
                "prometheus.io/port": str(PORT),
                "prometheus.io/path": METRICS_PATH,
            },
        },
        "spec": {
            "automountServiceAccountToken": False,
            "containers": [container(spec)],
            "volumes": [{"name": "tmp", "emptyDir": {"sizeLimit": "1Gi"}}],
            "securityContext": {
                "runAsNonRoot": True,
                "runAsUser": BENTO_UID,
                "runAsGroup": BENTO_UID,
                "fsGroup": BENTO_UID,
                "seccompProfile": {"type": "RuntimeDefault"},
            },
            "topologySpreadConstraints": [
                {
                    "maxSkew": 1,
                    "topologyKey": key,
                    "whenUnsatisfiable": "ScheduleAnyway",
                    "labelSelector": {"matchLabels": selector(spec)},
                }
                for key in ("kubernetes.io/hostname", "topology.kubernetes.io/zone")
            ],
            "restartPolicy": "Always",
            "terminationGracePeriodSeconds": 30,
            "dnsPolicy": "ClusterFirst",
            "schedulerName": "default-scheduler",
            "enableServiceLinks": False,
        },
    }


def deployment(spec: Spec) -> Manifest:
    """The Deployment without `replicas`: the overlay sets it, or leaves it to the autoscaler."""
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": metadata(spec),
        "spec": {
            "selector": {"matchLabels": selector(spec)},
            "template": pod_template(spec),
            "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": 0}},
            "minReadySeconds": 0,
            "revisionHistoryLimit": 10,
            "progressDeadlineSeconds": 600,
        },
    }


def service(spec: Spec) -> Manifest:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": metadata(spec),
        "spec": {
            "type": "ClusterIP",
            "selector": selector(spec),
            "ports": [{"name": PORT_NAME, "port": 80, "targetPort": PORT_NAME, "protocol": "TCP"}],
            "sessionAffinity": "None",
            "internalTrafficPolicy": "Cluster",
        },
    }


def autoscaler(spec: Spec, kind: str = "Deployment", api_version: str = "apps/v1") -> Manifest:
    return {
        "apiVersion": "autoscaling/v2",
        "kind": "HorizontalPodAutoscaler",
        "metadata": metadata(spec),
        "spec": {
            "scaleTargetRef": {"apiVersion": api_version, "kind": kind, "name": spec.name},
            "minReplicas": 2,
            "maxReplicas": 4,
            "metrics": [
                {
                    "type": "Resource",
                    "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 70}},
                }
            ],
        },
    }


def disruption_budget(spec: Spec) -> Manifest:
    return {
        "apiVersion": "policy/v1",
        "kind": "PodDisruptionBudget",
        "metadata": metadata(spec),
        "spec": {"maxUnavailable": 1, "selector": {"matchLabels": selector(spec)}},
    }


def service_monitor(spec: Spec) -> Manifest:
    """Prometheus Operator's scrape of /metrics; the pod's Rollouts hash becomes a label of every series
    (`rollouts_pod_template_hash`), which the canary analysis filters on."""
    return {
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "ServiceMonitor",
        "metadata": metadata(spec),
        "spec": {
            "selector": {"matchLabels": selector(spec)},
            "endpoints": [{"port": PORT_NAME, "path": METRICS_PATH, "interval": "30s", "scheme": "http"}],
            "podTargetLabels": ["rollouts-pod-template-hash"],
        },
    }


def ingress(spec: Spec, kube: Kubernetes) -> Manifest | None:
    if kube.ingress is None:
        return None
    rule = {
        "host": kube.ingress.host,
        "http": {
            "paths": [
                {
                    "path": "/",
                    "pathType": "Prefix",
                    "backend": {"service": {"name": spec.name, "port": {"name": PORT_NAME}}},
                }
            ]
        },
    }
    body: Manifest = {}
    if kube.ingress.class_name:
        body["ingressClassName"] = kube.ingress.class_name
    body["rules"] = [rule]
    if kube.ingress.tls_secret:
        body["tls"] = [{"hosts": [kube.ingress.host], "secretName": kube.ingress.tls_secret}]
    return {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": metadata(spec), "spec": body}


def workload_patch(spec: Spec, kube: Kubernetes) -> Manifest:
    """The overlay's patch of the base Deployment: resources, service account, fixed replicas (a canary
    environment keeps the Deployment at 0 replicas as the Rollout's template)."""
    pod: Manifest = {
        "containers": [
            {
                "name": "model-server",
                "resources": {
                    "requests": {"cpu": kube.resources.requests.cpu, "memory": kube.resources.requests.memory},
                    "limits": {"cpu": kube.resources.limits.cpu, "memory": kube.resources.limits.memory},
                },
            }
        ]
    }
    if kube.service_account:
        pod["serviceAccountName"] = kube.service_account
    body: Manifest = {"template": {"spec": pod}}
    if kube.strategy == "canary":
        body = {"replicas": 0, **body}
    elif kube.autoscale is None:
        body = {"replicas": kube.replicas, **body}
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": spec.name}, "spec": body}


def autoscaler_patch(spec: Spec, kube: Kubernetes) -> Manifest:
    """The overlay's autoscaler: the environment's bounds, or deleted for a fixed replica count."""
    head = {"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler", "metadata": {"name": spec.name}}
    if kube.autoscale is None:
        return {**head, "$patch": "delete"}
    body: Manifest = {
        "minReplicas": kube.autoscale.min,
        "maxReplicas": kube.autoscale.max,
        "metrics": [
            {
                "type": "Resource",
                "resource": {
                    "name": "cpu",
                    "target": {"type": "Utilization", "averageUtilization": kube.autoscale.cpu_percent},
                },
            }
        ],
    }
    if kube.strategy == "canary":
        body = {
            "scaleTargetRef": {"apiVersion": "argoproj.io/v1alpha1", "kind": "Rollout", "name": spec.name},
            **body,
        }
    return {**head, "spec": body}
