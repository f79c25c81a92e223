"""mlspec's default conditions where deepchecks' own would fail healthy models by sampling noise alone."""

from __future__ import annotations

import math
from types import SimpleNamespace

import pytest

from mlspec.pipeline.checks import build_suite, systematic_ratio_limit


def test_systematic_ratio_limit_is_three_standard_errors_never_below_deepchecks_default() -> None:
    assert systematic_ratio_limit(100) == 0.3
    assert systematic_ratio_limit(569) == 0.13  # 3 / sqrt(569) = 0.1258, rounded up
    assert systematic_ratio_limit(90_000) == 0.01
    assert systematic_ratio_limit(10_000_000) == 0.01
    assert systematic_ratio_limit(0) == 3.0
    for rows in (37, 200, 4_999, 20_000):
        assert systematic_ratio_limit(rows) >= 3 / math.sqrt(rows)


@pytest.mark.slow  # imports deepchecks
def test_regression_suite_uses_the_row_dependent_limit() -> None:
    tests = SimpleNamespace(suites=["model_evaluation"], checks=[], skip=[], n_samples=1_000)
    suite, _ = build_suite("model", tests, seed=0, task="regression", rows=400)
    (check,) = [c for c in suite.checks.values() if type(c).__name__ == "RegressionErrorDistribution"]
    names = [c.name for c in check._conditions.values()]
    assert len(names) == 2 and any(n.endswith("lower than 0.15") for n in names), names  # 3 / sqrt(400)
    suite, _ = build_suite("model", tests, seed=0, task="regression", rows=50_000)  # n_samples caps what it sees
    (check,) = [c for c in suite.checks.values() if type(c).__name__ == "RegressionErrorDistribution"]
    assert any(
        c.name.endswith("lower than 0.1") for c in check._conditions.values()
    )  # 3 / sqrt(1,000) = 0.0949, rounded up
