"""The model card of a promotion: in the pull request body and committed beside the deploy file, so the promotion
pull request changes exactly deploy/<env>.yaml and deploy/<env>.card.md (stand-in API and local git)."""

from __future__ import annotations

import pytest

from mlspec.gate.results import GateReport, GateResult
from mlspec.promote.commands import promote_loaded
from mlspec.report.card import card_path, model_card
from mlspec.spec import load_spec
from mlspec.state.deploy import DeployedModel, Deployment
from mlspec.state.record import CheckOutcome, ConditionOutcome
from mlspec.state.record import TestOutcome as Outcome
from tests.github_standin import GitHubStandIn
from tests.helpers import git
from tests.promote.conftest import PROJECT_DIR, make_record

BRANCH = "mlspec/promote/breast-cancer/staging"
STAGING_FILE = f"{PROJECT_DIR}/deploy/staging.yaml"
CARD_FILE = f"{PROJECT_DIR}/deploy/staging.card.md"
CARD = (
    "card:\n  intended_use: Flag scans for a second read by a radiologist; never a diagnosis on its own.\n"
    "  limitations: 'Trained on 569 rows of one hospital; see [docs](https://evil.example) @everyone'\n"
    "  owners: ['@acme/ml-team', 'Jane Doe <jane@example.com>']\n"
)


@pytest.fixture
def carded(project):
    spec = project / "mlproject.yaml"
    spec.write_text(spec.read_text() + CARD)
    git("commit", "-qam", "card", cwd=project)
    git("push", "-q", "origin", "main", cwd=project)
    return project


def _gate() -> GateReport:
    champion = Deployment(
        project="breast-cancer",
        environment="staging",
        model=DeployedModel(tag="breast-cancer:v0zzzz", version="v0zzzz"),
        metrics={"roc_auc": 0.97, "f1": 0.96},
    )
    result = GateResult(
        index=1,
        metric="roc_auc",
        kind="delta",
        direction="higher",
        threshold="improvement >= +0.0000",
        verdict="pass",
        reason="",
        value=0.99,
        baseline=0.97,
        delta=0.02,
        interval=(0.004, 0.031),
        confidence=0.95,
        resamples=1000,
    )
    return GateReport(
        project="breast-cancer",
        run_id="r",
        environment="staging",
        model_tag="breast-cancer:v1aaaa",
        champion=champion,
        champion_source="origin/main:deploy/staging.yaml",
        results=[result],
    )


def _record(project, tag: str = "breast-cancer:v1aaaa"):
    record = make_record(project, tag, save=False)
    record.model.features = {"mean radius": "float", "mean texture": "float"}
    record.model.classes = [0, 1]
    record.versions = {"scikit-learn": "1.7.2", "pandas": "2.3.3"}
    record.tests = {
        "data": Outcome(
            kind="data",
            passed=True,
            skipped=["OutlierSampleDetection"],
            checks=[
                CheckOutcome(
                    name="FeatureDrift",
                    suite="train_test_validation",
                    conditions=[ConditionOutcome(name="drift score < 0.2", category="PASS")],
                ),
                CheckOutcome(name="MixedNulls", ran=False, reason="no object columns", status="not_applicable"),
                CheckOutcome(
                    name="RegressionErrorDistribution",
                    ran=False,
                    reason="unexpected keyword",
                    status="errored",
                    error="TypeError",
                ),
            ],
        ),
        "model": Outcome(
            kind="model",
            passed=False,
            checks=[
                CheckOutcome(
                    name="WeakSegmentsPerformance",
                    conditions=[ConditionOutcome(name="accuracy ratio above 0.8", category="FAIL")],
                )
            ],
        ),
    }
    from mlspec.state.record import RunStore

    RunStore(project).save(record)
    return record


def test_card_says_what_the_model_is_and_escapes_the_spec_text(carded) -> None:
    card = model_card(load_spec(carded / "mlproject.yaml"), _record(carded), _gate())
    assert card.startswith("## Model card: `breast-cancer:v1aaaa`\n")
    assert "- task: binary classification, label `benign`" in card
    assert "- classes (2): `0`, `1`" in card
    assert "| `mean radius` | float | numeric |" in card
    assert "Flag scans for a second read by a radiologist; never a diagnosis on its own." in card
    assert "see [docs\\](https\u200b://evil.example) @\u200beveryone" in card  # no live link, no mention
    assert "Owners: `@acme/ml-team`, `Jane Doe <jane@example.com>`" in card  # code spans: no mention, no tag
    assert "| train | `data/train.csv` | `xxh3_128:" + "a" * 32 + "` | — | 10 |" in card
    assert "Champion in `staging`: `breast-cancer:v0zzzz`" in card
    assert "| roc_auc | ↑ | 0.9900 | 0.9700 | +0.0200 | 95% [+0.0040, +0.0310] |" in card
    assert "- ❌ model: **WeakSegmentsPerformance** FAIL: accuracy ratio above 0.8" in card
    assert "- ➖ data: **MixedNulls** not applicable: no object columns" in card
    assert "- ❗ data: **RegressionErrorDistribution** errored: TypeError: unexpected keyword" in card
    assert card.index("RegressionErrorDistribution") < card.index("MixedNulls")  # errored before not applicable
    assert "- ⏭️ data: **OutlierSampleDetection** skipped by `tests.data.skip`" in card
    assert "FeatureDrift" not in card  # passed checks are in the report, not the card
    assert "scikit-learn `1.7.2`" in card and '"max_depth": 6' in card
    assert card == model_card(load_spec(carded / "mlproject.yaml"), _record(carded), _gate())  # deterministic
    assert card_path("p/deploy/production.yaml") == "p/deploy/production.card.md"


def test_without_card_fields_the_card_says_where_to_set_them(project) -> None:
    card = model_card(load_spec(project / "mlproject.yaml"), make_record(project), _gate())
    assert "_not stated (set `card.intended_use` in the spec)_" in card
    assert "Owners: _not stated (set `card.owners` in the spec)_" in card


def test_api_promotion_commits_exactly_the_deploy_file_and_its_card(carded, github_standin: GitHubStandIn) -> None:
    loaded = load_spec(carded / "mlproject.yaml")
    record = _record(carded)
    env = github_standin.env(GITHUB_ACTOR="ci-bot", GITHUB_RUN_ID="77")
    assert promote_loaded(loaded, record, "staging", _gate(), environ=env) == 0
    main, branch = github_standin.state.files("main"), github_standin.state.files(BRANCH)
    changed = {path for path in set(main) | set(branch) if main.get(path) != branch.get(path)}
    assert changed == {STAGING_FILE, CARD_FILE}
    card = github_standin.state.file_text(BRANCH, CARD_FILE)
    (pull,) = github_standin.state.pulls.values()
    assert card.strip() in pull.body and f"also in this pull request (committed as `{CARD_FILE}`)" in pull.body
    assert len(pull.body) <= 65_536
    sha = github_standin.state.branch_sha(BRANCH)
    assert promote_loaded(loaded, record, "staging", _gate(), environ=env) == 0
    assert github_standin.state.branch_sha(BRANCH) == sha  # the same run: nothing new to commit


def test_local_promotion_commits_both_files_in_one_commit(carded, capsys) -> None:
    work = carded.parents[1]
    record = _record(carded)
    assert promote_loaded(load_spec(carded / "mlproject.yaml"), record, "staging", _gate(), environ={}) == 0
    assert git("diff", "--name-only", f"main...{BRANCH}", cwd=work).splitlines() == [CARD_FILE, STAGING_FILE]
    assert git("rev-list", "--count", f"main..{BRANCH}", cwd=work) == "1"
    assert "Flag scans for a second read" in git("show", f"{BRANCH}:{CARD_FILE}", cwd=work)
    body = (carded / ".mlspec" / "promotions" / "staging" / "pr-body.md").read_text()
    assert "## Model card: `breast-cancer:v1aaaa`" in body
    assert f"committed {STAGING_FILE} and {CARD_FILE}" in capsys.readouterr().out


def test_body_with_card_stays_under_githubs_limit(carded) -> None:
    from mlspec.hosts.github.client import GitHubSettings
    from mlspec.promote.commands import build_plan

    record = _record(carded)
    record.tests["data"] = Outcome(
        kind="data",
        passed=False,
        checks=[
            CheckOutcome(
                name=f"Check{i:04d}", conditions=[ConditionOutcome(name="x" * 300, category="FAIL", details="y" * 900)]
            )
            for i in range(400)
        ],
    )
    plan, _ = build_plan(load_spec(carded / "mlproject.yaml"), record, "staging", _gate(), GitHubSettings.from_env({}))
    body = plan.body("breast-cancer:v0yyyy")
    assert len(body) <= 65_536 and plan.card and plan.card.strip() in body
    assert "- … and 371 more (see the run's test reports)" in plan.card
