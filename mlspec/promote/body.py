"""Title and body of the promotion pull request."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from mlspec.gate.results import GateReport
from mlspec.markdown import code, hidden_marker
from mlspec.report.markdown import build_report
from mlspec.state.deploy import Deployment
from mlspec.state.record import RunRecord

if TYPE_CHECKING:
    from mlspec.spec import LoadedSpec

SAFE_TAG = re.compile(r"^[A-Za-z0-9_.\-]{1,100}:[A-Za-z0-9_.\-]{1,100}$")


def promotion_marker(project: str, env: str) -> str:
    return hidden_marker("promotion", project, env)


def pr_title(project: str, env: str, tag: str) -> str:
    """Built from validated spec names; the model tag only when it has the shape of a BentoML tag."""
    title = f"Promote {project} to {env}"
    return f"{title}: {tag}" if SAFE_TAG.match(tag) else title


# GitHub rejects pull request bodies above 65,536 characters: what the card and the report may use together,
# leaving room for the header, the supersedes and override notes.
BODY_BUDGET = 65_536 - 3_000


def report_markdown(loaded: LoadedSpec, record: RunRecord, gate_report: GateReport, max_chars: int = 65_000) -> str:
    """The run report for the pull request body, at least 2,000 characters of room."""
    return build_report(loaded, record, gate_report, max_chars=max(2_000, max_chars))


def pr_body(
    *,
    deployment: Deployment,
    deploy_file: str,
    report: str,
    supersedes: str | None,
    run_url: str | None,
    card: str | None = None,
    card_file: str | None = None,
    warnings: list[str] | None = None,
) -> str:
    project, env, tag = deployment.project, deployment.environment, deployment.model.tag
    rollback = deployment.promoted.get("rollback")
    lines = [promotion_marker(project, env)]
    for warning in warnings or []:  # mlspec's own sentences: what a reviewer must act on first
        lines += ["> [!WARNING]", f"> {warning}", ""]
    if isinstance(rollback, dict):
        restored = [f"{code(deploy_file)} to model {code(tag)} (run {code(deployment.lineage.get('run_id', '?'))})"]
        if card_file:
            restored.append(f"{code(card_file)} to that model's card")
        lines += [
            f"## Roll back {code(project)} in {code(env)} to {code(tag)}",
            "",
            f"This pull request rolls back {code(str(rollback.get('from') or '?'))}: it restores "
            + " and ".join(restored)
            + ". Merging it is the deployment: CD builds and serves what the file names.",
        ]
    else:
        lines += [
            f"## Promote {code(project)} to {code(env)}",
            "",
            f"This pull request sets {code(deploy_file)} to model {code(tag)} "
            f"(run {code(deployment.lineage.get('run_id', '?'))}). Merging it is the deployment: CD builds and "
            "serves what the file names.",
        ]
    if deployment.promoted.get("from_environment"):
        lines.append(f"The model already serves in {code(deployment.promoted['from_environment'])}.")
    if supersedes:
        lines += [
            "",
            f"> **Supersedes** {code(supersedes)}, which this pull request proposed before; "
            f"it now proposes the newer candidate {code(tag)}.",
        ]
    if run_url:
        lines += ["", f"Run: {run_url}"]  # built from GitHub's own environment, not from data
    lines += ["", report.strip(), ""]
    if card:
        where = f" (committed as {code(card_file)})" if card_file else ""
        lines += [
            "---",
            "",
            hidden_marker("model-card"),
            card.strip(),
            "",
            f"_The model card above is also in this pull request{where}._",
            "",
        ]
    return "\n".join(lines)
