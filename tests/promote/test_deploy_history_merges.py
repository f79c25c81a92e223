"""The history of an environment is its deploy file on the base branch, merge by merge: the soak time counts from
the merge that deployed a model, and a rollback restores only a model that served (git log --first-parent).

GitHub merges a promotion pull request with a merge commit whose tree is the promotion branch's. Plain `git log`
follows that branch (the merge is "TREESAME" to it) and so names the promotion branch's own commits: a commit made
when CT opened the pull request, days before anyone merged it, and candidates the branch proposed and superseded,
which never served. Before, the soak wait counted from that commit (a pull request reviewed for longer than
soak_hours released to production on the first scheduled run after its merge), and rollback offered a superseded
candidate as the previous model of the environment."""

from __future__ import annotations

import os
import time
from pathlib import Path

from mlspec.promote.release import release_command
from mlspec.promote.rollback import rollback_command
from mlspec.state.deploy import DeployedModel, Deployment, dump_deployment, parse_deployment
from tests.helpers import git
from tests.promote.conftest import PROJECT_DIR

PROMOTION = "mlspec/promote/breast-cancer/staging"


def _deployment(version: str) -> Deployment:
    return Deployment(
        project="breast-cancer",
        environment="staging",
        model=DeployedModel(
            tag=f"breast-cancer:{version}",
            version=version,
            artifact=f"gh-artifact:600/mlspec-breast-cancer-ct-state/runs/r-{version}/model.bentomodel",
        ),
        metrics={"roc_auc": 0.97},
        lineage={"run_id": f"run-{version}", "commit": "c" * 40},
        promoted={"by": "mlspec", "at": "2026-01-01T00:00:00Z"},
    )


def _commit(work: Path, project: Path, version: str, hours_ago: float, message: str) -> None:
    path = project / "deploy" / "staging.yaml"
    path.parent.mkdir(exist_ok=True)
    path.write_text(dump_deployment(_deployment(version)))
    git("add", str(path), cwd=work)
    os.environ["GIT_COMMITTER_DATE"] = f"@{int(time.time() - hours_ago * 3600)} +0000"
    try:
        git("commit", "-qm", message, cwd=work)
    finally:
        del os.environ["GIT_COMMITTER_DATE"]


def _merge_promotion(work: Path, project: Path, proposals: list[tuple[str, float]]) -> None:
    """The promotion branch from main with one commit per proposed model (the last one wins), merged now with a
    merge commit, as GitHub's merge button does."""
    git("checkout", "-q", "-B", PROMOTION, "main", cwd=work)
    for version, hours_ago in proposals:
        _commit(work, project, version, hours_ago, f"mlspec: promote breast-cancer:{version} to staging")
    git("checkout", "-q", "main", cwd=work)
    (work / "unrelated.txt").write_text("main moved on while the pull request waited for review\n")
    git("add", "unrelated.txt", cwd=work)
    git("commit", "-qm", "unrelated", cwd=work)
    git("merge", "-q", "--no-ff", "-m", f"Merge pull request #7 from {PROMOTION}", PROMOTION, cwd=work)
    git("branch", "-q", "-D", PROMOTION, cwd=work)


def _soak(project: Path, hours: float) -> None:
    spec = project / "mlproject.yaml"
    text = spec.read_text()
    assert "    requires: staging\n" in text
    spec.write_text(text.replace("    requires: staging\n", f"    requires: staging\n    soak_hours: {hours}\n"))
    git("commit", "-qam", "soak", cwd=project.parents[1])


def test_the_soak_time_counts_from_the_merge_not_from_the_promotion_commit(project: Path, capsys) -> None:
    work = project.parents[1]
    _soak(project, 24)
    _merge_promotion(work, project, [("v1aaaa", 30.0)])  # CT's commit 30 h ago; reviewed and merged just now
    assert release_command(str(project / "mlproject.yaml"), "production", "staging", soak=True, environ={}) == 0
    out = capsys.readouterr().out
    assert "production waits: breast-cancer:v1aaaa has served in staging for 0.0 h of the 24 h soak time" in out
    assert git("branch", "--list", "mlspec/promote/*", cwd=work) == ""  # nothing promoted to production


def test_rollback_never_restores_a_candidate_that_did_not_serve(project: Path) -> None:
    work = project.parents[1]
    _commit(work, project, "v1aaaa", 50.0, "Merge promotion of breast-cancer:v1aaaa")
    # the next promotion pull request first proposed v2bad0, then CT superseded it with v3cccc, which was merged
    _merge_promotion(work, project, [("v2bad0", 40.0), ("v3cccc", 30.0)])
    assert rollback_command(str(project / "mlproject.yaml"), "staging", environ={}) == 0
    text = git("show", f"mlspec/rollback/breast-cancer/staging:{PROJECT_DIR}/deploy/staging.yaml", cwd=work)
    assert parse_deployment(text, "x").model.tag == "breast-cancer:v1aaaa"  # what served before v3cccc
