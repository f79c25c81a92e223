"""Progressive delivery with Argo Rollouts: a `Rollout` that takes its pod template from the base
Deployment (`workloadRef`, the Deployment kept at 0 replicas) and shifts 10% -> 50% -> 100% of the
replicas to a new model while an `AnalysisTemplate` checks the new pods' error rate and p95 latency
in Prometheus. A failed analysis aborts the rollout: the controller scales the stable model back up.

The queries read the metrics BentoML's HTTP server exports on /metrics (namespace `bentoml_service`):
`bentoml_service_request_total{endpoint, http_response_code, ...}` and the histogram
`bentoml_service_request_duration_seconds`. They select the canary's pods by the label Argo Rollouts
puts on them, `rollouts-pod-template-hash`, which Prometheus must copy onto the series
(`rollouts_pod_template_hash`): the ServiceMonitor does (`podTargetLabels`), so does the usual
`labelmap` of pod labels in an annotation-based scrape.
"""

from __future__ import annotations

from mlspec.deploy.kubernetes import Manifest, metadata, selector
from mlspec.spec.kubernetes import Kubernetes
from mlspec.spec.models import Spec

METRIC_PREFIX = "bentoml_service"
PREDICT_ENDPOINT = "/predict"
WEIGHTS = (10, 50)  # then 100: the last step of a canary is promotion to every replica
WINDOW = "2m"


def analysis_name(spec: Spec) -> str:
    return f"{spec.name}-canary"


def rollout(spec: Spec, kube: Kubernetes) -> Manifest:
    pause = {"pause": {"duration": f"{kube.canary.pause_minutes}m"}}
    steps: list[Manifest] = []
    for weight in WEIGHTS:
        steps += [{"setWeight": weight}, pause]
    steps.append({"setWeight": 100})
    body: Manifest = {}
    if kube.autoscale is None:
        body["replicas"] = kube.replicas
    body.update(
        {
            "selector": {"matchLabels": selector(spec)},
            "workloadRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": spec.name, "scaleDown": "never"},
            "revisionHistoryLimit": 10,
            "progressDeadlineSeconds": 600,
            "strategy": {
                "canary": {
                    "maxSurge": "25%",
                    "maxUnavailable": 0,
                    "analysis": {
                        "templates": [{"templateName": analysis_name(spec)}],
                        "startingStep": 1,
                        "args": [
                            {"name": "namespace", "value": kube.namespace},
                            {"name": "canary-hash", "valueFrom": {"podTemplateHashValue": "Latest"}},
                        ],
                    },
                    "steps": steps,
                }
            },
        }
    )
    return {"apiVersion": "argoproj.io/v1alpha1", "kind": "Rollout", "metadata": metadata(spec), "spec": body}


def _selector(extra: str = "") -> str:
    return (
        f'namespace="{{{{args.namespace}}}}",rollouts_pod_template_hash="{{{{args.canary-hash}}}}",'
        f'endpoint="{PREDICT_ENDPOINT}"{extra}'
    )


def error_rate_query() -> str:
    total = f"sum(rate({METRIC_PREFIX}_request_total{{{_selector()}}}[{WINDOW}]))"
    server_errors = _selector(',http_response_code=~"5.."')
    errors = f"sum(rate({METRIC_PREFIX}_request_total{{{server_errors}}}[{WINDOW}]))"
    return f"({errors} or vector(0)) / {total}"


def latency_query() -> str:
    buckets = f"sum by (le) (rate({METRIC_PREFIX}_request_duration_seconds_bucket{{{_selector()}}}[{WINDOW}]))"
    return f"histogram_quantile(0.95, {buckets})"


def analysis_template(spec: Spec, kube: Kubernetes) -> Manifest:
    """Two Prometheus measurements every minute; three failures abort. No traffic to the canary yet
    (an empty or NaN result) counts as success: there is nothing to judge."""
    no_data = "len(result) == 0 || isNaN(result[0])"

    def metric(name: str, query: str, limit: str) -> Manifest:
        return {
            "name": name,
            "interval": "1m",
            "failureLimit": 3,
            "successCondition": f"{no_data} || result[0] <= {limit}",
            "provider": {"prometheus": {"address": kube.canary.prometheus_url, "query": query}},
        }

    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "AnalysisTemplate",
        "metadata": metadata(spec, analysis_name(spec)),
        "spec": {
            "args": [{"name": "namespace"}, {"name": "canary-hash"}],
            "metrics": [
                metric("error-rate", error_rate_query(), repr(kube.canary.max_error_rate)),
                metric("p95-latency-seconds", latency_query(), repr(kube.canary.max_p95_ms / 1000)),
            ],
        },
    }
