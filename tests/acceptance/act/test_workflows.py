"""The rendered workflows of the bundled example on a real Actions runner engine (act, host mode),
with nothing of mlspec installed on the runner: each job's setup step installs mlspec from the
action checkout at the pinned commit with the locked dependencies.

One repository goes through the whole loop once (the slow cases run once, not per example):
CI on a pull request that touches the project and on one that does not; CT on a push, whose
promote job downloads the state artifact and opens exactly one PR on the GitHub stand-in; CD on
the merge of that PR, building the Bento from the CT run's artifact; the drift monitor on a
schedule with shifted data, dispatching CT; and the reusable workflow called from the repository.
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest
import yaml

from tests.acceptance.act.runner import Act, ActResult, example_on_standin, pull_request_merge
from tests.github_standin import GitHubStandIn
from tests.github_standin.server import Pull
from tests.helpers import SOURCE_COMMIT, git

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("act")]

PROJECT = "breast-cancer"
WORKFLOWS = Path(".github/workflows")
REUSABLE_CALLER = f"""name: pipeline via mlspec's reusable workflow
on: workflow_dispatch
permissions: {{}}
jobs:
  pipeline:
    uses: mlspec/mlspec/.github/workflows/mlspec-pipeline.yml@{SOURCE_COMMIT} # v0.1.0
    with:
      spec: mlproject.yaml
      comment: "false"
    permissions:
      contents: read
      pull-requests: write
"""


@dataclass
class Loop:
    work: Path
    gh: GitHubStandIn
    act: Act

    def workflow(self, kind: str) -> Path:
        return self.work / WORKFLOWS / f"mlspec-{PROJECT}-{kind}.yml"

    def run(self, event_name: str, event: dict, kind: str, **kwargs) -> ActResult:
        result = self.act.run(self.work, event_name, event, self.workflow(kind), **kwargs)
        (self.act.base / f"{kind}-{self.act.runs}.log").write_text(result.log)
        return result


def _open_pull(gh: GitHubStandIn, head: str, title: str) -> int:
    """A pull request somebody opened (the stand-in's state, as GitHub would hold it)."""
    number = gh.state.next_number
    gh.state.next_number += 1
    gh.state.pulls[number] = Pull(number, title, "", head, "main", author="octocat")
    return number


def _succeeded_jobs(result: ActResult) -> set[str]:
    """Job ids whose `Job succeeded` line act printed (names as `[workflow/job name]`)."""
    jobs = set()
    for line in result.log.splitlines():
        if line.rstrip().endswith("🏁  Job succeeded"):
            jobs.add("promote" if "-promote-" in line.split("]")[0] else "pipeline")
    return jobs


def _state_record(artifacts: Path, run_id: int) -> dict:
    """record.json of the latest run inside a CT run's uploaded state artifact."""
    archive = next((artifacts / str(run_id)).glob(f"mlspec-{PROJECT}-ct-state/*.zip"))
    with zipfile.ZipFile(archive) as zipped:
        names = zipped.namelist()
        latest = (
            zipped.read("runs/latest").decode().strip()
            if "runs/latest" in names
            else sorted(n.split("/")[1] for n in names if n.startswith("runs/") and n.endswith("/record.json"))[-1]
        )
        return json.loads(zipped.read(f"runs/{latest}/record.json"))


def _tail(result: ActResult) -> str:
    return result.log[-6000:]


@pytest.fixture(scope="module")
def loop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Loop]:
    def with_drift_and_a_caller(work: Path, spec: dict) -> None:
        spec["triggers"]["drift"] = {"schedule": "0 6 * * *", "current": "data/current.csv", "environment": "staging"}
        current = pd.read_csv(work / "data" / "test.csv").drop(columns=[spec["data"]["label"]])
        current.to_csv(work / "data" / "current.csv", index=False)
        caller = work / WORKFLOWS / "pipeline.yml"  # another repository's workflow calling ours
        caller.parent.mkdir(parents=True, exist_ok=True)
        caller.write_text(REUSABLE_CALLER)

    with example_on_standin(tmp_path_factory.mktemp("act-loop"), PROJECT, with_drift_and_a_caller) as (work, gh, act):
        yield Loop(work, gh, act)


def test_ci_on_a_pull_request_touching_the_project(loop: Loop) -> None:
    git("checkout", "-q", "-b", "tweak", "main", cwd=loop.work)
    train = loop.work / "src" / "train.py"
    train.write_text(train.read_text() + "\n# a comment that changes the code digest\n")
    git("commit", "-qam", "tweak the training code", cwd=loop.work)
    pull_request_merge(loop.work, "tweak")
    number = _open_pull(loop.gh, "tweak", "Tweak the training code")
    event = {
        "number": number,
        "pull_request": {
            "number": number,
            "title": "Tweak $(id) ${{ secrets.X }}",
            "head": {"ref": "tweak"},
            "base": {"ref": "main"},
        },
    }
    result = loop.run("pull_request", event, "ci")
    assert result.returncode == 0, _tail(result)
    assert "the pull request touches the project: true" in result.log
    assert "mlspec 0.1.0 commit " + SOURCE_COMMIT in result.log  # installed from the pinned checkout
    assert "Successfully set up CPython" in result.log
    assert (loop.act.artifacts / str(1000 + loop.act.runs) / f"mlspec-{PROJECT}-ci-reports").is_dir()
    comments = loop.gh.state.comments_on(number)
    assert len(comments) == 1 and "roc_auc" in comments[0].body  # the sticky report
    loop.gh.state.pulls[number].state = "closed"
    git("checkout", "-q", "main", cwd=loop.work)


def test_ci_skips_the_pipeline_for_a_pull_request_elsewhere(loop: Loop) -> None:
    git("checkout", "-q", "-b", "docs", "main", cwd=loop.work)
    (loop.work / "NOTES.md").write_text("unrelated\n")
    git("add", "NOTES.md", cwd=loop.work)
    git("commit", "-qm", "notes", cwd=loop.work)
    pull_request_merge(loop.work, "docs")
    result = loop.run("pull_request", {"number": 99, "pull_request": {"number": 99, "head": {"ref": "docs"}}}, "ci")
    assert result.returncode == 0, _tail(result)
    assert "the pull request touches the project: false" in result.log
    assert "Install mlspec" not in result.log  # the pipeline job did not run
    git("checkout", "-q", "main", cwd=loop.work)


def test_reusable_workflow_called_from_a_repository(loop: Loop) -> None:
    """Before the CT test, which leaves a stump model behind: here the pipeline passes."""
    result = loop.act.run(loop.work, "workflow_dispatch", {}, loop.work / WORKFLOWS / "pipeline.yml")
    assert result.returncode == 0, _tail(result)
    assert "mlspec 0.1.0 commit " + SOURCE_COMMIT in result.log
    assert "Artifact mlspec-pipeline-reports has been successfully uploaded" in result.log


@pytest.mark.timeout(1800)  # four workflow runs; CT's servability check and CD's promote-production job add minutes
def test_ct_then_cd_then_monitor(loop: Loop) -> None:
    gh = loop.gh
    head = git("rev-parse", "HEAD", cwd=loop.work)
    ct = loop.run("push", {"ref": "refs/heads/main", "before": head, "after": head}, "ct", run_id=4242)
    assert ct.returncode == 0, _tail(ct)
    assert [p.head for p in gh.state.open_pulls()] == [f"mlspec/promote/{PROJECT}/staging"]
    pull = gh.state.open_pulls()[0]
    assert "| roc_auc |" in pull.body
    deploy = gh.state.file_text(pull.head, "deploy/staging.yaml")
    assert deploy is not None and f"gh-artifact:4242/mlspec-{PROJECT}-ct-state/" in deploy

    # CD: the promotion is merged; the build job downloads the model through the REST API from
    # the CT run's artifact and builds the Bento, on a runner with an empty BentoML store.
    (loop.work / "deploy").mkdir(exist_ok=True)
    (loop.work / "deploy" / "staging.yaml").write_text(deploy)
    git("add", "deploy/staging.yaml", cwd=loop.work)
    git("commit", "-qm", f"Merge pull request #{pull.number}", cwd=loop.work)
    gh.state.put_file("main", "deploy/staging.yaml", deploy, f"Merge pull request #{pull.number}")
    pull.state = "closed"
    merged = git("rev-parse", "HEAD", cwd=loop.work)
    cd = loop.run(
        "push",
        {"ref": "refs/heads/main", "before": head, "after": merged},
        "cd",
        env={"BENTOML_HOME": str(loop.act.base / "cd-bentoml")},
    )
    assert cd.returncode == 0, _tail(cd)
    assert gh.requests_to("GET", r".*/actions/runs/4242/artifacts")
    tag = yaml.safe_load(deploy)["model"]["tag"]
    assert f"built {tag.split(':')[0]}" in cd.log or tag.split(":")[1] in cd.log
    assert (loop.act.base / "cd-bentoml" / "models" / PROJECT.replace("-", "_")).exists() or any(
        (loop.act.base / "cd-bentoml" / "models").iterdir()
    )

    # The monitor, on the schedule, with this week's data shifted: it dispatches CT.
    current = loop.work / "data" / "current.csv"
    frame = pd.read_csv(current)
    frame["mean_radius"] = frame["mean_radius"] + 3 * frame["mean_radius"].std()
    frame.to_csv(current, index=False)
    git("commit", "-qam", "this week's data", cwd=loop.work)
    monitor = loop.run(
        "schedule", {"schedule": "0 6 * * *"}, "monitor", env={"BENTOML_HOME": str(loop.act.base / "monitor-bentoml")}
    )
    assert monitor.returncode == 0, _tail(monitor)
    assert [d["event_type"] for d in gh.state.dispatches] == [f"mlspec-drift-{PROJECT}"]
    payload = gh.state.dispatches[0]["client_payload"]
    assert "feature `mean_radius` drifted" in payload["summary"]

    # The dispatch starts CT, which says why it ran. Meanwhile someone made the model a stump: the
    # gate fails, so the promote job is skipped and the open promotion PR stays as it was.
    spec_path = loop.work / "mlproject.yaml"
    spec = yaml.safe_load(spec_path.read_text())
    spec["train"]["params"] = {"n_estimators": 1, "max_depth": 1}
    spec_path.write_text(yaml.safe_dump(spec, sort_keys=False))
    git("commit", "-qam", "a smaller model", cwd=loop.work)
    before = {p.number: (p.head, gh.state.branch_sha(p.head)) for p in gh.state.open_pulls()}
    event = {"action": f"mlspec-drift-{PROJECT}", "client_payload": payload, "repository": {"full_name": gh.repository}}
    drift_ct = loop.run("repository_dispatch", event, "ct", run_id=4343)
    assert drift_ct.returncode != 0  # the pipeline job's gate failed: the run is red
    assert "promote" not in _succeeded_jobs(drift_ct)
    assert {p.number: (p.head, gh.state.branch_sha(p.head)) for p in gh.state.open_pulls()} == before
    record = _state_record(loop.act.artifacts, 4343)
    assert record["changes"][0]["kind"] == "drift"
    assert record["trigger"]["event"] == "repository_dispatch"
    assert "retrained because the drift monitor found drift in `staging`" in drift_ct.log
