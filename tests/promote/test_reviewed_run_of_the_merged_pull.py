"""The reviewed run is the merged pull request's own CI run, not the newest CI run of its head commit.

Anyone can push a public commit to a fork of their own and open another pull request with it, into any base branch:
GitHub runs CI for it (`pull_request`, the same head sha, a read-only token), and its reports artifact is whatever
that merge commit produced. Before, the newest such run stood for "the run reviewed in #5", so an outsider could
make the promotion compare against (and name) their run: a refused promotion, or a proof from a run nobody reviewed.
Now only runs whose head repository is the merged pull request's count."""

from __future__ import annotations

from pathlib import Path

from mlspec.promote.commands import promote_loaded
from mlspec.spec import load_spec
from mlspec.state.record import RunStore
from tests.github_standin import GitHubStandIn
from tests.github_standin.pr_runs import merge_pull, pr_run
from tests.github_standin.server import Pull
from tests.promote.conftest import ci_reports, gate_report, make_record

CI = ".github/workflows/mlspec-breast-cancer-ci.yml"
HEAD = "cd" * 20
PREDICTIONS = "row,y_true,y_pred,proba_0,proba_1\n0,0,0,0.9,0.1\n1,1,1,0.2,0.8\n2,1,1,0.35,0.65\n"
FORKED = PREDICTIONS.replace("2,1,1,0.35,0.65", "2,1,0,0.55,0.45")


def _reports(storage: Path, run_id: int, predictions: str, reviewed_run: str = "20250101T000000Z-pr") -> None:
    ci_reports(storage, run_id, {"predictions.csv": predictions}, reviewed_run)


def test_a_forks_run_of_the_same_head_commit_does_not_stand_for_the_reviewed_run(
    project, github_standin: GitHubStandIn, artifacts: Path
) -> None:
    gh = github_standin
    record = make_record(project)
    (RunStore(project).run_dir(record.run_id) / "predictions.csv").write_text(PREDICTIONS)
    gh.state.pulls[5] = Pull(5, "Tune the model", "", "feature", "main", author="alice")
    merge_pull(gh, 5, merge_sha=str(record.git.commit), head_sha=HEAD)
    pr_run(gh, 901, head_sha=HEAD, workflow=CI, pull=5)  # pull request #5's own CI run
    _reports(artifacts, 901, PREDICTIONS)
    pr_run(gh, 950, head_sha=HEAD, workflow=CI, pull=6)  # mallory's pull request #6 of the same commit, newer
    gh.state.workflow_runs[950]["head_repository"] = "mallory/ml-repo"
    _reports(artifacts, 950, FORKED, reviewed_run="20250101T000000Z-mallory")

    environ = gh.env(GITHUB_EVENT_NAME="push", GITHUB_SHA=str(record.git.commit), GITHUB_RUN_ID="77")
    assert (
        promote_loaded(load_spec(project / "mlproject.yaml"), record, "staging", gate_report(True), environ=environ)
        == 0
    )
    (pull,) = [p for p in gh.state.pulls.values() if p.head == "mlspec/promote/breast-cancer/staging"]
    assert "Same predictions as the run reviewed in #5" in pull.body and "of CI run 901" in pull.body
    assert "mallory" not in pull.body and "950" not in pull.body
    assert not gh.requests_to("GET", r"/actions/runs/950/artifacts")  # never even looked at
