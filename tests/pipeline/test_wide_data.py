"""Wide data: the column cap of the checks that grow fast with columns, and each check's deadline."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest

from mlspec.pipeline.checks import WIDE_CHECKS, quiet_deepchecks, run_tests
from mlspec.pipeline.suite_run import run_suite
from mlspec.report.markdown import Detail, _tests_section
from mlspec.spec.models import DataTests

pytestmark = pytest.mark.slow  # runs deepchecks for real: `make test-fast` skips it


def wide(rows: int, columns: int, seed: int = 0) -> tuple[object, object]:
    from deepchecks.tabular import Dataset

    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(rng.normal(0, 1, (rows, columns)).round(3), columns=[f"f{i:05d}" for i in range(columns)])
    frame["y"] = (frame["f00000"] > 0).astype(int)
    features = [c for c in frame.columns if c != "y"]
    cut = rows * 3 // 4
    return (
        Dataset(frame.iloc[:cut], label="y", features=features, cat_features=[]),
        Dataset(frame.iloc[cut:], label="y", features=features, cat_features=[]),
    )


def test_wide_checks_see_at_most_max_columns_and_the_record_says_so(tmp_path, monkeypatch):
    monkeypatch.setenv("MLSPEC_CHECK_WORKERS", "1")
    train, test = wide(40, 300)
    tests = DataTests(
        suites=["data_integrity", "train_test_validation"],
        max_columns=12,
        skip=["OutlierSampleDetection", "TrainTestSamplesMix", "MultivariateDrift"],
    )
    outcome = run_tests("data", tests, (train, test), None, tmp_path, 0)
    assert outcome.columns == {
        "features": 300,
        "seen": 12,
        "rule": "first in table order",
        "checks": [
            "FeatureDrift",
            "FeatureFeatureCorrelation",
            "FeatureLabelCorrelation",
            "FeatureLabelCorrelationChange",
        ],
    }
    assert "12 of 300" in outcome.columns_note
    drift = [c for c in outcome.checks if c.name == "FeatureDrift"]
    assert drift and drift[0].ran
    section = "\n".join(_tests_section(outcome, Detail(passed_checks=False))[0])
    assert "12 of 300" in section and "max_columns" in section
    saved = (tmp_path / "data_tests.json").read_text()
    assert '"seen": 12' in saved


def test_narrowed_checks_get_only_the_first_features():
    from deepchecks.tabular import Suite
    from deepchecks.tabular.checks import FeatureDrift

    train, test = wide(40, 50)
    from mlspec.pipeline.checks import narrowed

    narrow = ({"FeatureDrift"}, narrowed(train, list(train.features)[:7]), narrowed(test, list(test.features)[:7]))
    with quiet_deepchecks():
        result = run_suite(Suite("s", FeatureDrift()), train, test, None, processes=1, narrow=narrow)
    assert sorted(result.results[0].value) == [f"f{i:05d}" for i in range(7)]


def test_narrow_tables_keep_every_check_under_the_cap(tmp_path, monkeypatch):
    monkeypatch.setenv("MLSPEC_CHECK_WORKERS", "1")
    train, test = wide(30, 20)
    outcome = run_tests("data", DataTests(suites=["data_integrity"], max_columns=100), (train, test), None, tmp_path, 0)
    assert outcome.columns is None and outcome.columns_note == ""
    assert set(WIDE_CHECKS) >= {"FeatureDrift", "FeatureFeatureCorrelation"}


def test_a_check_past_its_deadline_is_stopped_reported_not_passed_and_the_others_run(tmp_path, monkeypatch):
    from deepchecks.tabular.checks import IsSingleValue

    monkeypatch.setenv("MLSPEC_CHECK_WORKERS", "1")

    def forever(self, context, dataset_kind=None):
        while True:  # a Python loop, as deepchecks' per-column loops are
            time.sleep(0.01)

    monkeypatch.setattr(IsSingleValue, "run_logic", forever)
    train, test = wide(30, 5)
    tests = DataTests(suites=["data_integrity"], check_timeout_seconds=1)
    start = time.perf_counter()
    outcome = run_tests("data", tests, (train, test), None, tmp_path, 0)
    assert time.perf_counter() - start < 60
    stopped = [c for c in outcome.checks if c.name == "IsSingleValue"]
    assert stopped and not stopped[0].ran and not stopped[0].conditions and stopped[0].status == "errored"
    assert "tests.data.check_timeout_seconds" in stopped[0].reason
    assert outcome.timed_out == ["IsSingleValue (train)"]  # it runs on the training set only (TRAIN_ONLY)
    assert "IsSingleValue (train)" in "\n".join(_tests_section(outcome, Detail(passed_checks=False))[0])
    assert any(c.ran for c in outcome.checks if c.name != "IsSingleValue")


def test_a_configured_check_past_its_deadline_fails_the_tests(tmp_path, monkeypatch):
    from deepchecks.tabular.checks import IsSingleValue

    monkeypatch.setenv("MLSPEC_CHECK_WORKERS", "1")
    monkeypatch.setattr(IsSingleValue, "run_logic", lambda self, context, dataset_kind=None: time.sleep(30))
    train, test = wide(30, 5)
    tests = DataTests(suites=[], checks=[{"name": "IsSingleValue"}], check_timeout_seconds=1)
    outcome = run_tests("data", tests, (train, test), None, tmp_path, 0)
    assert not outcome.passed and outcome.timed_out
