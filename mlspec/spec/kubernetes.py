"""`environments[].kubernetes`: how an environment runs on Kubernetes (rendered by mlspec.deploy).

Quantities are stored in the canonical form the API server writes back (`1000m` -> `1`, `1024Mi` ->
`1Gi`), so a GitOps controller compares equal text with what the cluster returns.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from mlspec.errors import shown

DNS_LABEL_PATTERN = r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$"
HOST_PATTERN = r"^(?:\*\.)?[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$"
# https or ssh git URLs; no spaces, quotes or `$`.
GIT_URL_PATTERN = (
    r"^(?:https://[A-Za-z0-9_.\-/@:%~]+|ssh://[A-Za-z0-9_.\-/@:%~]+|git@[A-Za-z0-9_.\-]+:[A-Za-z0-9_.\-/]+)$"
)
GIT_REVISION_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.\-/]{0,99}$"
CPU_PATTERN = r"^(?:[0-9]+(?:\.[0-9]{1,3})?|[0-9]+m)$"
MEMORY_PATTERN = r"^[0-9]+(?:Ki|Mi|Gi|Ti)?$"
_BINARY = (("Ti", 1024**4), ("Gi", 1024**3), ("Mi", 1024**2), ("Ki", 1024))


def canonical_cpu(value: str) -> str:
    """`0.5` -> `500m`, `1000m` -> `1`, `1.5` -> `1500m`: the API server's canonical text."""
    milli = int(value[:-1]) if value.endswith("m") else int(Decimal(value) * 1000)
    if milli <= 0:
        raise ValueError(f"cpu {shown(value)} must be more than 0")
    return str(milli // 1000) if milli % 1000 == 0 else f"{milli}m"


def canonical_memory(value: str) -> str:
    """`1024Mi` -> `1Gi`, `1536Mi` stays: the largest binary suffix that divides exactly."""
    number = re.match(r"^[0-9]+", value)
    assert number is not None  # the pattern checked it
    factor = dict(_BINARY).get(value[number.end() :], 1)
    size = int(number.group()) * factor
    if size <= 0:
        raise ValueError(f"memory {shown(value)} must be more than 0")
    for suffix, unit in _BINARY:
        if size % unit == 0:
            return f"{size // unit}{suffix}"
    return str(size)


def cpu_milli(value: str) -> int:
    return int(value[:-1]) if value.endswith("m") else int(value) * 1000


def memory_bytes(value: str) -> int:
    for suffix, unit in _BINARY:
        if value.endswith(suffix):
            return int(value[: -len(suffix)]) * unit
    return int(value)


class KubeModel(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True, defer_build=True)


class Quantities(KubeModel):
    """CPU and memory of a container."""

    cpu: str = Field(pattern=CPU_PATTERN, description="CPU cores, e.g. `500m` or `1`.")
    memory: str = Field(pattern=MEMORY_PATTERN, description="Memory with a binary suffix, e.g. `512Mi`, `1Gi`.")

    @field_validator("cpu")
    @classmethod
    def _cpu(cls, value: str) -> str:
        return canonical_cpu(value)

    @field_validator("memory")
    @classmethod
    def _memory(cls, value: str) -> str:
        return canonical_memory(value)


class PodResources(KubeModel):
    """Resource requests (what the scheduler reserves) and limits (the most the container may use)."""

    requests: Quantities = Field(
        default_factory=lambda: Quantities(cpu="500m", memory="1Gi"), description="Requested CPU and memory."
    )
    limits: Quantities = Field(
        default_factory=lambda: Quantities(cpu="1", memory="1Gi"), description="CPU and memory limits."
    )

    @model_validator(mode="after")
    def _requests_within_limits(self) -> PodResources:
        if cpu_milli(self.requests.cpu) > cpu_milli(self.limits.cpu):
            raise ValueError(
                f"requests.cpu {self.requests.cpu} is more than limits.cpu {self.limits.cpu}: "
                "the API server rejects such a pod; raise the limit or lower the request"
            )
        if memory_bytes(self.requests.memory) > memory_bytes(self.limits.memory):
            raise ValueError(
                f"requests.memory {self.requests.memory} is more than limits.memory {self.limits.memory}: "
                "the API server rejects such a pod; raise the limit or lower the request"
            )
        return self


class Autoscale(KubeModel):
    """A HorizontalPodAutoscaler on CPU use."""

    min: int = Field(2, ge=1, le=1000, description="Fewest replicas.")
    max: int = Field(4, ge=1, le=1000, description="Most replicas.")
    cpu_percent: int = Field(70, ge=1, le=100, description="Average CPU use (percent of the request) to keep.")

    @model_validator(mode="after")
    def _min_not_above_max(self) -> Autoscale:
        if self.min > self.max:
            raise ValueError(f"min ({self.min}) is more than max ({self.max}): make min <= max")
        return self


class Ingress(KubeModel):
    """An Ingress in front of the Service."""

    host: str = Field(pattern=HOST_PATTERN, max_length=253, description="Host name, e.g. `churn.example.com`.")
    class_name: str | None = Field(
        None,
        alias="class",
        pattern=DNS_LABEL_PATTERN,
        description="IngressClass, e.g. `nginx`; default: the cluster's.",
    )
    tls_secret: str | None = Field(
        None, pattern=DNS_LABEL_PATTERN, description="Secret holding the TLS certificate for `host`."
    )


class Sync(KubeModel):
    """How the GitOps controller applies the overlay."""

    automated: bool = Field(True, description="Apply every change merged to the revision without a human.")
    self_heal: bool = Field(
        True, description="Undo changes made in the cluster by hand (Argo CD `selfHeal`; Flux always does)."
    )
    prune: bool = Field(True, description="Delete resources that left the overlay.")


class Canary(KubeModel):
    """Thresholds of the canary analysis (Argo Rollouts), over the service's own Prometheus metrics."""

    max_error_rate: float = Field(
        0.05, gt=0, lt=1, description="Largest share of 5xx answers of /predict over the last 2 minutes."
    )
    max_p95_ms: float = Field(500, gt=0, le=600000, description="Largest p95 latency of /predict, in milliseconds.")
    pause_minutes: int = Field(5, ge=1, le=1440, description="Minutes each canary step is analysed before the next.")
    prometheus_url: str = Field(
        "http://prometheus-operated.monitoring.svc:9090",
        pattern=r"^https?://[A-Za-z0-9_.\-:/]+$",
        description="Prometheus the analysis queries.",
    )


class Kubernetes(KubeModel):
    """Run this environment on Kubernetes: `mlspec render` writes a Kustomize overlay in `deploy/k8s/<env>/`
    and the GitOps controller's resource that applies it."""

    namespace: str = Field(pattern=DNS_LABEL_PATTERN, description="Namespace the service runs in.")
    replicas: int | None = Field(
        None,
        ge=1,
        le=1000,
        description="Fixed number of replicas; only without autoscaling (set `autoscale: null`). Default 2.",
    )
    resources: PodResources = Field(default_factory=PodResources, description="Requests and limits of the service.")
    autoscale: Autoscale | None = Field(
        default_factory=Autoscale,
        description="HorizontalPodAutoscaler on CPU (default min 2, max 4, 70%); `null` for fixed `replicas`.",
    )
    ingress: Ingress | None = Field(None, description="Expose the service through an Ingress.")
    service_account: str | None = Field(
        None, pattern=DNS_LABEL_PATTERN, description="ServiceAccount the pods run as; default: the namespace's."
    )
    strategy: Literal["rolling", "canary"] = Field(
        "rolling",
        description="`rolling`: a Deployment's rolling update. `canary`: an Argo Rollouts Rollout that sends 10%, "
        "then 50%, then all traffic to the new model while an analysis of its error rate and p95 latency passes.",
    )
    canary: Canary = Field(default_factory=Canary, description="Thresholds of the canary analysis.")
    service_monitor: bool = Field(
        False, description="Also render a Prometheus Operator ServiceMonitor (needs its CRDs in the cluster)."
    )
    controller: Literal["argocd", "flux"] = Field("argocd", description="GitOps controller that applies the overlay.")
    repo_url: str | None = Field(
        None,
        pattern=GIT_URL_PATTERN,
        description="Git URL the controller reads this repository from; without it no controller resource is rendered.",
    )
    revision: str = Field("main", pattern=GIT_REVISION_PATTERN, description="Branch the controller follows.")
    sync: Sync = Field(default_factory=Sync, description="Automated sync and self-heal.")

    @model_validator(mode="after")
    def _replicas_or_autoscale(self) -> Kubernetes:
        if self.replicas is not None and self.autoscale is not None:
            if "autoscale" in self.model_fields_set:
                raise ValueError(
                    "replicas and autoscale are both set: the autoscaler owns the replica count; "
                    "remove replicas, or set `autoscale: null` for a fixed count"
                )
            self.autoscale = None  # `replicas: N` alone means a fixed count
        if self.autoscale is None and self.replicas is None:
            self.replicas = 2
        return self

    @property
    def min_replicas(self) -> int:
        return self.autoscale.min if self.autoscale else (self.replicas or 2)
