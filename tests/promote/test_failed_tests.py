"""Issue 12 item 3: a run whose model tests failed (metric gates passing) does not pass the gate and is not
promoted, unless `--allow-failed-tests`, which the deploy file and the pull request body record. Real
training and real deepchecks."""

from __future__ import annotations

import json

import pytest

from mlspec.state.deploy import parse_deployment
from mlspec.state.record import RunStore
from tests.helpers import git, run_mlspec
from tests.promote.conftest import PROJECT_DIR

pytestmark = pytest.mark.slow  # trains and runs deepchecks for real: `make test-fast` skips it

BRANCH = "mlspec/promote/breast-cancer/staging"
STRICT_MODEL_TESTS = """tests:
  data: {enabled: false}
  model:
    suites: []
    checks:
      - name: SingleDatasetPerformance
        params: {scorers: [roc_auc]}
        conditions:
          - {name: greater_than, params: {threshold: 0.99999}}
"""


@pytest.fixture
def failed_run(project):
    """The example with a model test no model passes; `mlspec run` exits 1 after the model tests."""
    spec = project / "mlproject.yaml"
    text = spec.read_text()
    start, end = text.index("tests:\n"), text.index("gates:\n")
    spec.write_text(text[:start] + STRICT_MODEL_TESTS + text[end:])
    work = project.parents[1]
    git("commit", "-q", "-am", "strict model tests", cwd=work)
    result = run_mlspec("run", str(spec))
    assert result.returncode == 1, result.stdout + result.stderr
    record = RunStore(project).latest()
    assert record.tests["model"].passed is False and record.metrics["roc_auc"] >= 0.95
    return project


def test_gate_promote_and_override(failed_run) -> None:
    project, spec = failed_run, str(failed_run / "mlproject.yaml")
    work = project.parents[1]
    run_id = RunStore(project).latest_id()

    gate = run_mlspec("gate", spec, "--env", "staging")
    assert gate.returncode == 1, gate.stderr
    assert (
        f"model tests passed: the model tests of run {run_id} failed: 1 of 2 checks failed (fail_on: fail): "
        "SingleDatasetPerformance (test); promotion needs passing tests"
    ) in gate.stdout
    last = gate.stdout.strip().splitlines()[-1]
    assert last.startswith("gate NOT passed for breast-cancer (staging), model breast-cancer:")
    assert last.endswith(": 1 of 3 checks failed (model tests failed)")
    data = json.loads(run_mlspec("gate", spec, "--env", "staging", "--format", "json").stdout)
    assert [(r["kind"], r["verdict"]) for r in data["results"]] == [
        ("tests", "fail"),
        ("absolute", "pass"),
        ("delta", "pass"),
    ]

    refused = run_mlspec("promote", spec, "--env", "staging")
    assert refused.returncode == 1
    assert (
        f"error: the gate for staging did not pass for run {run_id}: its model tests failed; nothing was "
        "promoted (no branch, no pull request)\n  hint: fix the data or model and rerun `mlspec run`, or promote "
        "anyway with `--allow-failed-tests` (recorded in the deploy file and the pull request)\n"
    ) == refused.stderr
    assert git("branch", "--list", BRANCH, cwd=work) == ""

    report = run_mlspec("report", spec, "--env", "staging")
    assert report.returncode == 0, report.stderr
    text = (RunStore(project).run_dir(run_id) / "report.md").read_text()
    assert text.startswith(
        "### ❌ breast-cancer: gate not passed for `staging` (1 of 3 checks failed: model tests failed)\n"
    )

    allowed = run_mlspec("promote", spec, "--env", "staging", "--allow-failed-tests")
    assert allowed.returncode == 0, allowed.stderr
    assert f"warning: promoting run {run_id} although its model tests failed (--allow-failed-tests" in allowed.stderr
    deployment = parse_deployment(git("show", f"{BRANCH}:{PROJECT_DIR}/deploy/staging.yaml", cwd=work), "x")
    assert deployment.promoted["override"] == {"allow_failed_tests": True, "failed_tests": ["model"]}
    body = (project / ".mlspec" / "promotions" / "staging" / "pr-body.md").read_text()
    assert "> ⚠️ **Promoted with failed model tests**: `mlspec promote --allow-failed-tests` overrode the gate" in body
    assert body.index("Promoted with failed model tests") < body.index("gate not passed")


def test_the_override_does_not_cover_failed_metric_gates(failed_run) -> None:
    spec = failed_run / "mlproject.yaml"
    spec.write_text(spec.read_text().replace("{metric: roc_auc, min: 0.95}", "{metric: roc_auc, min: 0.9999}"))
    result = run_mlspec("promote", str(spec), "--env", "staging", "--allow-failed-tests")
    assert result.returncode == 1
    assert "did not pass for run" in result.stderr and "nothing was promoted" in result.stderr
    assert "its model tests failed" not in result.stderr
