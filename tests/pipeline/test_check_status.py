"""Issue 12 item 6: a check that did not run is never shown as a pass. On a real regression project (real
training, real deepchecks, one `mlspec run` for the module):

- RegressionErrorDistribution and WeakSegmentsPerformance (test set only) run on a regressor (deepchecks 0.19.1 raised under
  scikit-learn 1.7; mlspec/pipeline/dc_compat.py);
- checks deepchecks says do not fit the task or data (RocReport on a regressor, date leakage without a
  datetime) are *not applicable*; checks that raise are *errored* (an `inf` in a feature makes FeatureDrift and
  UnusedFeatures raise) and are a warning by default (data tests) or fail the tests with `errored: fail` (model
  tests), and then the gate refuses;
- the report's heading counts every status and lists errored checks before warnings, not-applicable ones last.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from mlspec.state.record import RunStore
from mlspec.state.record import TestOutcome as Outcome
from tests.helpers import run_mlspec
from tests.pipeline.test_data import TRAIN_PY, messy_sales

pytestmark = pytest.mark.slow  # trains and runs deepchecks for real: `make test-fast` skips it

SPEC = """apiVersion: mlspec/v1
name: sales
data:
  source: data/sales.csv
  label: price
  categorical: [region]
  split: {method: random, test_size: 0.25}
train:
  entrypoint: src/train.py:train
evaluate:
  task: regression
  metrics: [rmse]
tests:
  data: {skip: [OutlierSampleDetection]}
  model: {errored: fail, skip: [ModelInferenceTime]}
gates:
  - {metric: rmse, max: 1000}
environments:
  - name: staging
"""


@pytest.fixture(scope="module")
def regression_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, object]:
    root = tmp_path_factory.mktemp("regression")
    (root / "data").mkdir()
    (root / "src").mkdir()
    frame = messy_sales(1200).drop(columns=["sold_at"])
    frame.loc[frame.index[::97], "size"] = np.inf  # real data problem: FeatureDrift and UnusedFeatures raise on it
    frame.to_csv(root / "data" / "sales.csv", index=False)
    (root / "src" / "train.py").write_text(TRAIN_PY)
    (root / "mlproject.yaml").write_text(SPEC)
    result = run_mlspec("run", "mlproject.yaml", cwd=root, timeout=900)
    return root, result


def _by_status(outcome: Outcome) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for check in outcome.checks:
        found.setdefault(outcome.status(check), set()).add(
            f"{check.name} ({check.dataset})" if check.dataset else check.name
        )
    return found


def test_regression_checks_run_and_the_others_are_errored_or_not_applicable(regression_run) -> None:
    root, result = regression_run
    record = RunStore(root).latest()
    data, model = record.tests["data"], record.tests["model"]
    statuses = _by_status(model)
    ran = statuses.get("passed", set()) | statuses.get("warning", set()) | statuses.get("failed", set())
    assert {"RegressionErrorDistribution (train)", "RegressionErrorDistribution (test)"} <= ran, statuses
    # weak segments are looked for on the test set only (a model has none on its own training rows), and the
    # record says so; the check runs and does not error
    assert "WeakSegmentsPerformance (test)" in ran and not any(
        c.name == "WeakSegmentsPerformance" and c.dataset == "train" for c in model.checks
    ), statuses
    assert (
        "WeakSegmentsPerformance ran on the test set only: on its own training rows a model has no weak segments to find"
        in model.notes
    ), model.notes
    assert {
        "RocReport (train)",
        "ConfusionMatrixReport (test)",
        "CalibrationScore (train)",
        "BoostingOverfit",
    } <= statuses["not_applicable"]
    assert statuses["errored"] == {"UnusedFeatures (train)", "UnusedFeatures (test)"}
    errored = next(c for c in model.checks if c.name == "UnusedFeatures")
    assert errored.error == "ValueError" and errored.reason and not errored.ran

    data_statuses = _by_status(data)
    assert "FeatureDrift" in data_statuses["errored"]
    assert {"DateTrainTestLeakageDuplicates", "IndexTrainTestLeakage"} <= data_statuses["not_applicable"]
    assert data.passed is True and data.errored == "warn"  # an errored check is a warning by default
    # an ID-like text feature is no category, and the record says it was left out of the category checks
    assert any(
        n.startswith("text features with too many distinct values to be categories") and "customer_id" in n
        for n in data.notes
    ), data.notes
    # the run's own summary line counts what ran, never "N checks" for checks that did not run
    # the stage message says first that declared checks errored, then counts them
    assert record.stage("data_tests").message == f"{data.verdict()}: {data.counts_text()}"
    assert data.verdict().startswith("passed, but") and "errored" in data.counts_text()
    assert "data tests   passed" in result.stdout and data.counts_text() in result.stdout
    assert model.passed is False and model.errored == "fail"
    assert result.returncode == 1, result.stdout + result.stderr
    assert "[4/4] model tests ... FAILED" in result.stderr
    message = record.stage("model_tests").message
    assert message.startswith(f"model tests failed ({model.counts_text()}; ")
    assert "2 errored" in model.counts_text() and "7 not applicable" in model.counts_text()
    assert "\n  - UnusedFeatures (train): errored: ValueError: " in message
    stored = json.loads((RunStore(root).run_dir(record.run_id) / "model_tests.json").read_text())
    assert {c["status"] for c in stored["checks"]} >= {"errored", "not_applicable"}


def test_errored_fail_makes_the_gate_refuse(regression_run) -> None:
    root, _ = regression_run
    record = RunStore(root).latest()
    assert record.metrics["rmse"] < 1000  # the metric gate passes: the tests alone refuse
    gate = run_mlspec("gate", "mlproject.yaml", "--env", "staging", cwd=root)
    assert gate.returncode == 1, gate.stdout + gate.stderr
    model = record.tests["model"]
    failing = [c for c in model.checks if model.fails(c)]
    assert {"UnusedFeatures (train)", "UnusedFeatures (test)"} <= {f"{c.name} ({c.dataset})" for c in failing}
    row = next(line for line in gate.stdout.splitlines() if "model tests passed: " in line)
    assert (
        (
            f"the model tests of run {record.run_id} failed: {len(failing)} of {len(model.checks)} checks failed "
            "(fail_on: fail): "
        )
        in row
        and "UnusedFeatures (train)" in row
        and "promotion needs passing tests" in row
    )


def test_report_counts_every_status_and_lists_errors_first(regression_run) -> None:
    root, _ = regression_run
    record = RunStore(root).latest()
    data = record.tests["data"]
    counts = data.counts()
    assert sum(counts.values()) == len(data.checks) and counts["errored"] >= 1 and counts["not_applicable"] >= 1
    report = root / "report.md"
    result = run_mlspec("report", "mlproject.yaml", "--output", str(report), cwd=root)
    assert result.returncode == 0, result.stdout + result.stderr
    text = report.read_text()
    words = {
        "failed": "failed",
        "errored": "errored",
        "warning": "with warnings",
        "passed": "passed",
        "not_applicable": "not applicable",
    }
    parts = ", ".join(f"{n} {words[s]}" for s, n in counts.items())
    errored = counts["errored"]
    verdict = f"passed, but {errored} declared check{'s' if errored != 1 else ''} errored"
    # the verdict itself says that checks errored, not only the counts
    heading = f"#### ⚠️ Data tests: {verdict} ({len(data.checks)} checks: {parts}; fail_on: fail, errored: warn)"
    assert heading in text
    section = text[text.index(heading) : text.index("Model tests: failed")]
    assert "- ❗ **FeatureDrift** (train_test_validation): errored: ValueError: " in section
    inapplicable = section.index(
        f"<details><summary>{counts['not_applicable']} checks not applicable to this task or data"
    )
    assert section.index("❗ **FeatureDrift**") < inapplicable
    body = section[len(heading) :]  # the heading's own ⚠️ says that checks errored; warnings are listed below it
    if "⚠️" in body:
        assert body.index("❗ **FeatureDrift**") < body.index("⚠️")
    assert "- ➖ **IndexTrainTestLeakage** (train_test_validation): not applicable: " in section[inapplicable:]
    model_heading = next(line for line in text.splitlines() if "Model tests: failed" in line)
    assert "2 errored" in model_heading and "errored: fail" in model_heading
    assert "- ❌ **UnusedFeatures** (model_evaluation · train): errored: ValueError: " in text
