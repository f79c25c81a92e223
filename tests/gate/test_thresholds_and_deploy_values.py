"""Issue 12 item 13: non-finite gate thresholds are validation errors; a boolean metric in a deploy
file is not a number (pydantic would read `true` as 1.0 and let a delta gate pass)."""

from __future__ import annotations

import pytest

from mlspec.errors import MlspecError
from mlspec.state.deploy import parse_deployment
from tests.gate.support import make_record, project_with_gates
from tests.helpers import git, run_cli, run_mlspec


@pytest.mark.parametrize(
    ("bound", "yaml_value", "shown"),
    [("min", ".nan", "nan"), ("max", ".inf", "inf"), ("min_delta", "-.inf", "-inf"), ("max_delta", ".NaN", "nan")],
)
def test_non_finite_thresholds_are_validation_errors(tmp_path, bound, yaml_value, shown) -> None:
    project = project_with_gates(
        tmp_path,
        f"gates:\n  - {{metric: roc_auc, {bound}: {yaml_value}, allow_missing_champion: true}}\n",
        remote=False,
    )
    result = run_cli("validate", str(project / "mlproject.yaml"))
    assert result.returncode == 1, result.stdout + result.stderr
    assert (
        f"gates[0].{bound}: `{bound}` is {shown}, which is not a finite number: NaN never compares and an "
        "infinite bound checks nothing; give a number (or leave the bound out)"
    ) in result.stdout + result.stderr
    assert "Traceback" not in result.stderr


DEPLOY = """project: breast-cancer
environment: staging
model: {tag: 'breast-cancer:champion', version: champion}
metrics: {roc_auc: true, f1: 0.9}
"""


def test_a_boolean_metric_in_a_deploy_file_is_not_a_number(tmp_path) -> None:
    with pytest.raises(MlspecError) as caught:
        parse_deployment(DEPLOY, "deploy/staging.yaml")
    assert caught.value.message == (
        "deploy/staging.yaml: not a valid deployment file: metrics.roc_auc is true, a "
        "boolean, not a number (write the metric's value, or null when it is unknown)"
    )


def test_gate_fails_on_a_champion_with_a_boolean_metric(tmp_path) -> None:
    project = project_with_gates(tmp_path, "gates:\n  - {metric: roc_auc, min_delta: 0.0}\n")
    (project / "deploy").mkdir()
    (project / "deploy" / "staging.yaml").write_text(DEPLOY)
    git("add", "deploy", cwd=project)
    git("commit", "-q", "-m", "champion", cwd=project)
    git("push", "-q", "origin", "main", cwd=project)
    make_record(project, {"roc_auc": 0.5, "f1": 0.9})
    result = run_mlspec("gate", str(project / "mlproject.yaml"), "--env", "staging")
    assert result.returncode == 1
    assert "origin/main:deploy/staging.yaml: not a valid deployment file: metrics.roc_auc is true" in result.stderr
    assert "gate passed" not in result.stdout and "Traceback" not in result.stderr
