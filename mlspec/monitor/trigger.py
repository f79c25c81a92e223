"""Starting continuous training when drift is found: a `repository_dispatch` event of type
`mlspec-drift-<project>` that the rendered CT workflow listens to. The client_payload's `summary`
is what the CT run records as its reason (record.trigger), e.g. "feature `income` drifted (score
0.31 > 0.2)". Without a token, the request is written to dispatch.json instead."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mlspec.fsio import atomic_write_json
from mlspec.monitor.drift_checks import DriftResult
from mlspec.monitor.summary import summary_line

# GitHub: client_payload has at most 10 top-level properties; the whole body must stay small (~64 KB).
MAX_PAYLOAD_BYTES = 60_000
MAX_DRIFTED_IN_PAYLOAD = 50


def event_type(project: str) -> str:
    return f"mlspec-drift-{project}"


def client_payload(
    result: DriftResult, *, project: str, environment: str, drift_id: str, run_url: str | None
) -> dict[str, Any]:
    drifted = [
        {"feature": f.feature, "score": round(f.score, 4), "threshold": f.threshold}
        for f in result.drifted_features[:MAX_DRIFTED_IN_PAYLOAD]
    ]
    checks = {key: round(c.score, 4) for key, c in result.checks.items() if c.drifted and c.score is not None}
    payload: dict[str, Any] = {
        "project": project,
        "environment": environment,
        "summary": summary_line(result),
        "drifted": drifted,
        "checks": checks,
        "drift_id": drift_id,
        "run_url": run_url,
    }
    while len(json.dumps(payload)) > MAX_PAYLOAD_BYTES and payload["drifted"]:
        payload["drifted"] = payload["drifted"][: len(payload["drifted"]) // 2]
    return payload


@dataclass
class DispatchOutcome:
    sent: bool
    file: Path
    message: str


def dispatch(
    result: DriftResult, *, project: str, environment: str, drift_id: str, folder: Path, settings: Any
) -> DispatchOutcome:
    """Send the repository_dispatch when a token is set; always write dispatch.json (what was or would
    have been sent)."""
    kind = event_type(project)
    payload = client_payload(
        result, project=project, environment=environment, drift_id=drift_id, run_url=settings.run_url
    )
    path = folder / "dispatch.json"
    request = {
        "method": "POST",
        "endpoint": "/repos/{owner}/{repo}/dispatches",
        "repository": settings.repository,
        "body": {"event_type": kind, "client_payload": payload},
    }
    if not settings.has_token:
        atomic_write_json(
            path, {**request, "sent": False, "reason": "no GITHUB_TOKEN (or GH_TOKEN): nothing was sent to GitHub"}
        )
        return DispatchOutcome(
            False, path, f"no GitHub token: the {kind} dispatch that would have started training is in {path}"
        )
    from mlspec.hosts.all_hosts import current as code_host

    repo = code_host().connect(settings)
    repo.repository_dispatch(kind, payload)
    atomic_write_json(path, {**request, "sent": True})
    return DispatchOutcome(
        True, path, f"started continuous training: repository_dispatch {kind} sent to {repo.full_name}"
    )
