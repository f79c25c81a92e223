"""The release path past staging under the real runner (act, host mode, the GitHub stand-in):

1. CT on a push: the pipeline job runs the servability check (build the Bento, serve it on
   127.0.0.1, compare the answers, time them) before the gate, and the staging promotion PR's
   deploy file carries the verdict and the latency figures.
2. CD on the merge of that PR: the staging build runs in the GitHub Environment `staging`, and on its
   success the production promotion PR is opened for the same model version (no retraining).
3. CD by hand (workflow_dispatch, input `rollback: staging`): a PR restoring staging's previous model
   from the deploy file's git history.

Three workflow runs in all (each costs minutes).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from mlspec.state.deploy import dump_deployment, parse_deployment
from tests.acceptance.act.runner import Act, ActResult, example_on_standin
from tests.github_standin import GitHubStandIn
from tests.helpers import git

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("act-release")]

PROJECT = "breast-cancer"
WORKFLOWS = Path(".github/workflows")


@dataclass
class Release:
    work: Path
    gh: GitHubStandIn
    act: Act

    def run(self, event_name: str, event: dict, kind: str, **kwargs) -> ActResult:
        workflow = self.work / WORKFLOWS / f"mlspec-{PROJECT}-{kind}.yml"
        result = self.act.run(self.work, event_name, event, workflow, **kwargs)
        (self.act.base / f"release-{kind}-{self.act.runs}.log").write_text(result.log)
        return result

    def merge(self, path: str, text: str, message: str) -> tuple[str, str]:
        """A merged pull request: ``path`` committed on main, here and on the stand-in. (before, after)."""
        before = git("rev-parse", "HEAD", cwd=self.work)
        (self.work / path).parent.mkdir(parents=True, exist_ok=True)
        (self.work / path).write_text(text)
        git("add", path, cwd=self.work)
        git("commit", "-qm", message, cwd=self.work)
        self.gh.state.put_file("main", path, text, message)
        return before, git("rev-parse", "HEAD", cwd=self.work)


def _tail(result: ActResult) -> str:
    return result.log[-8000:]


@pytest.fixture(scope="module")
def release(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Release]:
    def with_slo(work: Path, spec: dict) -> None:
        spec["serve"] = {**(spec.get("serve") or {}), "slo": {"p95_ms": 5000}}

    with example_on_standin(tmp_path_factory.mktemp("act-release"), PROJECT, with_slo) as (work, gh, act):
        yield Release(work, gh, act)


@pytest.mark.timeout(1800)  # three workflow runs on a shared machine
def test_ct_checks_servability_then_cd_promotes_to_production_then_rollback(release: Release) -> None:
    gh = release.gh
    head = git("rev-parse", "HEAD", cwd=release.work)
    ct = release.run(
        "push",
        {"ref": "refs/heads/main", "before": head, "after": head},
        "ct",
        run_id=5151,
        env={"BENTOML_HOME": str(release.act.base / "ct-bentoml")},
    )
    assert ct.returncode == 0, _tail(ct)
    assert "servability: starting breast_cancer:" in ct.log
    assert "SLO p95 <= 5000 ms" in ct.log
    (pull,) = gh.state.open_pulls()
    assert pull.head == f"mlspec/promote/{PROJECT}/staging"
    assert "served = in-process, p95 <= 5000 ms" in pull.body  # the gate row in the report
    staging_text = gh.state.file_text(pull.head, "deploy/staging.yaml")
    staging = parse_deployment(staging_text, "deploy/staging.yaml")
    assert staging.serving["verdict"] == "pass" and staging.serving["mismatches"] == 0
    assert staging.serving["rows"] > 0 and 0 < staging.serving["latency_ms"]["p95"] <= 5000

    # CD on the merge: staging is built (in the GitHub Environment `staging`), then production's
    # promotion pull request is opened for the same model, from the deploy file: no retraining.
    pull.state = "closed"
    before, _after = release.merge("deploy/staging.yaml", staging_text, f"Merge pull request #{pull.number}")
    cd = release.run(
        "push",
        {"ref": "refs/heads/main", "before": before, "after": git("rev-parse", "HEAD", cwd=release.work)},
        "cd",
        env={"BENTOML_HOME": str(release.act.base / "cd-bentoml")},
    )
    assert cd.returncode == 0, _tail(cd)
    assert "deployment file deploy/staging.yaml changed: true" in cd.log
    assert "deployment file deploy/production.yaml changed: false" in cd.log
    assert "Train and evaluate" not in cd.log
    (production_pull,) = gh.state.open_pulls()
    assert production_pull.head == f"mlspec/promote/{PROJECT}/production"
    assert production_pull.title == f"Promote {PROJECT} to production: {staging.model.tag}"
    assert "**unchanged and not retrained**" in production_pull.body
    production = parse_deployment(gh.state.file_text(production_pull.head, "deploy/production.yaml"), "production")
    assert production.model == staging.model and production.lineage == staging.lineage
    assert production.serving == staging.serving
    assert production.promoted["from_environment"] == "staging"
    assert production.promoted["trigger"]["event"] == "push"

    # A newer staging model is merged (no CD run needed for the test); then someone rolls staging
    # back from the Actions tab: the PR restores the CT-trained model from the deploy file's history.
    newer = staging.model_copy(deep=True)
    newer.model.tag, newer.model.version = f"{staging.model.tag}x", f"{staging.model.version}x"
    newer.lineage["run_id"] = "a-later-run"
    release.merge("deploy/staging.yaml", dump_deployment(newer), "Merge pull request #99")
    event = {"inputs": {"promote": "none", "rollback": "staging", "rollback-to": ""}, "ref": "refs/heads/main"}
    rollback = release.run("workflow_dispatch", event, "cd")
    assert rollback.returncode == 0, _tail(rollback)
    assert "deployment file deploy/staging.yaml changed: false" in rollback.log
    rollback_pull = next(p for p in gh.state.open_pulls() if p.head == f"mlspec/rollback/{PROJECT}/staging")
    assert rollback_pull.title == f"Roll back {PROJECT} in staging to {staging.model.tag}"
    assert "### Rollback: what changes back" in rollback_pull.body
    assert f"| run | `a-later-run` | `{staging.lineage['run_id']}` |" in rollback_pull.body
    restored = parse_deployment(gh.state.file_text(rollback_pull.head, "deploy/staging.yaml"), "staging")
    assert restored.model == staging.model
    assert restored.promoted["rollback"]["from"] == newer.model.tag
