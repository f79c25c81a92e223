"""A check short of what it needs (feature importance, test rows) is not applicable with a reason, not errored."""

from __future__ import annotations

import pytest

from mlspec.pipeline.inapplicable import WEAK_SEGMENTS_MIN_ROWS, inapplicable_reason


class DeepchecksProcessError(Exception):
    """Named like deepchecks' own: the rule matches the exception's class name."""


def test_unused_features_without_feature_importance_is_not_applicable() -> None:
    reason = inapplicable_reason("UnusedFeatures", ValueError("Feature Importance is not available."), None)
    assert "no feature importance" in reason and "HistGradientBoosting" in reason
    assert inapplicable_reason("UnusedFeatures", ValueError("shapes do not match"), None) == ""  # a real error


def test_weak_segments_on_too_few_test_rows_is_not_applicable() -> None:
    small = {"train": 112, "test": 38}
    assert "38 rows, under the 100" in inapplicable_reason("WeakSegmentsPerformance", KeyError("x"), small)
    process = DeepchecksProcessError(
        "WeakSegmentsPerformance was unable to train an error model to find weak segments."
    )
    assert "1,500 rows: too few" in inapplicable_reason("WeakSegmentsPerformance", process, {"test": 1_500})
    large = {"train": 4_500, "test": WEAK_SEGMENTS_MIN_ROWS}
    assert inapplicable_reason("WeakSegmentsPerformance", KeyError("x"), large) == ""  # enough rows: a real error
    assert inapplicable_reason("FeatureDrift", KeyError("x"), small) == ""


@pytest.mark.slow  # imports deepchecks
def test_summarize_reports_them_as_not_applicable_with_the_reason() -> None:
    from types import SimpleNamespace

    from deepchecks.core.check_result import CheckFailure
    from deepchecks.core.errors import DeepchecksValueError
    from deepchecks.tabular.checks import UnusedFeatures, WeakSegmentsPerformance

    from mlspec.pipeline.checks import summarize

    unused, weak, other = UnusedFeatures(), WeakSegmentsPerformance(), UnusedFeatures()
    results = SimpleNamespace(
        results=[
            CheckFailure(unused, DeepchecksValueError("Feature Importance is not available.")),
            CheckFailure(weak, ValueError("Found array with 0 sample(s)")),
            CheckFailure(other, DeepchecksValueError("something else broke")),
        ]
    )
    origin = {id(unused): "model_evaluation", id(weak): "model_evaluation", id(other): "model_evaluation"}
    outcome = summarize("model", results, origin, "fail", "fail", rows={"train": 112, "test": 38})
    statuses = [(c.name, c.status, c.error) for c in outcome.checks]
    assert statuses == [
        ("UnusedFeatures", "not_applicable", ""),
        ("WeakSegmentsPerformance", "not_applicable", ""),
        ("UnusedFeatures", "errored", "DeepchecksValueError"),
    ]
    assert "38 rows" in outcome.checks[1].reason
    assert not outcome.passed  # under `errored: fail` the real error still fails; the two others do not
    outcome = summarize(
        "model", SimpleNamespace(results=results.results[:2]), origin, "fail", "fail", rows={"test": 38}
    )
    assert outcome.passed
