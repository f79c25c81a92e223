"""Rollback restores the model card with the deploy file and says "Roll back" everywhere (issue 22 item 4)."""

from __future__ import annotations

from mlspec.promote.branch_owner import TRAILER
from mlspec.promote.rollback import rollback_command
from mlspec.state.deploy import dump_deployment, parse_deployment
from tests.github_standin import GitHubStandIn
from tests.helpers import git
from tests.promote.conftest import PROJECT_DIR
from tests.promote.test_release_rollback import STAGING, _deployment

CARD = f"{PROJECT_DIR}/deploy/staging.card.md"
BRANCH = "mlspec/rollback/breast-cancer/staging"


def _card(version: str) -> str:
    return f"## Model card: `breast-cancer:{version}`\n\nThe card of {version}, as promoted.\n"


def _merge_with_card(project, version: str, roc_auc: float, standin: GitHubStandIn | None = None, card: bool = True):
    """A merged promotion of ``version``: the deploy file and (when ``card``) its model card, in one commit."""
    work = project.parents[1]
    deployment = _deployment("staging", version, roc_auc)
    (project / "deploy").mkdir(exist_ok=True)
    (work / STAGING).write_text(dump_deployment(deployment))
    if card:
        (work / CARD).write_text(_card(version))
    git("add", "-A", str(project / "deploy"), cwd=work)
    git("commit", "-qm", f"Merge promotion of {version}", cwd=work)
    if standin is not None:
        standin.state.put_file("main", STAGING, dump_deployment(deployment))
        if card:
            standin.state.put_file("main", CARD, _card(version))


def test_a_local_rollback_restores_the_card_of_the_model_rolled_back_to(project) -> None:
    work = project.parents[1]
    _merge_with_card(project, "v1aaaa", 0.97)
    _merge_with_card(project, "v2bbbb", 0.98)
    assert rollback_command(str(project / "mlproject.yaml"), "staging", environ={}) == 0
    assert git("show", f"{BRANCH}:{CARD}", cwd=work) + "\n" == _card("v1aaaa")  # not v2bbbb's any more
    assert parse_deployment(git("show", f"{BRANCH}:{STAGING}", cwd=work), "x").model.version == "v1aaaa"
    message = git("log", "-1", "--format=%B", BRANCH, cwd=work)
    assert message.splitlines()[0] == "mlspec: roll back breast-cancer in staging to breast-cancer:v1aaaa"
    assert "promote" not in message.splitlines()[0]
    folder = project / ".mlspec" / "rollbacks" / "staging"
    body = (folder / "pr-body.md").read_text()
    assert "## Roll back `breast-cancer` in `staging` to `breast-cancer:v1aaaa`" in body
    assert (
        f"This pull request rolls back `breast-cancer:v2bbbb`: it restores `{STAGING}` to model "
        f"`breast-cancer:v1aaaa` (run `run-v1aaaa`) and `{CARD}` to that model's card."
    ) in body
    assert "## Promote" not in body and "Promote" not in body
    assert "| model | `breast-cancer:v2bbbb` | `breast-cancer:v1aaaa` |" in body  # what changes back
    assert _card("v1aaaa").strip() in body


def test_a_rollback_to_a_model_promoted_before_cards_rebuilds_its_card(project) -> None:
    work = project.parents[1]
    _merge_with_card(project, "v1aaaa", 0.97, card=False)
    _merge_with_card(project, "v2bbbb", 0.98)
    assert rollback_command(str(project / "mlproject.yaml"), "staging", environ={}) == 0
    card = git("show", f"{BRANCH}:{CARD}", cwd=work)
    assert card.startswith("## Model card: `breast-cancer:v1aaaa`")
    assert "Rebuilt from the deploy file by `mlspec rollback`" in card and "- roc_auc: 0.9700" in card
    assert "v2bbbb" not in card


def test_a_rollback_through_the_api_commits_the_card_and_says_roll_back(project, github_standin: GitHubStandIn) -> None:
    _merge_with_card(project, "v1aaaa", 0.97, github_standin)
    _merge_with_card(project, "v2bbbb", 0.98, github_standin)
    assert rollback_command(str(project / "mlproject.yaml"), "staging", environ=github_standin.env()) == 0
    (pull,) = github_standin.state.open_pulls()
    assert pull.title == "Roll back breast-cancer in staging to breast-cancer:v1aaaa"
    assert pull.body.count("Roll back") >= 1 and "## Promote" not in pull.body
    assert github_standin.state.file_text(BRANCH, CARD) == _card("v1aaaa")
    state = github_standin.state
    head = state.commits[state.branch_sha(BRANCH)]
    subjects = [head.message.splitlines()[0], state.commits[head.parents[0]].message.splitlines()[0]]
    assert subjects == [
        "mlspec: roll back the model card of staging to breast-cancer:v1aaaa",
        "mlspec: roll back breast-cancer in staging to breast-cancer:v1aaaa",
    ]
    assert all(f"{TRAILER}: {BRANCH}" in state.commits[sha].message for sha in (head.sha, head.parents[0]))
