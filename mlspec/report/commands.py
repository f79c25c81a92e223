"""`mlspec report [SPEC] [--output FILE] [--comment] [--env ENV]`.

Writes the full report to FILE (default `.mlspec/runs/<id>/report.md`) with the plot `report.png`
beside the record, appends it to $GITHUB_STEP_SUMMARY when set (under GitHub's 1 MiB), and with
--comment keeps one sticky comment per project on the pull request (or, without a token, writes the
comment body to `.mlspec/runs/<id>/comment.md`).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from mlspec import markdown
from mlspec.errors import EXIT_OK
from mlspec.fsio import atomic_write_text, display_path
from mlspec.gate.decision import load_or_decide
from mlspec.gate.results import GateReport
from mlspec.hosts.all_hosts import current as code_host
from mlspec.project import Project
from mlspec.report.markdown import (
    PLOT_FILE,
    UNLIMITED,
    actions_run_url,
    build_report,
    comment_marker,
    legacy_comment_markers,
)
from mlspec.state.record import RunRecord, RunStore

if TYPE_CHECKING:
    from mlspec.project import ProjectLike
    from mlspec.spec import LoadedSpec

COMMENT_LIMIT = 65_536


def comment_body(project: ProjectLike, record: RunRecord, gate_report: GateReport, run_url: str | None) -> str:
    project = Project.of(project)
    marker = comment_marker(project.spec.name)
    limit = COMMENT_LIMIT - 536 - len(marker) - 1  # headroom below GitHub's 65,536
    return f"{marker}\n" + build_report(project, record, gate_report, run_url=run_url, max_chars=limit)


def _command_text(text: str) -> str:
    """Text for a workflow command (`::warning::`): GitHub's escapes for %, CR and LF."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _cannot_comment(error: Exception, local: Path, pr_number: int) -> None:
    """A fork pull request's read-only GITHUB_TOKEN (the event says the head is another repository) may not
    write: say why, keep the report in the job summary, and leave the exit code to the gate. Any other refusal
    (a rate limit, missing workflow permissions) fails the command."""
    reason = (
        f"could not post the report comment on pull request #{pr_number}: {getattr(error, 'message', error)}. "
        "Pull requests from forks get a read-only GITHUB_TOKEN, so GitHub refuses comments; the report is in "
        f'the job summary and in {display_path(local)} (see docs/github.md, "Fork pull requests")'
    )
    print(f"::warning title=mlspec report::{_command_text(reason)}")
    code_host().append_job_summary(f"\n> ⚠️ {markdown.text(reason)}\n")


def post_comment(loaded: LoadedSpec, store: RunStore, record: RunRecord, body: str) -> None:
    host = code_host()
    settings = host.settings()
    local = store.run_dir(record.run_id) / "comment.md"
    if not settings.has_token:
        atomic_write_text(local, body)
        print(f"no GitHub token: wrote the comment to {display_path(local)} (set GITHUB_TOKEN to post it)")
        return
    if settings.pr_number is None:
        atomic_write_text(local, body)
        print(f"not a pull request event: no comment posted; wrote it to {display_path(local)}")
        return
    try:
        comment_id, created = host.connect(settings).upsert_comment(
            settings.pr_number, comment_marker(loaded.spec.name), body, legacy=legacy_comment_markers(loaded.spec.name)
        )
    except host.permission_error as error:
        atomic_write_text(local, body)
        if not settings.pr_from_fork:  # a token that should write but may not: the workflow's permissions
            raise
        _cannot_comment(error, local, settings.pr_number)
        return
    print(f"{'created' if created else 'updated'} comment {comment_id} on pull request #{settings.pr_number}")


def report_command(spec: ProjectLike, output: str | None = None, comment: bool = False, env: str | None = None) -> int:
    from mlspec.report.plot import make_plot

    project = Project.of(spec)
    loaded, store = project.loaded, project.runs
    record = store.latest()
    gate_report = load_or_decide(project, record, env).report  # gate.json when current; else decided again, saying so
    run_dir = store.run_dir(record.run_id)
    champion = gate_report.champion_metrics()  # re-scored on the current test set where possible
    metrics = [m for m in loaded.spec.evaluate.metric_names() if m in record.metrics]
    metrics += sorted(m for m in record.metrics if m not in metrics)
    plot = make_plot(record, champion, metrics, store.history(loaded.spec.name), run_dir / PLOT_FILE, loaded.spec.gates)
    run_url = actions_run_url()

    target = Path(output) if output else run_dir / "report.md"
    plot_link = os.path.relpath(plot, target.resolve().parent) if plot else None
    if plot_link is not None:
        plot_link = Path(plot_link).as_posix()
    full = build_report(project, record, gate_report, run_url=run_url, max_chars=UNLIMITED, plot=plot_link)
    atomic_write_text(target, full)
    print(f"wrote the report to {display_path(target)}" + (f" and the plot to {display_path(plot)}" if plot else ""))

    if code_host().job_summary() is not None:
        ok = code_host().append_job_summary(
            lambda chars: build_report(project, record, gate_report, run_url=run_url, max_chars=chars)
        )
        print("appended the report to the job summary" if ok else "the job summary is full (1 MiB): not appended")
    if comment:
        post_comment(loaded, store, record, comment_body(project, record, gate_report, run_url))
    return EXIT_OK
