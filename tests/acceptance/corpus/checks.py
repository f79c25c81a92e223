"""What each step of the loop must show on every corpus project (one function per step; the test module crosses
them with the projects). Each takes the loop's result and asserts; none needs more than the files the loop left."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any

import pandas as pd
import pytest

from tests.acceptance.corpus.loop import LoopResult
from tests.acceptance.corpus.projects import PROJECTS


def _ok(result: LoopResult, key: str) -> None:
    assert key in result.steps, f"{key} did not run (an earlier step failed): {sorted(result.steps)}"
    step = result.step(key)
    assert step.returncode == 0, step.output()


def check_validate(result: LoopResult) -> None:
    _ok(result, "validate")


def check_run(result: LoopResult) -> None:
    """The first run passes on the project's spec: data tests, training, evaluation, model tests."""
    _ok(result, "run")
    record = result.record()
    pipeline = [(s["name"], s["status"]) for s in record["stages"] if s["name"] != "serving"]  # `test serving`'s row
    assert pipeline == [
        ("data_tests", "passed"),
        ("train", "passed"),
        ("evaluate", "passed"),
        ("model_tests", "passed"),
    ], result.step("run").output()


def check_status(result: LoopResult) -> None:
    _ok(result, "status")
    assert "latest run" in result.step("status").stdout


def check_test_serving(result: LoopResult) -> None:
    """The servability check ran on the run's model and is recorded as the run's on-demand `serving` stage."""
    _ok(result, "test serving")
    (serving,) = [s for s in result.record()["stages"] if s["name"] == "serving"]
    assert serving["status"] == "passed", serving


def check_gate(result: LoopResult) -> None:
    _ok(result, "gate")
    assert "gate passed for" in result.step("gate").stdout


def _labels(values: pd.Series, classes: list[str]) -> list[Any]:
    """predictions.csv's proba_<class> names, as values of the label column."""
    by_text = {str(v): v for v in pd.unique(values)}
    return [by_text.get(c, c) for c in classes]


def expected_metrics(task: str, predictions: pd.DataFrame, positive: Any) -> dict[str, float]:
    """Every metric mlspec can record, computed here from predictions.csv with scikit-learn's functions."""
    import numpy as np
    from sklearn import metrics as m

    y, yp = predictions["y_true"], predictions["y_pred"]
    if task == "regression":
        return {
            "mae": m.mean_absolute_error(y, yp),
            "mse": m.mean_squared_error(y, yp),
            "rmse": math.sqrt(m.mean_squared_error(y, yp)),
            "median_ae": m.median_absolute_error(y, yp),
            "mape": m.mean_absolute_percentage_error(y, yp),
            "r2": m.r2_score(y, yp),
        }
    names = [c.removeprefix("proba_") for c in predictions.columns if c.startswith("proba_")]
    classes = _labels(pd.concat([y, yp]), names)
    proba = predictions[[f"proba_{c}" for c in names]].to_numpy()
    common = {
        "accuracy": m.accuracy_score(y, yp),
        "balanced_accuracy": m.balanced_accuracy_score(y, yp),
        "log_loss": m.log_loss(y, proba, labels=classes),
    }
    if task == "binary":
        scores = predictions[f"proba_{positive}"].to_numpy()
        return {
            **common,
            "precision": m.precision_score(y, yp, pos_label=positive, zero_division=0),
            "recall": m.recall_score(y, yp, pos_label=positive, zero_division=0),
            "f1": m.f1_score(y, yp, pos_label=positive, zero_division=0),
            "roc_auc": m.roc_auc_score(np.asarray(y == positive), scores),
            "average_precision": m.average_precision_score(np.asarray(y == positive), scores),
        }
    return {
        **common,
        "precision_macro": m.precision_score(y, yp, average="macro", zero_division=0),
        "recall_macro": m.recall_score(y, yp, average="macro", zero_division=0),
        "f1_macro": m.f1_score(y, yp, average="macro", zero_division=0),
        "f1_weighted": m.f1_score(y, yp, average="weighted", zero_division=0),
        "roc_auc_ovr": m.roc_auc_score(y, proba, multi_class="ovr", labels=classes),
    }


def check_metrics(result: LoopResult) -> None:
    """The recorded metrics equal an independent computation from predictions.csv (for binary labels, with the
    project's positive class: 1, True, or the class the spec names)."""
    record = result.record()
    assert record["metrics"], f"run {record['run_id']} recorded no metrics"
    predictions = pd.read_csv(result.root / ".mlspec" / "runs" / record["run_id"] / "predictions.csv")
    expected = expected_metrics(record["task"], predictions, PROJECTS[result.name].positive)
    for name, value in record["metrics"].items():
        assert value is not None, f"metric {name} was not computed"
        assert value == pytest.approx(expected[name], rel=1e-6, abs=1e-9), name


def _rendered(text: str, where: str) -> None:
    assert text.strip(), f"{where} is empty"
    assert re.search(r"^#{1,3} ", text, re.M), f"{where} has no Markdown heading"
    for leftover in ("{{", "}}", "{%", "%}", "{#", "#}", "None%", "nan%"):
        assert leftover not in text, f"{where} holds the template leftover {leftover!r}"


def check_report(result: LoopResult) -> None:
    _ok(result, "report")
    report = result.root / ".mlspec" / "runs" / result.facts["first_run"] / "report.md"
    _rendered(report.read_text(), str(report))


def check_promote(result: LoopResult) -> None:
    """The gate passed, so promotion needs no override; merged, the deploy file names the model."""
    _ok(result, "promote")
    assert "--allow-failed-tests" not in result.step("promote").args
    assert result.facts.get("promoted"), "deploy/staging.yaml does not name the promoted model after the merge"
    _rendered((result.root / "deploy" / "staging.card.md").read_text(), "deploy/staging.card.md")


def check_build(result: LoopResult) -> None:
    _ok(result, "build")


def _answer(result: LoopResult, key: str) -> Any:
    assert result.facts.get("serve_ready"), "the service did not start:\n" + result.facts.get("serve_log", "")
    return result.answers[key]


def check_serve_rows(result: LoopResult) -> None:
    """Real test rows (missing values as JSON null) are answered with mlspec's own predictions."""
    answer = _answer(result, "rows")
    assert answer.status == 200, answer.body
    expected = result.facts["served_rows"]["__expected"].tolist()
    if PROJECTS[result.name].spec().count("task: regression"):
        assert answer.body == pytest.approx(expected, rel=1e-6)
    else:
        assert [str(v) for v in answer.body] == [str(v) for v in expected]


def check_serve_null_row(result: LoopResult) -> None:
    """null in every optional field (one with missing values in training) is a prediction, not an error."""
    answer = _answer(result, "null row")
    assert answer.status == 200, answer.body
    assert isinstance(answer.body, list) and len(answer.body) == 1


def _rejected(answer: Any, field: str) -> None:
    assert 400 <= answer.status < 500, (answer.status, answer.body)
    assert field in str(answer.body), answer.body


def check_serve_wrong_type(result: LoopResult) -> None:
    _rejected(_answer(result, "wrong type"), result.facts["wrong_field"])


def check_serve_extra_field(result: LoopResult) -> None:
    _rejected(_answer(result, "extra field"), "unexpected_column")


def check_drift(result: LoopResult) -> None:
    """A copy of the test set shifted by 3 standard deviations is drift: exit 1 (found), not an error."""
    assert "drift" in result.steps, "drift did not run (no model was promoted)"
    step = result.step("drift")
    assert step.returncode == 1, step.output()
    assert "drift" in step.stdout.lower(), step.output()


def check_rollback(result: LoopResult) -> None:
    """After a second model is promoted, the rollback (merged) puts the first one back in deploy/staging.yaml."""
    assert result.facts.get("second_promoted"), "the second model was not promoted:\n" + "\n".join(
        result.step(k).output() for k in ("second run", "second promote") if k in result.steps
    )
    _ok(result, "rollback")
    assert result.facts["rolled_back"] and result.facts["tag_after_rollback"] == result.facts["first_tag"]
    # the second model changed only code: its data tests came from the first run's (what keeps the loop cheap)
    stages = {stage["name"]: stage for stage in result.record(result.facts["second_run"])["stages"]}
    data_tests = stages["data_tests"]
    assert data_tests["status"] == "cached" and data_tests["cached_from"] == result.facts["first_run"], data_tests


def check_rollback_card(result: LoopResult) -> None:
    """The card follows the deploy file, and the change says it rolls back."""
    check_rollback(result)
    card = result.facts["card_after_rollback"]
    assert result.facts["first_tag"] in card and result.facts["second_tag"] not in card, card
    assert "roll back" in result.facts["rollback_commit"].lower(), result.facts["rollback_commit"]
    heading = next(line for line in result.facts["rollback_body"].splitlines() if line.startswith("## "))
    assert "Roll back" in heading, heading


def check_gc(result: LoopResult) -> None:
    """gc keeps the runs a deploy file names and the latest one."""
    _ok(result, "gc")
    runs = result.root / ".mlspec" / "runs"
    for key in ("first_run", "second_run"):
        if result.facts.get(key):
            assert (runs / result.facts[key] / "record.json").exists(), f"gc deleted {key}"


def check_lineage(result: LoopResult) -> None:
    """The run record names the installed mlspec."""
    from importlib.metadata import version

    assert result.record()["versions"]["mlspec"] == version("mlspec-gitops")


def check_nothing_exits_3(result: LoopResult) -> None:
    """No command of the loop ends in an internal error or a traceback."""
    for key, step in result.steps.items():
        assert step.returncode not in (3, -9), f"{key}: {step.output()}"
        assert "Traceback" not in step.stderr, f"{key}: {step.output()}"


CHECKS: dict[str, Callable[[LoopResult], None]] = {
    "validate": check_validate,
    "run": check_run,
    "status": check_status,
    "test_serving": check_test_serving,
    "gate": check_gate,
    "metrics": check_metrics,
    "report": check_report,
    "promote": check_promote,
    "build": check_build,
    "serve_rows": check_serve_rows,
    "serve_null_row": check_serve_null_row,
    "serve_wrong_type": check_serve_wrong_type,
    "serve_extra_field": check_serve_extra_field,
    "drift": check_drift,
    "rollback": check_rollback,
    "rollback_card": check_rollback_card,
    "gc": check_gc,
    "lineage": check_lineage,
    "nothing_exits_3": check_nothing_exits_3,
}
