"""The release path past the first environment, on real git repositories and the GitHub stand-in:
the next environment's promotion for the model serving in the one it requires (never retrained, with
the soak time), and rollback to the previous (or a named) model from the deploy file's git history."""

from __future__ import annotations

import os
import time

import pytest

from mlspec.errors import MlspecError, UsageError
from mlspec.promote.release import release_command
from mlspec.promote.rollback import rollback_command
from mlspec.state.deploy import DeployedModel, Deployment, dump_deployment, parse_deployment
from tests.github_standin import GitHubStandIn
from tests.helpers import git, run_cli
from tests.promote.conftest import PROJECT_DIR

STAGING = f"{PROJECT_DIR}/deploy/staging.yaml"
PRODUCTION = f"{PROJECT_DIR}/deploy/production.yaml"


def _deployment(env: str, version: str, roc_auc: float, **promoted) -> Deployment:
    return Deployment(
        project="breast-cancer",
        environment=env,
        model=DeployedModel(
            tag=f"breast-cancer:{version}",
            version=version,
            artifact=f"gh-artifact:{len(version)}00/mlspec-breast-cancer-ct-state/runs/r-{version}/model.bentomodel",
        ),
        metrics={"roc_auc": roc_auc, "f1": 0.9},
        lineage={
            "run_id": f"run-{version}",
            "commit": "c" * 40,
            "params": {"n_estimators": len(version) * 10},
            "data": {"train": f"xxh3_128:{version:0<32}"},
        },
        serving={"verdict": "pass", "reason": "120 test rows served equal; p95 4.2 ms"},
        promoted={"by": "alice", "at": "2026-01-01T00:00:00Z", **promoted},
    )


def _merge(project, deployment: Deployment, hours_ago: float = 0.0, standin: GitHubStandIn | None = None) -> str:
    """A merged promotion: the deploy file committed on main (at a given time), on the stand-in's main too."""
    work = project.parents[1]
    path = project / "deploy" / f"{deployment.environment}.yaml"
    path.parent.mkdir(exist_ok=True)
    text = dump_deployment(deployment)
    path.write_text(text)
    git("add", str(path), cwd=work)
    stamp = f"@{int(time.time() - hours_ago * 3600)} +0000"
    os.environ["GIT_COMMITTER_DATE"] = stamp
    try:
        git("commit", "-qm", f"Merge promotion of {deployment.model.tag}", cwd=work)
    finally:
        del os.environ["GIT_COMMITTER_DATE"]
    if standin is not None:
        standin.state.put_file("main", f"{PROJECT_DIR}/deploy/{deployment.environment}.yaml", text)
    return git("rev-parse", "HEAD", cwd=work)


def _soak(project, hours: float | None) -> None:
    spec = project / "mlproject.yaml"
    text = spec.read_text()
    assert "    requires: staging\n" in text
    if hours is not None:
        text = text.replace("    requires: staging\n", f"    requires: staging\n    soak_hours: {hours}\n")
    spec.write_text(text)
    git("commit", "-qam", "soak", cwd=project.parents[1])


def test_release_promotes_the_staging_model_unchanged_locally(project, capsys) -> None:
    work = project.parents[1]
    staging = _deployment("staging", "v1aaaa", 0.98)
    _merge(project, staging)
    assert release_command(str(project / "mlproject.yaml"), "production", "staging", environ={}) == 0
    text = git("show", f"mlspec/promote/breast-cancer/production:{PRODUCTION}", cwd=work)
    released = parse_deployment(text, "x")
    assert released.environment == "production"
    assert released.model == staging.model  # the same archive: nothing retrained
    assert (released.metrics, released.lineage, released.serving) == (staging.metrics, staging.lineage, staging.serving)
    assert released.promoted["from_environment"] == "staging"
    body = (project / ".mlspec" / "promotions" / "production" / "pr-body.md").read_text()
    assert "**unchanged and not retrained**" in body
    assert "| roc_auc | n/a | 0.9800 | — |" in body  # production serves nothing yet
    assert "- Servability: ✅ passed: 120 test rows served equal; p95 4.2 ms" in body
    assert "The model already serves in `staging`." in body


def test_release_waits_for_the_soak_time_unless_started_by_hand(project, capsys) -> None:
    work = project.parents[1]
    _soak(project, 24)
    _merge(project, _deployment("staging", "v1aaaa", 0.98), hours_ago=2)
    spec = str(project / "mlproject.yaml")
    assert release_command(spec, "production", "staging", soak=True, environ={}) == 0
    out = capsys.readouterr().out
    assert (
        "production waits: breast-cancer:v1aaaa has served in staging for 2.0 h of the 24 h soak time "
        "(environments[].soak_hours); nothing was promoted"
    ) in out
    assert git("branch", "--list", "mlspec/promote/*", cwd=work) == ""
    assert release_command(spec, "production", "staging", soak=False, environ={}) == 0  # by hand: no wait
    assert git("branch", "--list", "mlspec/promote/*", cwd=work).strip() == "mlspec/promote/breast-cancer/production"


def test_release_after_the_soak_time_records_it(project) -> None:
    _soak(project, 1.5)
    _merge(project, _deployment("staging", "v1aaaa", 0.98), hours_ago=2)
    assert release_command(str(project / "mlproject.yaml"), "production", "staging", soak=True, environ={}) == 0
    text = git("show", f"mlspec/promote/breast-cancer/production:{PRODUCTION}", cwd=project.parents[1])
    assert 2.0 <= parse_deployment(text, "x").promoted["soaked_hours"] < 2.1


def test_release_refusals_say_what_to_do(project) -> None:
    spec = str(project / "mlproject.yaml")
    with pytest.raises(UsageError) as caught:
        release_command(spec, "production", "dev", environ={})
    assert str(caught.value) == (
        "--from-env dev: production requires staging, so its model comes from staging\n  hint: use --from-env staging"
    )
    with pytest.raises(UsageError) as caught:
        release_command(spec, "staging", "production", environ={})
    assert caught.value.message.endswith(
        "environments: staging has no `requires`, so it has no environment to take a model from"
    )
    with pytest.raises(MlspecError) as caught:
        release_command(spec, "production", "staging", environ={})
    assert caught.value.message == (
        f"{STAGING} on main does not exist: no model serves in staging yet, so there is "
        "nothing to promote to production"
    )


def test_soak_hours_needs_requires(project) -> None:
    spec = project / "mlproject.yaml"
    spec.write_text(spec.read_text().replace("  - name: staging\n", "  - name: staging\n    soak_hours: 3\n", 1))
    result = run_cli("validate", str(spec))
    assert result.returncode == 1
    assert (
        "soak_hours: environment 'staging' has no `requires`, so there is no environment for its model to soak "
        "in first; add `requires: <environment>` or remove soak_hours"
    ) in result.stdout + result.stderr


def test_release_through_the_api_opens_the_production_pull_request(project, github_standin: GitHubStandIn) -> None:
    staging = _deployment("staging", "v1aaaa", 0.98)
    _merge(project, staging, standin=github_standin)
    champion = _deployment("production", "v0zz", 0.95)
    github_standin.state.put_file("main", PRODUCTION, dump_deployment(champion))
    environ = github_standin.env(GITHUB_ACTOR="ci-bot", GITHUB_RUN_ID="91", GITHUB_EVENT_NAME="push")
    assert release_command(str(project / "mlproject.yaml"), "production", "staging", environ=environ) == 0
    (pull,) = github_standin.state.open_pulls()
    assert (pull.head, pull.title) == (
        "mlspec/promote/breast-cancer/production",
        "Promote breast-cancer to production: breast-cancer:v1aaaa",
    )
    assert pull.labels == ["promotion"]
    assert "| roc_auc | 0.9500 | 0.9800 | +0.0300 |" in pull.body
    released = parse_deployment(github_standin.state.file_text(pull.head, PRODUCTION), PRODUCTION)
    assert released.model == staging.model and released.promoted["trigger"]["event"] == "push"
    assert github_standin.violations == []


def test_rollback_restores_the_previous_champion_locally(project, capsys) -> None:
    work = project.parents[1]
    first = _merge(project, _deployment("staging", "v1aaaa", 0.97))
    _merge(project, _deployment("staging", "v2bbbb", 0.98))
    spec = str(project / "mlproject.yaml")
    assert rollback_command(spec, "staging", environ={}) == 0
    branch = "mlspec/rollback/breast-cancer/staging"
    restored = parse_deployment(git("show", f"{branch}:{STAGING}", cwd=work), "x")
    assert restored.model.tag == "breast-cancer:v1aaaa" and restored.lineage["run_id"] == "run-v1aaaa"
    assert restored.promoted["rollback"] == {
        "from": "breast-cancer:v2bbbb",
        "restores_commit": first,
        "first_promoted_at": "2026-01-01T00:00:00Z",
    }
    folder = project / ".mlspec" / "rollbacks" / "staging"
    assert (folder / "pr-title.txt").read_text() == "Roll back breast-cancer in staging to breast-cancer:v1aaaa\n"
    body = (folder / "pr-body.md").read_text()
    assert "### Rollback: what changes back" in body
    assert "| model | `breast-cancer:v2bbbb` | `breast-cancer:v1aaaa` |" in body
    assert "| params.n_estimators | `60` | `60` |" not in body  # only what differs
    assert "| run | `run-v2bbbb` | `run-v1aaaa` |" in body
    assert "| roc_auc | 0.9800 | 0.9700 | -0.0100 |" in body
    assert "CD downloads the model from the artifact of CT run `600`" in body
    assert git("symbolic-ref", "--short", "HEAD", cwd=work) == "main"


def test_rollback_to_a_named_version_and_its_refusals(project) -> None:
    spec = str(project / "mlproject.yaml")
    with pytest.raises(MlspecError) as caught:
        rollback_command(spec, "staging", environ={})
    assert caught.value.message == (
        f"{STAGING} on main does not exist: no model serves in staging, so there is nothing to roll back"
    )
    _merge(project, _deployment("staging", "v1aaaa", 0.97))
    with pytest.raises(MlspecError) as caught:
        rollback_command(spec, "staging", environ={})
    assert caught.value.message == (
        f"{STAGING} on main: its history names no model before breast-cancer:v1aaaa, so "
        "there is no previous champion to restore"
    )
    _merge(project, _deployment("staging", "v2bbbb", 0.98))
    _merge(project, _deployment("staging", "v3cccc", 0.99))
    with pytest.raises(MlspecError) as caught:
        rollback_command(spec, "staging", to="v9", environ={})
    assert caught.value.message == (
        f"{STAGING} on main never named model version 'v9' in its history (versions, "
        "newest first: v3cccc, v2bbbb, v1aaaa)"
    )
    assert rollback_command(spec, "staging", to="v1aaaa", environ={}) == 0
    text = git("show", f"mlspec/rollback/breast-cancer/staging:{STAGING}", cwd=project.parents[1])
    assert parse_deployment(text, "x").model.version == "v1aaaa"


def test_rollback_through_the_api_skips_a_model_rolled_back_from(project, github_standin: GitHubStandIn) -> None:
    _merge(project, _deployment("staging", "v1aaaa", 0.97), standin=github_standin)
    _merge(project, _deployment("staging", "v2bbbb", 0.98), standin=github_standin)
    _merge(project, _deployment("staging", "v3cccc", 0.99), standin=github_standin)
    # v3 was bad: rolled back to v2. Rolling back again goes to v1, not back to v3.
    _merge(
        project,
        _deployment("staging", "v2bbbb", 0.98, rollback={"from": "breast-cancer:v3cccc"}),
        standin=github_standin,
    )
    environ = github_standin.env(GITHUB_ACTOR="ci-bot", GITHUB_RUN_ID="92", GITHUB_EVENT_NAME="workflow_dispatch")
    assert rollback_command(str(project / "mlproject.yaml"), "staging", environ=environ) == 0
    (pull,) = github_standin.state.open_pulls()
    assert (pull.head, pull.base) == ("mlspec/rollback/breast-cancer/staging", "main")
    assert pull.title == "Roll back breast-cancer in staging to breast-cancer:v1aaaa"
    assert pull.labels == ["promotion", "staging"] and pull.reviewers == ["alice", "bob"]
    restored = parse_deployment(github_standin.state.file_text(pull.head, STAGING), STAGING)
    assert restored.model.version == "v1aaaa"
    assert restored.promoted["rollback"]["from"] == "breast-cancer:v2bbbb"
    assert github_standin.violations == []


def test_rollback_cli_dry_run_and_error_without_traceback(project) -> None:
    spec = str(project / "mlproject.yaml")
    _merge(project, _deployment("staging", "v1aaaa", 0.97))
    _merge(project, _deployment("staging", "v2bbbb", 0.98))
    env = {"GITHUB_TOKEN": "", "MLSPEC_PROMOTION_TOKEN": ""}
    result = run_cli("rollback", spec, "--env", "staging", "--dry-run", env=env)
    assert result.returncode == 0, result.stderr
    assert "dry run: would commit and write the pull request files" in result.stdout
    assert "branch:    mlspec/rollback/breast-cancer/staging (base main)" in result.stdout
    result = run_cli("rollback", spec, "--env", "staging", "--to", "nope", env=env)
    assert result.returncode == 1
    assert "error: " in result.stderr and "never named model version 'nope'" in result.stderr
    assert "Traceback" not in result.stderr
