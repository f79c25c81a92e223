"""Reviewed = shipped (issue 25 item 4), through the GitHub stand-in over real HTTP: CT's promotion after a merge
finds the merged pull request's CI run and its reports artifact, compares predictions, and says so in the
promotion pull request (or refuses it)."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlspec.errors import GitHubError, StageFailed
from mlspec.markdown import code
from mlspec.promote.commands import promote_loaded
from mlspec.spec import load_spec
from mlspec.state.deploy import parse_deployment
from mlspec.state.record import RunStore
from tests.github_standin import GitHubStandIn
from tests.github_standin.pr_runs import merge_pull, pr_run
from tests.github_standin.server import Pull
from tests.promote.conftest import PROJECT_DIR, ci_reports, gate_report, make_record

STAGING_FILE = f"{PROJECT_DIR}/deploy/staging.yaml"
BRANCH = "mlspec/promote/breast-cancer/staging"
CI = ".github/workflows/mlspec-breast-cancer-ci.yml"
HEAD = "ab" * 20
REVIEWED_PR = 5
CI_RUN = 901
PREDICTIONS = "row,y_true,y_pred,proba_0,proba_1\n0,0,0,0.9,0.1\n1,1,1,0.2,0.8\n2,1,1,0.35,0.65\n"


_reports = ci_reports


def _merged(gh: GitHubStandIn, commit: str) -> None:
    """Pull request #5 (head HEAD) merged as ``commit``, with one CI run of the project's CI workflow."""
    gh.state.pulls[REVIEWED_PR] = Pull(REVIEWED_PR, "Tune the model", "", "feature", "main", author="alice")
    merge_pull(gh, REVIEWED_PR, merge_sha=commit, head_sha=HEAD)
    pr_run(gh, CI_RUN, head_sha=HEAD, workflow=CI, pull=REVIEWED_PR)


def _record(project: Path, predictions: str = PREDICTIONS):
    record = make_record(project)
    (RunStore(project).run_dir(record.run_id) / "predictions.csv").write_text(predictions)
    return record


def _promote(project: Path, gh: GitHubStandIn, record, event: str = "push") -> int:
    environ = gh.env(GITHUB_EVENT_NAME=event, GITHUB_SHA=str(record.git.commit), GITHUB_RUN_ID="77")
    return promote_loaded(load_spec(project / "mlproject.yaml"), record, "staging", gate_report(True), environ=environ)


def _opt_out(project: Path) -> None:
    spec = project / "mlproject.yaml"
    text = spec.read_text()
    assert "\ntrain:\n" in text
    spec.write_text(text.replace("\ntrain:\n", "\ntrain:\n  reproducible: false\n", 1))


def _promotion(gh: GitHubStandIn) -> Pull:
    (pull,) = [p for p in gh.state.pulls.values() if p.head == BRANCH]
    return pull


def test_same_predictions_as_the_reviewed_run(project, github_standin: GitHubStandIn, artifacts: Path) -> None:
    record = _record(project)
    _merged(github_standin, str(record.git.commit))
    _reports(artifacts, CI_RUN, {"predictions.csv": PREDICTIONS})
    assert _promote(project, github_standin, record) == 0
    body = _promotion(github_standin).body
    assert "Same predictions as the run reviewed in #5" in body
    assert "all 3 test rows" in body and "`20250101T000000Z-pr` of CI run 901" in body
    assert "This run trained the model again." in body
    deployment = parse_deployment(github_standin.state.file_text(BRANCH, STAGING_FILE), STAGING_FILE)
    assert deployment.promoted["reviewed"] == {
        "pull": 5,
        "ci_run": "901",
        "head_sha": HEAD,
        "run_id": "20250101T000000Z-pr",
        "same": True,
        "rows": 3,
        "differing": 0,
    }
    # found the way the brief says: merge commit -> its pull request -> that PR's CI run -> the reports artifact
    assert github_standin.requests_to("GET", rf"/commits/{record.git.commit}/pulls$")
    (runs,) = github_standin.requests_to("GET", r"/actions/runs$")
    assert runs["query"]["head_sha"] == [HEAD] and runs["query"]["event"] == ["pull_request"]
    # the artifact's blob storage got no credentials (the redirect off the API origin drops them)
    seen = github_standin.artifact_store.seen  # type: ignore[attr-defined]
    assert seen and all(hop["authorization"] is None for hop in seen)


def test_different_predictions_fail_the_gate(project, github_standin: GitHubStandIn, artifacts: Path) -> None:
    record = _record(project)
    _merged(github_standin, str(record.git.commit))
    _reports(artifacts, CI_RUN, {"predictions.csv": PREDICTIONS.replace("2,1,1,0.35,0.65", "2,1,0,0.55,0.45")})
    with pytest.raises(StageFailed, match=r"differ from those of the run reviewed in #5 \(1 of 3 rows\)"):
        _promote(project, github_standin, record)
    assert [p for p in github_standin.state.pulls.values() if p.head == BRANCH] == []
    assert github_standin.state.branch_sha(BRANCH) is None  # nothing written


def test_opt_out_lists_the_difference_and_promotes(project, github_standin: GitHubStandIn, artifacts: Path) -> None:
    _opt_out(project)
    record = _record(project)
    _merged(github_standin, str(record.git.commit))
    hostile = (
        PREDICTIONS.replace("2,1,1,0.35,0.65", "2,1,1,0.35000001,0.64999999")
        .replace("\n1,", "\nnine,", 1)
        .replace("0,0,0,", "0,0,@alice `x |,", 1)
    )
    _reports(artifacts, CI_RUN, {"predictions.csv": hostile})
    assert _promote(project, github_standin, record) == 0
    body = _promotion(github_standin).body
    assert "Predictions differ from the run reviewed in #5" in body
    assert "- 2 of 3 rows predict differently" in body
    assert "- 1 row(s) of this run are not in the reviewed run" in body
    assert "- 1 row(s) of the reviewed run are not in this run" in body
    assert "largest absolute difference of a number: 1e-08" in body
    assert "| `2` | `proba_0` | `0.35` | `0.35000001` |" in body
    # text from the reviewed run (a pull request's CI: untrusted) reaches the body only as an escaped code span
    assert f"| `0` | `y_pred` | `0` | {code('@alice `x |', 80, table=True)} |" in body
    assert "@alice `x |" not in body
    assert "does not block the promotion" in body


def test_direct_push_says_no_run_was_reviewed(project, github_standin: GitHubStandIn, artifacts: Path) -> None:
    record = _record(project)  # no pull request merged this commit
    assert _promote(project, github_standin, record) == 0
    body = _promotion(github_standin).body
    assert "**No reviewed run**: no pull request merged commit" in body
    assert "Same predictions" not in body
    deployment = parse_deployment(github_standin.state.file_text(BRANCH, STAGING_FILE), STAGING_FILE)
    assert "reviewed" not in deployment.promoted


def test_scheduled_ct_looks_nothing_up(project, github_standin: GitHubStandIn) -> None:
    record = _record(project)
    assert _promote(project, github_standin, record, event="schedule") == 0
    assert "started by `schedule`, not by a merge" in _promotion(github_standin).body
    assert github_standin.requests_to("GET", r"/commits/.*/pulls$") == []


def test_reviewed_run_without_reports_fails_closed(project, github_standin: GitHubStandIn, artifacts: Path) -> None:
    record = _record(project)
    _merged(github_standin, str(record.git.commit))  # its CI run's artifact expired: none in the storage
    with pytest.raises(StageFailed, match=r"reviewed in #5: the CI run 901 of pull request #5 has no artifact"):
        _promote(project, github_standin, record)
    assert github_standin.state.branch_sha(BRANCH) is None


def test_predictions_reused_from_the_store(project, github_standin: GitHubStandIn, artifacts: Path, tmp_path) -> None:
    """The reviewed run reused its evaluation from the model store: its predictions come from there, verified."""
    from mlspec.store.backend import ContentStore

    folder = tmp_path / "model-store"
    spec = project / "mlproject.yaml"
    spec.write_text(spec.read_text().replace("\ntrain:\n", f"\nstore: {folder}\ntrain:\n", 1))
    store = ContentStore.open(str(folder))
    (tmp_path / "p.csv").write_text(PREDICTIONS)
    (tmp_path / "r.json").write_text("{}")
    inputs = "sha256:" + "c" * 64
    index = {
        "format": 1,
        "project": "breast-cancer",
        "stage": "evaluate",
        "inputs_digest": inputs,
        "run_id": "20250101T000000Z-main",
        "commit": None,
        "status": "passed",
        "record": store.put_blob(tmp_path / "r.json"),
        "files": {"predictions.csv": store.put_blob(tmp_path / "p.csv")},
        "pushed": "2025-01-01T00:00:00Z",
    }
    store.put_index("breast-cancer", "evaluate", inputs, index, tmp_path)
    record = _record(project)
    _merged(github_standin, str(record.git.commit))
    stages = [{"name": "evaluate", "status": "cached", "inputs_digest": inputs}]
    _reports(artifacts, CI_RUN, {}, stages=stages)  # the artifact kept no predictions.csv
    assert _promote(project, github_standin, record) == 0
    body = _promotion(github_standin).body
    assert "Same predictions as the run reviewed in #5" in body and "its predictions from the model store" in body


def test_a_token_that_cannot_read_the_runs_fails_closed(project, github_standin: GitHubStandIn, artifacts) -> None:
    """A promotion token without Actions read (403 on the run list): the promotion stops, nothing is written."""
    record = _record(project)
    _merged(github_standin, str(record.git.commit))
    _reports(artifacts, CI_RUN, {"predictions.csv": PREDICTIONS})
    github_standin.inject("GET", r"/actions/runs$", [403], body={"message": "Resource not accessible by integration"})
    with pytest.raises(GitHubError, match=r"list the CI runs of commit") as refused:
        _promote(project, github_standin, record)
    assert "actions: read" in str(refused.value.hint) and "Actions: read" in str(refused.value.hint)
    assert github_standin.state.branch_sha(BRANCH) is None


def test_reviewed_predictions_that_are_no_table_fail_closed(project, github_standin: GitHubStandIn, artifacts) -> None:
    record = _record(project)
    _merged(github_standin, str(record.git.commit))
    _reports(artifacts, CI_RUN, {"predictions.csv": "row,y_true\n0,0\n"})
    with pytest.raises(StageFailed, match=r"reviewed in #5: the reviewed run's predictions have no column y_pred"):
        _promote(project, github_standin, record)
    assert github_standin.state.branch_sha(BRANCH) is None


def test_a_model_reused_from_the_store_is_compared_too(project, github_standin: GitHubStandIn, artifacts) -> None:
    """CT found the model for these exact inputs in the store: it is still compared, and the body says it reused."""
    from mlspec.state.record import StageResult

    record = _record(project)
    message = "reused from run 20241231T000000Z-main (commit 0123456789ab) in the store"
    record.stages = [StageResult(name="train", status="cached", message=message, cached_from="20241231T000000Z-main")]
    RunStore(project).save(record)
    _merged(github_standin, str(record.git.commit))
    _reports(artifacts, CI_RUN, {"predictions.csv": PREDICTIONS})
    assert _promote(project, github_standin, record) == 0
    body = _promotion(github_standin).body
    assert "Same predictions as the run reviewed in #5" in body
    assert "model was reused from run 20241231T000000Z-main (commit 0123456789ab) in the model store" in body


def test_a_local_promotion_says_plainly_that_nothing_was_looked_up(project) -> None:
    from mlspec.hosts.github import HOST
    from mlspec.promote.reviewed import check_reviewed

    record = _record(project)
    settings = HOST.settings({})  # no token: a promotion made outside CI
    verdict = check_reviewed(load_spec(project / "mlproject.yaml"), record, settings, {})
    assert not verdict.blocks
    assert verdict.summary == {"found": False, "event": "local"}
    assert "made outside CI (no GitHub token), so no pull request was looked up" in verdict.markdown
    assert "not looked up:" not in verdict.markdown
