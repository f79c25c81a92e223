"""The Markdown report: content, order, trimming under GitHub's comment limit, job summary, sticky comment."""

from __future__ import annotations

import json

import pytest

from mlspec.gate.evaluate import evaluate_gates
from mlspec.report.markdown import build_report, comment_marker
from mlspec.spec import load_spec
from mlspec.state.record import Change, RunStore
from tests.gate.support import commit_champion, make_record, outcome_of, project_with_gates
from tests.github_standin import GitHubStandIn
from tests.github_standin.fixtures import github_standin  # noqa: F401
from tests.helpers import run_cli

GATES = "gates:\n  - {metric: roc_auc, min: 0.95}\n  - {metric: log_loss, min_delta: 0.0}\n"


@pytest.fixture
def project(tmp_path):
    project = project_with_gates(tmp_path, GATES)
    commit_champion(project, "staging", {"roc_auc": 0.96, "f1": 0.95, "accuracy": 0.94, "log_loss": 0.20})
    return project


def _record(project, *, failed: int = 2, passed: int = 3, **kw):
    tests = {"data": outcome_of("data", failed, passed), "model": outcome_of("model", 0, 4)}
    return make_record(
        project,
        {"roc_auc": 0.98, "f1": 0.97, "accuracy": 0.96, "log_loss": 0.25},
        tests=tests,
        changes=[Change(kind="data", what="data/train.csv", detail="+1,204 rows")],
        trigger={"event": "push", "actor": "alice", "ref": "refs/heads/main"},
        **kw,
    )


def _build(project, record, **kw) -> str:
    loaded = load_spec(project / "mlproject.yaml")
    return build_report(loaded, record, evaluate_gates(loaded, record, "staging"), **kw)


def test_report_has_verdict_metrics_failed_checks_first_and_why(project) -> None:
    text = _build(project, _record(project))
    assert text.startswith(
        "### ❌ breast-cancer: gate not passed for `staging` (2 of 3 checks failed: data tests failed, "
        "metric gates failed)\n"
    )
    assert "Model `breast-cancer:challenger` · run `20250102T000000000000Z-00001`" in text
    assert "| roc_auc | ↑ | 0.9800 | 0.9600 | ▲ +0.0200 (better) | — | ✅ |" in text
    assert "| log_loss | ↓ | 0.2500 | 0.2000 | ▲ +0.0500 (worse) | — | ❌ |" in text
    assert "the improvement -0.0500 is below min_delta +0" in text
    assert "#### ❌ Data tests: failed (5 checks: 2 failed, 3 passed; fail_on: fail, errored: warn)" in text
    section = text[text.index("#### ❌ Data tests") : text.index("#### ✅ Model tests")]
    assert section.index("FeatureDrift000") < section.index("FeatureDrift001") < section.index("PassingCheck000")
    assert (
        "  - FAIL: drift score &lt; 0.2 for feature f0 — Found 1 out of 30 features" not in section
    )  # '< 0' is no tag
    assert "  - FAIL: drift score < 0.2 for feature f0 — Found 1 out of 30 features with drift score" in section
    assert "<details><summary>3 passed checks</summary>" in section
    assert "- retrained because `data/train.csv` changed (+1,204 rows)" in text
    assert "- trigger: actor: `alice`, event: `push`, ref: `refs/heads/main`" in text
    assert "<details><summary>Lineage</summary>" in text and "`xxh3_128:aaaaaaaaaaaa`" in text
    assert text == _build(project, _record(project))  # deterministic


def test_links_in_github_actions(project, monkeypatch) -> None:
    monkeypatch.setenv("GITHUB_SERVER_URL", "https://github.example")
    monkeypatch.setenv("GITHUB_REPOSITORY", "acme/churn")
    monkeypatch.setenv("GITHUB_RUN_ID", "77")
    text = _build(project, _record(project))
    assert "- [workflow run](https://github.example/acme/churn/actions/runs/77)" in text
    assert "[artifacts](https://github.example/acme/churn/actions/runs/77#artifacts)" in text


def test_500_failing_checks_stay_under_the_comment_limit(project) -> None:
    record = _record(project, failed=500, passed=200, save=False)
    record.tests["data"] = outcome_of("data", 500, 200, details="x" * 400)
    full = _build(project, record, max_chars=1 << 40)
    assert len(full) > 200_000 and "PassingCheck199" in full
    capped = _build(project, record)
    assert len(capped) <= 65_000
    assert (
        "> ✂️ Trimmed to stay under GitHub's size limit (left out: lineage details, passed checks, "
        "condition details" in capped
    )
    assert "The full report is `.mlspec/runs/20250102T000000000000Z-00001/report.md`." in capped
    assert capped.startswith("### ❌ breast-cancer") and "| roc_auc |" in capped and "FeatureDrift000" in capped
    tiny = _build(project, record, max_chars=8_000)
    assert len(tiny) <= 8_000 and "more failed checks (see the full report)" in tiny


def test_cli_writes_report_plot_summary_and_local_comment(project, tmp_path) -> None:
    _record(project, failed=500, passed=50)
    summary = tmp_path / "summary.md"
    summary.write_text("earlier step\n")
    spec = str(project / "mlproject.yaml")
    result = run_cli("report", spec, "--comment", env={"GITHUB_STEP_SUMMARY": str(summary)})
    assert result.returncode == 0, result.stderr
    folder = RunStore(project).run_dir("20250102T000000000000Z-00001")
    report = (folder / "report.md").read_text()
    assert "![metrics: challenger vs champion](report.png)" in report and "✂️" not in report
    assert (folder / "report.png").read_bytes().startswith(b"\x89PNG")
    written = summary.read_text()
    assert written.startswith("earlier step\n### ❌ breast-cancer") and len(written.encode()) < 1024 * 1024
    assert "![" not in written  # nothing binary or local embedded in the summary
    comment = (folder / "comment.md").read_text()
    assert comment.startswith(comment_marker("breast-cancer") + "\n") and len(comment) < 65_536
    assert "no GitHub token: wrote the comment to" in result.stdout
    out = tmp_path / "out" / "r.md"
    assert run_cli("report", spec, "--output", str(out)).returncode == 0
    assert (
        "![metrics: challenger vs champion](../work/.mlspec/runs/20250102T000000000000Z-00001/report.png)"
        in out.read_text()
    )  # relative to where the report was written


def test_comment_is_one_sticky_comment_per_project(project, github_standin: GitHubStandIn, tmp_path) -> None:  # noqa: F811
    from mlspec.hosts.github.client import GitHubSettings, connect

    repo = connect(GitHubSettings.from_env(github_standin.env()))
    repo.create_branch("feature", repo.branch_sha("main"))
    repo.write_file("a.txt", "a\n", message="a", branch="feature")
    info, _ = repo.open_or_update_pr(head="feature", base="main", title="T", body="B")
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"pull_request": {"number": info.number}}))
    env = github_standin.env(GITHUB_EVENT_PATH=str(event))
    spec = str(project / "mlproject.yaml")
    _record(project)
    first = run_cli("report", spec, "--comment", env=env)
    assert first.returncode == 0, first.stderr
    assert "created comment" in first.stdout
    _record(project, failed=0)
    second = run_cli("report", spec, "--comment", env=env)
    assert second.returncode == 0 and "updated comment" in second.stdout
    ours = [c for c in github_standin.state.comments_on(info.number) if comment_marker("breast-cancer") in c.body]
    assert len(ours) == 1 and "Data tests: passed" in ours[0].body
    assert github_standin.token not in first.stdout + second.stdout + first.stderr + second.stderr


def test_a_check_run_on_train_and_test_names_each_dataset(project) -> None:
    from mlspec.state.record import CheckOutcome, ConditionOutcome, TestOutcome

    def duplicates(dataset: str, category: str) -> CheckOutcome:
        return CheckOutcome(
            name="DataDuplicates",
            suite="data_integrity",
            dataset=dataset,
            conditions=[
                ConditionOutcome(
                    name="Duplicate data ratio is less or equal to 0%",
                    category=category,
                    details="Found 2.5% duplicate data",
                )
            ],
        )

    tests = {
        "data": TestOutcome(kind="data", passed=False, checks=[duplicates("test", "PASS"), duplicates("train", "FAIL")])
    }
    text = _build(project, make_record(project, {"roc_auc": 0.98, "log_loss": 0.1}, tests=tests))
    assert "- ❌ **DataDuplicates** (data_integrity · train): FAIL" in text
    assert "- ✅ **DataDuplicates** (data_integrity · test): PASS" in text
    assert text.index("(data_integrity · train)") < text.index("(data_integrity · test)")  # the failed one first
