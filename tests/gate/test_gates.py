"""Absolute and champion-delta gates, fail-closed cases, champion lookup from git, CLI output."""

from __future__ import annotations

import json
import math

import pytest

from mlspec.gate.evaluate import evaluate_gates
from mlspec.gate.kind_base import ALLOWED_FIRST
from mlspec.gate.results import NO_GATES
from mlspec.spec import load_spec
from mlspec.state.deploy import DeployedModel, Deployment, write_deployment
from mlspec.state.record import RunStore, StageResult
from tests.gate.support import commit_champion, make_record, project_with_gates
from tests.helpers import git, run_cli

RUN = "20250102T000000000000Z-00001"


def _gate(project, record, env=None):
    return evaluate_gates(load_spec(project / "mlproject.yaml"), record, env)


def test_absolute_min_and_max_pass_and_fail(tmp_path) -> None:
    project = project_with_gates(
        tmp_path,
        "gates:\n  - {metric: roc_auc, min: 0.95}\n  - {metric: log_loss, max: 0.2}\n"
        "  - {metric: accuracy, min: 0.9, max: 0.999}\n",
    )
    good = _gate(project, make_record(project, {"roc_auc": 0.97, "log_loss": 0.15, "accuracy": 0.95}))
    assert good.passed and [r.verdict for r in good.results] == ["pass", "pass", "pass"]
    assert [r.threshold for r in good.results] == ["roc_auc >= 0.95", "log_loss <= 0.2", "0.9 <= accuracy <= 0.999"]
    bad = _gate(project, make_record(project, {"roc_auc": 0.94, "log_loss": 0.25, "accuracy": 1.0}))
    assert not bad.passed
    assert [r.reason for r in bad.results] == [
        "0.9400 is below the minimum 0.95",
        "0.2500 is above the maximum 0.2",
        "1.0000 is above the maximum 0.999",
    ]
    assert [(r.index, r.metric, r.kind, r.direction, r.verdict, r.value) for r in bad.results] == [
        (0, "roc_auc", "absolute", "higher", "fail", 0.94),
        (1, "log_loss", "absolute", "lower", "fail", 0.25),
        (2, "accuracy", "absolute", "higher", "fail", 1.0),
    ]
    assert [r.reason for r in good.results] == ["", "", ""]
    exact = _gate(project, make_record(project, {"roc_auc": 0.95, "log_loss": 0.2, "accuracy": 0.9}))
    assert exact.passed  # bounds are inclusive
    rounding = {"roc_auc": 0.95 - 1e-9, "log_loss": 0.2 + 1e-9, "accuracy": 0.9 - 1e-9}
    assert _gate(project, make_record(project, rounding)).passed  # and allow float rounding (1e-9)


def test_delta_gates_higher_and_lower_is_better_absolute_and_relative(tmp_path) -> None:
    project = project_with_gates(
        tmp_path,
        "gates:\n  - {metric: roc_auc, min_delta: 0.01}\n"
        "  - {metric: log_loss, min_delta: 0.0}\n"
        "  - {metric: f1, min_delta: -0.01}\n"
        "  - {metric: accuracy, min_delta: 0.05, max_delta: 0.2, relative: true}\n",
    )
    commit_champion(project, "staging", {"roc_auc": 0.90, "log_loss": 0.30, "f1": 0.98, "accuracy": 0.80})
    report = _gate(project, make_record(project, {"roc_auc": 0.95, "log_loss": 0.25, "f1": 0.97, "accuracy": 0.88}))
    by_metric = {r.metric: r for r in report.results}
    assert report.passed, report.text_table()
    assert by_metric["roc_auc"].delta == pytest.approx(0.05) and by_metric["roc_auc"].baseline == 0.90
    assert by_metric["log_loss"].delta == pytest.approx(0.05)  # lower is better: champion - challenger
    assert by_metric["log_loss"].direction == "lower"
    assert by_metric["f1"].delta == pytest.approx(-0.01)  # exactly at min_delta despite float rounding
    assert by_metric["accuracy"].delta == pytest.approx(0.1) and by_metric["accuracy"].relative
    assert report.champion is not None and report.champion.model.tag == "breast-cancer:champion"
    assert report.champion_source == "origin/main:deploy/staging.yaml"

    worse = _gate(project, make_record(project, {"roc_auc": 0.905, "log_loss": 0.31, "f1": 0.96, "accuracy": 0.99}))
    reasons = {r.metric: r.reason for r in worse.results}
    assert not worse.passed and all(r.verdict == "fail" for r in worse.results)
    assert reasons["roc_auc"] == "the improvement +0.0050 is below min_delta +0.01"
    assert reasons["log_loss"] == "the improvement -0.0100 is below min_delta +0"
    assert reasons["accuracy"] == "the improvement +23.75% is above max_delta +20.00%"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("missing", f"metric 'roc_auc' is missing from run {RUN} (it has: f1)"),
        (None, f"metric 'roc_auc' of run {RUN} is null (it could not be computed)"),
        (math.nan, f"metric 'roc_auc' of run {RUN} is NaN"),
        (math.inf, f"metric 'roc_auc' of run {RUN} is infinite (+inf)"),
    ],
)
def test_fail_closed_on_unusable_metrics(tmp_path, value, message) -> None:
    project = project_with_gates(
        tmp_path,
        "gates:\n  - {metric: roc_auc, min: 0.5}\n"
        "  - {metric: roc_auc, min_delta: 0.0, allow_missing_champion: true}\n",
    )
    metrics = {"f1": 0.9} if value == "missing" else {"roc_auc": value, "f1": 0.9}
    report = _gate(project, make_record(project, metrics, save=False))
    assert not report.passed
    assert [r.reason for r in report.results] == [message, message]  # also the delta gate: no free pass


def test_missing_champion_fails_unless_the_first_model_is_allowed(tmp_path) -> None:
    project = project_with_gates(
        tmp_path,
        "gates:\n  - {metric: roc_auc, min_delta: 0.0}\n"
        "  - {metric: f1, min_delta: 0.0, allow_missing_champion: true}\n",
    )
    report = _gate(project, make_record(project, {"roc_auc": 0.97, "f1": 0.95}))
    strict, lenient = report.results
    assert strict.verdict == "fail" and strict.reason == (
        "no champion in staging: origin/main:deploy/staging.yaml does not exist, and this delta gate needs one "
        "(set allow_missing_champion: true on the gate to let the first model pass)"
    )
    assert lenient.verdict == "pass" and lenient.reason == ALLOWED_FIRST
    assert not report.passed and report.champion is None


def test_champion_comes_from_the_default_branch_not_the_working_tree(tmp_path) -> None:
    project = project_with_gates(tmp_path, "gates:\n  - {metric: roc_auc, min_delta: 0.0}\n")
    write_deployment(
        project,
        Deployment(
            project="breast-cancer",
            environment="staging",
            model=DeployedModel(tag="breast-cancer:local", version="local"),
            metrics={"roc_auc": 0.5},
        ),
    )  # uncommitted: not the champion
    assert not _gate(project, make_record(project, {"roc_auc": 0.97})).passed
    git("checkout", "-q", "-b", "feature", cwd=project)
    git("add", "deploy/staging.yaml", cwd=project)
    git("commit", "-q", "-m", "on a feature branch", cwd=project)
    assert not _gate(project, make_record(project, {"roc_auc": 0.97})).passed  # still not on main
    git("checkout", "-q", "main", cwd=project)
    commit_champion(project, "staging", {"roc_auc": 0.96}, push=False)  # on local main, origin/main is behind
    assert _gate(project, make_record(project, {"roc_auc": 0.97})).champion is None
    git("push", "-q", "origin", "main", cwd=project)
    report = _gate(project, make_record(project, {"roc_auc": 0.97}))
    assert report.passed and report.results[0].baseline == 0.96


def test_champion_without_the_metric_gate_environment_and_zero_baseline(tmp_path) -> None:
    project = project_with_gates(
        tmp_path,
        "gates:\n  - {metric: roc_auc, min_delta: 0.0}\n"
        "  - {metric: f1, min_delta: 0.0, environment: production}\n"
        "  - {metric: log_loss, min_delta: 0.0, relative: true}\n",
    )
    commit_champion(project, "staging", {"f1": 0.9, "log_loss": 0.0})
    commit_champion(project, "production", {"f1": 0.99}, tag="breast-cancer:prod")
    report = _gate(project, make_record(project, {"roc_auc": 0.97, "f1": 0.95, "log_loss": 0.1}))
    roc, f1, loss = report.results
    assert roc.reason == (
        "metric 'roc_auc' is missing from the staging champion breast-cancer:champion "
        "(origin/main:deploy/staging.yaml) (it has: f1, log_loss)"
    )
    assert f1.environment == "production" and f1.baseline == 0.99 and f1.verdict == "fail"
    assert "vs production champion" in f1.threshold
    assert loss.reason == "the staging champion breast-cancer:champion has log_loss = 0: a relative delta is undefined"
    assert not report.passed


def test_no_gates_and_failed_evaluate_stage(tmp_path) -> None:
    project = project_with_gates(tmp_path, "")
    report = _gate(project, make_record(project, {"roc_auc": 0.97}))
    assert report.passed and report.results == [] and report.notes == [NO_GATES]
    assert "_no gates declared_" in report.markdown_table() and "(no gates declared)" in report.text_table()
    failed = make_record(
        project,
        {"roc_auc": 0.97},
        stages=[StageResult(name="evaluate", status="failed", message="predict raised ValueError")],
    )
    report = _gate(project, failed)
    assert not report.passed and report.results[0].kind == "record"
    assert report.results[0].reason.startswith(f"the evaluate stage of run {RUN} is failed: predict raised ValueError")


def test_unknown_environment_is_a_usage_error(tmp_path) -> None:
    project = project_with_gates(tmp_path, "")
    result = run_cli("gate", str(project / "mlproject.yaml"), "--env", "prod")
    assert result.returncode == 1 and "no runs yet" in result.stderr
    make_record(project, {"roc_auc": 0.97})
    result = run_cli("gate", str(project / "mlproject.yaml"), "--env", "prod")
    assert result.returncode == 2 and "no environment named 'prod' (known: staging, production)" in result.stderr
    assert "Traceback" not in result.stderr


def test_cli_table_json_and_gate_file(tmp_path) -> None:
    project = project_with_gates(
        tmp_path,
        "gates:\n  - {metric: roc_auc, min: 0.95}\n  - {metric: f1, min_delta: -0.01, allow_missing_champion: true}\n",
    )
    make_record(project, {"roc_auc": 0.93, "f1": 0.97})
    spec = str(project / "mlproject.yaml")
    text = run_cli("gate", spec, "--env", "production")
    assert text.returncode == 1, text.stderr
    lines = text.stdout.splitlines()
    assert lines[0].split() == ["gate", "value", "baseline", "delta", "interval", "verdict"]
    assert any(line.startswith("roc_auc >= 0.95") and line.rstrip().endswith("FAIL") for line in lines)
    assert "roc_auc >= 0.95: 0.9300 is below the minimum 0.95" in text.stdout
    assert lines[-1] == (
        "gate NOT passed for breast-cancer (production), model breast-cancer:challenger: 1 of 2 checks failed"
    )
    as_json = run_cli("gate", spec, "--env", "production", "--format", "json")
    assert as_json.returncode == 1
    data = json.loads(as_json.stdout)
    assert data["passed"] is False and data["environment"] == "production" and data["champion"] is None
    assert set(data["results"][0]) == {
        "index",
        "metric",
        "kind",
        "direction",
        "threshold",
        "value",
        "baseline",
        "delta",
        "relative",
        "interval",
        "confidence",
        "resamples",
        "environment",
        "verdict",
        "reason",
    }
    assert [(r["metric"], r["kind"], r["verdict"]) for r in data["results"]] == [
        ("roc_auc", "absolute", "fail"),
        ("f1", "delta", "pass"),
    ]
    saved = json.loads((RunStore(project).run_dir(RUN) / "gate.json").read_text())
    assert set(saved.pop("inputs")) == {"mlspec", "record", "gates", "spec", "champions", "servability"}
    assert saved == data  # gate.json: the decision as printed, plus the fingerprint of its inputs
    make_record(project, {"roc_auc": 0.99, "f1": 0.97})
    assert run_cli("gate", spec).returncode == 0


def test_the_failure_cause_names_failed_tests_and_then_metric_gates() -> None:
    from mlspec.gate.results import GateReport, GateResult

    def result(kind: str, threshold: str, verdict: str) -> GateResult:
        return GateResult(-1, "", kind, "higher", threshold, verdict, "")  # type: ignore[arg-type]

    data_failed = result("tests", "data tests pass", "fail")
    model_passed = result("tests", "model tests pass", "pass")
    metric_failed = result("absolute", "roc_auc >= 0.9", "fail")
    metric_passed = result("absolute", "f1 >= 0.5", "pass")

    def cause(*results: GateResult) -> str:
        return GateReport("p", RUN, "staging", None, None, "", results=list(results)).failure_cause()

    assert cause(model_passed, metric_passed) == ""
    assert cause(metric_failed, model_passed) == ""  # the count of failed checks says it: no cause to add
    assert cause(data_failed, model_passed, metric_passed) == "data tests failed"
    assert cause(data_failed, metric_failed) == "data tests failed, metric gates failed"
    model_failed = result("tests", "model tests pass", "fail")
    assert (
        cause(data_failed, model_failed, metric_failed) == "data tests failed, model tests failed, metric gates failed"
    )


@pytest.mark.parametrize(
    ("bounds", "low", "high", "reason"),
    [
        # inclusive at both bounds, and within float rounding (1e-9) of them
        ({"min_delta": 0.01, "max_delta": 0.2}, 0.01, 0.2, ""),
        ({"min_delta": 0.01, "max_delta": 0.2}, 0.01 - 5e-10, 0.2 + 5e-10, ""),
        ({"min_delta": 0.01, "max_delta": 0.2}, 0.01 - 1e-9, 0.2 + 1e-9, ""),
        ({"min_delta": 0.01, "max_delta": 0.2}, 0.01 - 2e-9, 0.1, "the improvement +0.0100 is below min_delta +0.01"),
        ({"min_delta": 0.01, "max_delta": 0.2}, 0.1, 0.2 + 2e-9, "the improvement +0.2000 is above max_delta +0.2"),
        ({"min_delta": -0.01}, -0.01, 5.0, ""),  # no upper bound
        ({"max_delta": 0.0}, -5.0, 0.0, ""),  # no lower bound
        # NaN compares to nothing: it fails, never passes
        ({"min_delta": 0.0}, math.nan, 0.5, "the improvement NaN is below min_delta +0"),
        ({"max_delta": 0.5}, 0.0, math.nan, "the improvement NaN is above max_delta +0.5"),
        ({"min_delta": 0.01, "relative": True}, 0.0099, 0.2, "the improvement +0.99% is below min_delta +1.00%"),
        ({"max_delta": 0.2, "relative": True}, 0.0, 0.2001, "the improvement +20.01% is above max_delta +20.00%"),
    ],
)
def test_delta_bounds_at_their_edges(bounds, low, high, reason) -> None:
    from mlspec.gate.delta import _check_bounds
    from mlspec.gate.results import GateResult
    from mlspec.spec.models import Gate

    result = GateResult(0, "roc_auc", "delta", "higher", "", "fail", "")
    _check_bounds(result, Gate(metric="roc_auc", **bounds), low, high, "the improvement")
    assert (result.verdict, result.reason) == ("pass" if not reason else "fail", reason)


@pytest.mark.parametrize(
    ("value", "signed", "text"),
    [
        (None, False, "n/a"),
        (math.nan, True, "NaN"),
        (math.inf, False, "+inf"),
        (-math.inf, True, "-inf"),
        (0.5, False, "0.5000"),
        (0.5, True, "+0.5000"),
        (-0.25, True, "-0.2500"),
        (0.0, False, "0.0000"),
        (2, False, "2.0000"),
    ],
)
def test_numbers_in_gate_tables_and_json(value, signed, text) -> None:
    from mlspec.gate.results import fmt

    assert fmt(value, signed) == text
    if not signed:
        assert fmt(value) == text  # unsigned unless asked


def test_the_json_of_a_report_names_its_champion_and_its_verdict() -> None:
    from mlspec.gate.results import GateReport, GateResult

    champion = Deployment(
        project="p",
        environment="staging",
        model=DeployedModel(tag="p:c", version="c"),
        lineage={"run_id": "20240101T000000000000Z-00001"},
    )
    result = GateResult(0, "roc_auc", "absolute", "higher", "roc_auc >= 0.9", "pass", "", value=0.95)
    report = GateReport("p", RUN, "staging", "p:v2", champion, "origin/main:deploy/staging.yaml", results=[result])
    data = report.to_dict()
    assert data["champion"] == {
        "tag": "p:c",
        "environment": "staging",
        "run_id": "20240101T000000000000Z-00001",
        "source": "origin/main:deploy/staging.yaml",
    }
    assert data["verdict"] == report.verdict_line() == "gate passed for p (staging), model p:v2: 1 of 1 check passed"
    assert (data["passed"], data["model"], data["champion_source"]) == (True, "p:v2", "origin/main:deploy/staging.yaml")
    report.champion = None
    assert report.to_dict()["champion"] is None


@pytest.mark.parametrize(
    ("metrics", "problem"),
    [
        ({"roc_auc": 0.9}, None),
        ({"roc_auc": 1}, None),
        ({"roc_auc": True}, "metric 'roc_auc' of run R is not a number (True)"),
        ({"roc_auc": "0.9"}, "metric 'roc_auc' of run R is not a number ('0.9')"),
        ({"f1": 0.9, "accuracy": 0.8}, "metric 'roc_auc' is missing from run R (it has: accuracy, f1)"),
        ({}, "metric 'roc_auc' is missing from run R (it has: none)"),
    ],
)
def test_a_metric_is_usable_only_as_a_finite_number(metrics, problem) -> None:
    from mlspec.gate.kind_base import metric_problem

    assert metric_problem(metrics, "roc_auc", "run R") == problem


def test_the_verdict_line_of_a_run_without_a_model_says_so_once() -> None:
    from mlspec.gate.results import GateReport

    report = GateReport(
        project="p", run_id="r", environment="staging", model_tag=None, champion=None, champion_source=""
    )
    assert report.verdict_line() == "gate passed for p (staging), no model (the run trained none): no gates declared"
    report.model_tag = "p:v1"
    assert report.verdict_line() == "gate passed for p (staging), model p:v1: no gates declared"
