"""One hidden-marker format (mlspec.markdown.hidden_marker) and one job-summary writer (mlspec.hosts.github.job), and the
report comment written under the old marker still found and edited, not doubled."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mlspec.hosts.github.client import comment_marker as github_marker
from mlspec.hosts.github.job import SUMMARY_LIMIT, append_job_summary
from mlspec.markdown import hidden_marker
from mlspec.promote.body import promotion_marker
from mlspec.report.markdown import comment_marker, legacy_comment_markers
from tests.gate.support import commit_champion, make_record, outcome_of, project_with_gates
from tests.github_standin import GitHubStandIn
from tests.github_standin.fixtures import github_standin  # noqa: F401
from tests.helpers import run_cli


def test_every_marker_has_one_format() -> None:
    assert comment_marker("churn") == "<!-- mlspec:report:churn -->" == github_marker("churn")
    assert promotion_marker("churn", "prod") == "<!-- mlspec:promotion:churn:prod -->"
    assert hidden_marker("model-card") == "<!-- mlspec:model-card -->"
    assert legacy_comment_markers("churn") == ["<!-- mlspec-report:churn -->"]


def test_the_report_comment_under_the_old_marker_is_edited_not_doubled(
    tmp_path: Path,
    github_standin: GitHubStandIn,  # noqa: F811
) -> None:
    from mlspec.hosts.github.client import GitHubSettings, connect

    project = project_with_gates(tmp_path, "gates:\n  - {metric: roc_auc, min: 0.95}\n")
    commit_champion(project, "staging", {"roc_auc": 0.96})
    make_record(
        project, {"roc_auc": 0.98}, tests={"data": outcome_of("data", 0, 3), "model": outcome_of("model", 0, 4)}
    )
    repo = connect(GitHubSettings.from_env(github_standin.env()))
    repo.create_branch("feature", repo.branch_sha("main"))
    repo.write_file("a.txt", "a\n", message="a", branch="feature")
    info, _ = repo.open_or_update_pr(head="feature", base="main", title="T", body="B")
    old_id = repo.comment(info.number, "<!-- mlspec-report:breast-cancer -->\n### report of an older mlspec")
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"pull_request": {"number": info.number}}))

    result = run_cli(
        "report", str(project / "mlproject.yaml"), "--comment", env=github_standin.env(GITHUB_EVENT_PATH=str(event))
    )

    assert result.returncode == 0, result.stderr
    assert f"updated comment {old_id} on pull request #{info.number}" in result.stdout
    (comment,) = github_standin.state.comments_on(info.number)
    assert comment.body.startswith(comment_marker("breast-cancer") + "\n") and "older mlspec" not in comment.body


def test_the_job_summary_stays_under_githubs_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    summary = tmp_path / "summary.md"
    summary.write_text("x" * (SUMMARY_LIMIT - 10_000), encoding="utf-8")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    assert append_job_summary("## drift\n" + "é" * 20_000) is True  # 40 kB of UTF-8, cut to what fits
    written = summary.read_text(encoding="utf-8")[SUMMARY_LIMIT - 10_000 :]
    assert written.startswith("## drift\n") and "cut to fit GitHub's job summary limit" in written
    assert summary.stat().st_size <= SUMMARY_LIMIT
    assert append_job_summary("## drift again\n") is False  # no room left: nothing appended
    assert "drift again" not in summary.read_text(encoding="utf-8")


def test_without_a_job_summary_nothing_is_written(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    assert append_job_summary("## drift\n") is False
