"""mlspec's default conditions where deepchecks' own would fail healthy models by sampling noise alone."""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
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


def test_drift_limits_shrink_with_the_sample_never_below_deepchecks_defaults() -> None:
    from mlspec.pipeline import noise

    small, large = noise.Sizes(train=133, test=45, numeric=13), noise.Sizes(train=80_000, test=20_000, numeric=13)
    assert noise.numeric_drift_limit(small) == pytest.approx(0.35, abs=0.01)  # sqrt(ln(2600)/2) / sqrt(33.6)
    assert noise.numeric_drift_limit(large) == 0.2  # deepchecks' own limit, where it is no longer noise
    assert noise.multivariate_limit(small) > 0.25 == noise.multivariate_limit(large)
    assert noise.pps_difference_limit(small) == pytest.approx(0.82, abs=0.01)  # 5.5 / sqrt(45)
    assert noise.pps_difference_limit(large) == 0.2
    assert noise.identifier_limit(112) == 0.29 and noise.identifier_limit(1_000_000) == 0.01
    assert noise.label_drift_limit(noise.Sizes(train=100_000, test=100_000, classes=3)) == 0.15
    for rows in (50, 200, 1_000, 10_000):
        sizes = noise.Sizes(train=3 * rows, test=rows, numeric=5, categorical=2, categories=6, classes=3)
        bigger = noise.Sizes(train=6 * rows, test=2 * rows, numeric=5, categorical=2, categories=6, classes=3)
        for limit in (
            noise.numeric_drift_limit,
            noise.categorical_drift_limit,
            noise.label_drift_limit,
            noise.multivariate_limit,
            noise.pps_difference_limit,
        ):
            assert limit(bigger) <= limit(sizes)


@pytest.mark.slow  # one of the slowest of `make test-fast` (measured with --durations): runs in `make test`
def test_random_splits_of_one_sample_pass_the_drift_limits_but_a_shift_fails() -> None:
    """The limits are quantiles of the statistics under a random split: simulated splits exceed them rarely
    (ALPHA = 1% over all columns), and a real shift of half a standard deviation still fails on 150 rows."""
    from scipy.stats import chi2_contingency, ks_2samp

    from mlspec.pipeline import noise

    rng = np.random.default_rng(0)
    train, test, columns, reps = 112, 38, 13, 300
    sizes = noise.Sizes(train=train, test=test, numeric=columns, categorical=columns, categories=4)
    ks, cv = noise.numeric_drift_limit(sizes), noise.categorical_drift_limit(sizes)
    ks_over = cv_over = 0
    for _ in range(reps):
        data = rng.normal(size=(train + test, columns))
        ks_over += max(ks_2samp(data[:train, j], data[train:, j]).statistic for j in range(columns)) > ks
        codes = rng.integers(0, 4, size=(train + test, columns))
        worst = 0.0
        for j in range(columns):
            table = np.array([np.bincount(codes[:train, j], minlength=4), np.bincount(codes[train:, j], minlength=4)])
            worst = max(worst, math.sqrt(chi2_contingency(table, correction=False)[0] / (train + test)))
        cv_over += worst > cv
    assert ks_over / reps <= 0.03 and cv_over / reps <= 0.03, (ks_over, cv_over)
    shifted = [ks_2samp(rng.normal(size=train), rng.normal(1.0, 1, size=test)).statistic for _ in range(50)]
    assert (
        np.mean(np.array(shifted) > ks) > 0.5
    )  # a shift of 1 sd is found most of the time on 38 test rows (0.8 sd: half the time)


@pytest.mark.slow  # imports deepchecks
def test_suites_get_the_scaled_limits_and_no_inference_time_condition() -> None:
    from mlspec.pipeline import noise

    sizes = noise.Sizes(train=133, test=45, numeric=13, classes=3)
    tests = SimpleNamespace(suites=["data_integrity", "train_test_validation"], checks=[], skip=[], n_samples=10_000)
    suite, _ = build_suite("data", tests, seed=0, task="multiclass", rows=45, sizes=sizes)
    conditions = {type(c).__name__: [x.name for x in c._conditions.values()] for c in suite.checks.values()}
    assert any("numerical drift score < 0.35" in n for n in conditions["FeatureDrift"]), conditions["FeatureDrift"]
    assert conditions["MultivariateDrift"] == [f"Drift value is less than {noise.multivariate_limit(sizes)}"]
    assert any("difference is less than 0.82" in n for n in conditions["FeatureLabelCorrelationChange"])
    assert any("less than 0.99" in n for n in conditions["FeatureLabelCorrelation"])
    assert any("above 0.99" in n for n in conditions["FeatureFeatureCorrelation"])
    # one condition for the training and the test set: the test set's 45 rows decide the identifier limit
    assert conditions["IdentifierLabelCorrelation"] == [
        f"Identifier columns PPS is less or equal to {noise.identifier_limit(45)}"
    ], conditions["IdentifierLabelCorrelation"]
    tests = SimpleNamespace(suites=["model_evaluation"], checks=[], skip=[], n_samples=10_000)
    suite, _ = build_suite("model", tests, seed=0, task="multiclass", rows=45, sizes=sizes)
    (timing,) = [c for c in suite.checks.values() if type(c).__name__ == "ModelInferenceTime"]
    assert not timing._conditions  # measured and shown, never failed: a time per row depends on the runner's load


def test_the_chi_square_quantile_is_close_to_the_exact_one_and_not_below_it() -> None:
    from scipy.stats import chi2

    from mlspec.pipeline.noise import chi2_quantile

    for df in (1, 2, 5, 20, 149):
        for p in (0.99, 0.999, 0.9999):
            exact = chi2.ppf(p, df)
            assert exact * 0.99 <= chi2_quantile(p, df) <= exact * 1.08, (df, p)


def test_the_degradation_limit_of_a_class_grows_with_the_noise_of_its_few_test_rows() -> None:
    from mlspec.pipeline import noise

    assert noise.degradation_limit(0.2, 30) == 0.48  # 0.2 + 1.5 / sqrt(30): fraud-imbalanced's 30 positives
    assert noise.degradation_limit(0.2, 200) == 0.31
    assert noise.degradation_limit(0.3, 1_000_000) == 0.31  # where the noise is gone, about the task's limit
    assert noise.degradation_limit(0.2, 0) == 1.7  # no rows: anything goes, never a division by zero
    assert noise.degradation_limit(0.2, 364, 0.24) == 0.53  # relative to a small training score: noisier
    limits = [noise.degradation_limit(0.2, n) for n in (10, 30, 100, 1_000, 10_000)]
    assert limits == sorted(limits, reverse=True)


def test_the_new_category_limit_is_good_turing_plus_noise_and_rarely_fails_a_random_split() -> None:
    """Random train/test draws of one categorical exceed the limit rarely; a test set where 3% of the rows carry
    values training never had fails; a column whose values all recur in training keeps deepchecks' 0."""
    import pandas as pd

    from mlspec.pipeline import noise

    assert noise.unseen_estimate(pd.Series(["de", "fr"] * 3 + [None])) == (0.0, 0.0)
    share, variance = noise.unseen_estimate(pd.Series(["a", "b", "b", "c", "c", "c"]))  # 1 seen once, 1 twice
    assert share == pytest.approx(1 / 6) and variance == pytest.approx((1 * (1 - 1 / 6) + 2) / 36)
    assert noise.new_category_limit(0.0, 0.0, 1_000) == 0.0
    rng = np.random.default_rng(1)
    over, shifted = 0, 0
    reps = 200
    for _ in range(reps):
        train, test = rng.integers(0, 700, 4_500), rng.integers(0, 700, 1_500)  # merchant-risk's shape
        limit = noise.new_category_limit(*noise.unseen_estimate(pd.Series(train)), 1_500)
        over += float(np.mean(~np.isin(test, train))) > limit
        test[:45] = 10_000 + np.arange(45)  # 3% of the test rows from merchants training never saw
        shifted += float(np.mean(~np.isin(test, train))) > limit
    assert over / reps <= 0.03 and shifted == reps, (over, shifted)


@pytest.mark.slow  # imports deepchecks
def test_classifier_suites_get_the_per_class_degradation_and_new_category_conditions() -> None:
    import pandas as pd

    from mlspec.pipeline import noise, scaled_conditions

    tests = SimpleNamespace(suites=["model_evaluation"], checks=[], skip=[], n_samples=10_000)
    suite, _ = build_suite("model", tests, seed=0, task="binary", rows=1_500)
    (check,) = [c for c in suite.checks.values() if type(c).__name__ == "TrainTestPerformance"]
    assert [c.name for c in check._conditions.values()] == [scaled_conditions.degradation_name(0.2)]
    frame = pd.DataFrame(
        [
            ["Train", True, "Recall", 1.0, 120],
            ["Test", True, "Recall", 0.67, 30],  # 33% on 30 rows: within 0.48
            ["Train", False, "Recall", 1.0, 5_000],
            ["Test", False, "Recall", 0.99, 1_500],
        ],
        columns=["Dataset", "Class", "Metric", "Value", "Number of samples"],
    )
    assert scaled_conditions.degradation_fails(frame, base=0.2).category.value == "PASS"
    frame.loc[3, "Value"] = 0.67  # 33% on 1,500 rows: past 0.24
    result = scaled_conditions.degradation_fails(frame, base=0.2)
    assert result.category.value == "FAIL" and "class False" in result.details and "1,500 test rows" in result.details

    sizes = noise.Sizes(train=4_500, test=1_500, categorical=1, categories=700, unseen=(("merchant", 0.0011, 2.5e-6),))
    tests = SimpleNamespace(suites=["train_test_validation"], checks=[], skip=[], n_samples=10_000)
    suite, _ = build_suite("data", tests, seed=0, task="binary", rows=1_500, sizes=sizes)
    (check,) = [c for c in suite.checks.values() if type(c).__name__ == "NewCategoryTrainTest"]
    (condition,) = check._conditions.values()
    value = pd.DataFrame({"Ratio of New Categories": [0.004, 0.001]}, index=["merchant", "country"])
    result = condition.function(value, **condition.params)
    assert result.category.value == "FAIL" and "country" in result.details  # country had no rare values: limit 0
    value.loc["country", "Ratio of New Categories"] = 0.0
    assert condition.function(value, **condition.params).category.value == "PASS"  # 0.4% within 0.66%


def _comparison(origin: dict[object, float], simple: dict[object, float]) -> dict[str, object]:
    """SimpleModelComparison's result value: F1 per class of the model (Origin) and of the constant (Simple)."""
    from deepchecks.tabular.utils.task_type import TaskType

    classes = {c: {"Origin": origin[c], "Simple": simple[c]} for c in origin}
    return {"scores": {"F1": classes}, "type": TaskType.BINARY, "scorers_perfect": {"F1": 1.0}}


@pytest.mark.slow  # imports deepchecks
def test_the_gain_over_the_constant_model_is_not_asked_of_the_class_the_constant_predicts() -> None:
    """merchant-risk's figures (24% positives): the F1 of the majority class gained 1.56% over always predicting it,
    which deepchecks' per-class default fails although a model knowing the true probabilities gains little more;
    mlspec asks the gain of the classes the constant never predicts, and of the average over all classes."""
    from mlspec.pipeline import gain_condition

    tests = SimpleNamespace(suites=["model_evaluation"], checks=[], skip=[], n_samples=10_000)
    suite, _ = build_suite("model", tests, seed=0, task="binary", rows=1_500)
    (check,) = [c for c in suite.checks.values() if type(c).__name__ == "SimpleModelComparison"]
    (condition,) = check._conditions.values()
    assert condition.name == gain_condition.NAME

    def verdict(origin: dict[object, float], simple: dict[object, float]) -> tuple[str, str]:
        result = condition.function(_comparison(origin, simple), **condition.params)
        return result.category.value, result.details

    constant = {0: 0.862, 1: 0.0}  # always 0 on 76% zeros: F1 of class 0 is 2 * 0.76 / 1.76
    healthy = {0: 0.8635, 1: 0.31}  # class 0 gains 1.1%, class 1 31%, their average 20%
    assert verdict(healthy, constant)[0] == "PASS"
    # deepchecks' own condition fails the same figures on class 0
    deepchecks_default = type(check)().add_condition_gain_greater_than()
    (own,) = deepchecks_default._conditions.values()
    assert own.function(_comparison(healthy, constant), **own.params).category.value == "FAIL"
    # no better than the constant: fails, and says on what
    category, details = verdict(dict(constant), constant)
    assert category == "FAIL" and "F1 of class 1: 0.0%" in details and "averaged over 2 classes: 0.0%" in details
    # a model that ignores the minority class fails on it even when the average gains
    category, details = verdict({0: 0.99, 1: 0.05}, constant)
    assert category == "FAIL" and "class 1: 5.0%" in details and "class 0" not in details
    # multiclass: the two classes the constant never predicts are each judged
    three = {"a": 0.5, "b": 0.0, "c": 0.0}
    category, details = verdict({"a": 0.9, "b": 0.8, "c": 0.08}, three)
    assert category == "FAIL" and "class c: 8.0%" in details and "class b" not in details


@pytest.mark.slow  # imports deepchecks
def test_a_regressor_and_a_configured_strategy_keep_deepchecks_own_gain_condition() -> None:
    from mlspec.pipeline import gain_condition

    tests = SimpleNamespace(suites=["model_evaluation"], checks=[], skip=[], n_samples=10_000)
    suite, _ = build_suite("model", tests, seed=0, task="regression", rows=400)
    (check,) = [c for c in suite.checks.values() if type(c).__name__ == "SimpleModelComparison"]
    assert [c.name for c in check._conditions.values()] != [gain_condition.NAME]
