"""Default model-test conditions do not fail a typical healthy model (issue 14 item 2): a
HistGradientBoosting regressor on generated messy sales data (missing values, string categoricals, a
text datetime, repeated customers) split by time passes mlspec's per-task train->test degradation
limit, a skipped check does not run, and the report shows each condition with its threshold."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mlspec.spec.models import DEGRADATION_LIMITS
from tests.helpers import run_mlspec
from tests.pipeline.test_data import project

pytestmark = pytest.mark.slow  # trains and runs deepchecks for real: `make test-fast` skips it


def test_healthy_regressor_passes_the_default_conditions_and_the_report_shows_thresholds(tmp_path: Path) -> None:
    spec = project(tmp_path, "{method: time, test_size: 0.2}")
    text = spec.read_text().replace(
        "evaluate:\n  task: regression\n",
        "evaluate:\n  task: regression\n"
        "tests:\n  data: {skip: [OutlierSampleDetection]}\n"
        "  model: {skip: [ModelInferenceTime]}\n",
    )
    spec.write_text(text)
    result = run_mlspec("run", str(spec), cwd=tmp_path, timeout=900)
    assert result.returncode == 0, result.stdout + result.stderr
    record = json.loads(next((tmp_path / ".mlspec" / "runs").glob("*/record.json")).read_text())
    model = {c["name"]: c for c in record["tests"]["model"]["checks"]}
    [condition] = model["TrainTestPerformance"]["conditions"]
    assert condition["category"] == "PASS", condition
    assert f"less than {DEGRADATION_LIMITS['regression']}" in condition["name"]
    assert "ModelInferenceTime" not in model and record["tests"]["model"]["skipped"] == ["ModelInferenceTime"]
    assert "OutlierSampleDetection" not in {c["name"] for c in record["tests"]["data"]["checks"]}

    report = tmp_path / "report.md"
    result = run_mlspec("report", str(spec), "--output", str(report), cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    text = report.read_text()
    assert condition["name"] in text  # the passed check's condition, threshold included
    assert "- ⏭️ not run (tests.model.skip): ModelInferenceTime" in text
    assert "- split `time`, by `sold_at`, test 0.2 of the rows, train until" in text
