"""Limits of deepchecks' drift and correlation conditions that scale with the sample size.

deepchecks' default limits are fixed numbers (drift score < 0.2, PPS difference < 0.2, identifier PPS <= 0) that
only large samples meet by chance: on the 38 to 150 test rows of scikit-learn's bundled datasets, a random split
of healthy data failed them (FeatureDrift, FeatureLabelCorrelationChange, MultivariateDrift,
IdentifierLabelCorrelation). Each limit here is a high quantile of the statistic's distribution when train and
test are a random split of the same data (the null distribution), never below deepchecks' own default:

- Kolmogorov-Smirnov (numeric FeatureDrift, LabelDrift/PredictionDrift of a regression): sqrt(n_eff) * KS has
  Kolmogorov's distribution, n_eff = n_train * n_test / (n_train + n_test); the limit is its 1 - ALPHA / columns
  quantile, sqrt(ln(2 * columns / ALPHA) / 2) / sqrt(n_eff) (Bonferroni over the columns tested).
- Cramer's V (categorical FeatureDrift, LabelDrift/PredictionDrift of a classifier): n * V^2 is chi-square with
  categories - 1 degrees of freedom on the n = n_train + n_test rows; the limit is sqrt(chi2(1 - ALPHA / columns) / n).
- MultivariateDrift (2 * AUC - 1 of a domain classifier), the PPS difference of FeatureLabelCorrelationChange and
  the PPS of an identifier (IdentifierLabelCorrelation) have no closed form: their limits are C / sqrt(n) with C
  above the largest value measured on random splits (constants below, evidence in each comment).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

ALPHA = 0.01  # chance that one random split of healthy data fails a drift condition, over all its columns


@dataclass(frozen=True)
class Sizes:
    """What the limits depend on: rows each dataset holds (after sampling), and the columns tested."""

    train: int
    test: int
    numeric: int = 1  # numeric features
    categorical: int = 0  # categorical features
    categories: int = 2  # most distinct values of a categorical feature
    classes: int = 0  # label classes (0: regression)
    # per categorical feature: (name, Good-Turing share of new rows whose value training never saw, its variance)
    unseen: tuple[tuple[str, float, float], ...] = ()

    @property
    def effective(self) -> float:
        """n_train * n_test / (n_train + n_test): the sample size of a two-sample statistic."""
        total = self.train + self.test
        return self.train * self.test / total if total else 1.0


def _up(value: float, floor: float) -> float:
    """Rounded up to 2 decimals (the report shows the limit), never below ``floor``."""
    return max(floor, math.ceil(value * 100 - 1e-9) / 100)


def ks_limit(effective: float, columns: int = 1, floor: float = 0.2) -> float:
    """Largest Kolmogorov-Smirnov statistic of ``columns`` columns that random splits exceed with chance ALPHA."""
    x = math.sqrt(math.log(2 * max(columns, 1) / ALPHA) / 2)
    return _up(x / math.sqrt(max(effective, 1.0)), floor)


def cramers_v_limit(rows: int, categories: int, columns: int = 1, floor: float = 0.2) -> float:
    """Largest Cramer's V (train vs test, ``categories`` values) random splits exceed with chance ALPHA."""
    q = chi2_quantile(1 - ALPHA / max(columns, 1), max(categories - 1, 1))
    return _up(math.sqrt(q / max(rows, 1)), floor)


def chi2_quantile(p: float, df: int) -> float:
    """The chi-square quantile by Wilson and Hilferty's cube-root approximation: for the 0.99 to 0.9999 quantiles
    used here, within 1% below and 7% above the exact value (above for few degrees of freedom: the safe side)."""
    from statistics import NormalDist

    z = NormalDist().inv_cdf(p)
    a = 2 / (9 * df)
    return df * (1 - a + z * math.sqrt(a)) ** 3


# Measured: largest 2*AUC-1 of MultivariateDrift on 12 random stratified splits (25% test) each of load_iris, load_wine,
# load_breast_cancer, load_diabetes and make_classification (600 rows), times sqrt(n_eff): 3.13 (diabetes, 0.34 on
# 110 test rows; mean of the 60 splits 0.46; 4 splits of 60 above 2); so 4.
MULTIVARIATE = 4.0
# Measured: largest |train PPS - test PPS| of any feature on the same 60 splits, times sqrt(n_test): 4.45
# (breast cancer, 0.37 on 143 test rows; wine 3.61, 0.54 on 45 rows; mean 1.83); so 5.5.
PPS_DIFFERENCE = 5.5
# Measured: PPS of a random row id for the label (IdentifierLabelCorrelation) on 10 random 75% samples of each
# dataset, times sqrt(n): up to 2.19 (iris, 112 rows); so 3.
IDENTIFIER_PPS = 3.0
# A leak is a feature that (nearly) is the label: its PPS is 1.0. Healthy features reach 0.976 (iris' petal width
# in train, 12 splits), so only a PPS of 0.99 or more is flagged (deepchecks: 0.8 and, in train, 0.7).
LEAK_PPS = 0.99
# Correlated features are ordinary (iris' petal length and width: 0.96; neighbouring pixels of load_digits: > 0.9);
# a pair above 0.99 is a near-copy of a column (deepchecks: any pair above 0.9).
NEAR_COPY = 0.99
# One near-copy pair is tolerated per 20 features: sparse columns correlate above 0.99 through their zeros (two edge
# pixels of load_digits, nonzero in under 1% of the images). A copied column in a table of fewer than 20 features
# fails.
NEAR_COPY_FEATURES = 20
# Duplicated rows (deepchecks' limit, 5%), as a failure: deepchecks only warns.
DUPLICATES = 0.05


def near_copies_allowed(sizes: Sizes) -> int:
    return (sizes.numeric + sizes.categorical) // NEAR_COPY_FEATURES


def multivariate_limit(sizes: Sizes) -> float:
    return _up(MULTIVARIATE / math.sqrt(max(sizes.effective, 1.0)), 0.25)


def pps_difference_limit(sizes: Sizes) -> float:
    return _up(PPS_DIFFERENCE / math.sqrt(max(sizes.test, 1)), 0.2)


def identifier_limit(rows: int) -> float:
    return _up(IDENTIFIER_PPS / math.sqrt(max(rows, 1)), 0.0)


def numeric_drift_limit(sizes: Sizes) -> float:
    return ks_limit(sizes.effective, sizes.numeric)


def categorical_drift_limit(sizes: Sizes) -> float:
    return cramers_v_limit(sizes.train + sizes.test, sizes.categories, sizes.categorical)


def label_drift_limit(sizes: Sizes) -> float:
    """LabelDrift and PredictionDrift: Cramer's V over the classes, or KS for a regression (one column)."""
    if sizes.classes >= 2:
        return cramers_v_limit(sizes.train + sizes.test, sizes.classes, 1, floor=0.15)
    return ks_limit(sizes.effective, 1, floor=0.15)


# A per-class metric of a classifier (precision, recall or F1 of one class) measured on the n test rows of that
# class is a proportion: its standard error is at most 0.5 / sqrt(n). TrainTestPerformance's relative degradation
# (train - test) / train carries that noise, divided by the training score, on top of the real train-test gap; so
# each class's limit is the task's limit (models.DEGRADATION_LIMITS, the gap healthy models showed on large test
# sets) plus 3 standard errors: 1.5 / (sqrt(n) * train score). Measured: recall of the 30 positives of
# fraud-imbalanced (1:50, HistGradientBoosting, training recall 1.0) degraded 33% (limit now 0.48); precision of the
# ~135 `stayed` test rows of churn-stayed (a group split, random forest) 22.9% (limit now 0.33 or more).
CLASS_METRIC_NOISE = 1.5


def degradation_limit(base: float, class_rows: int, train_score: float = 1.0) -> float:
    """TrainTestPerformance's relative degradation limit of a class with ``class_rows`` test rows whose score on
    the training rows is ``train_score`` (at most 1; the noise of a small score is large relative to it)."""
    score = min(max(abs(train_score), 0.01), 1.0)
    return _up(base + CLASS_METRIC_NOISE / (math.sqrt(max(class_rows, 1)) * score), base)


def unseen_estimate(train_values: object) -> tuple[float, float]:
    """Good-Turing's estimate of the chance that a new row's value was never seen in ``train_values`` (a pandas
    Series, missing values left out): N1 / N, the share of the N training rows whose value occurs exactly once;
    and Esty's (1983) variance of that estimate, (N1 * (1 - N1 / N) + 2 * N2) / N^2, N2 the values seen twice."""
    import pandas as pd

    counts = pd.Series(train_values).dropna().value_counts()
    total = int(counts.sum())
    if not total:
        return 0.0, 0.0
    once, twice = int((counts == 1).sum()), int((counts == 2).sum())
    return once / total, (once * (1 - once / total) + 2 * twice) / total**2


def new_category_limit(unseen: float, variance: float, test: int) -> float:
    """Largest share of test rows with a category unseen in training that is still sampling: the Good-Turing share
    ``unseen`` plus 3 standard errors of the test share (binomial, about unseen / n_test) and of the estimate
    (``variance``). 0 when no training value occurs once or twice (deepchecks' own limit: a new category is then
    a finding). Rounded up to 0.01%. Measured: merchant-risk (700 merchants, 4,500 training rows: 5 seen once, 23
    twice) had 0.40% of its 1,500 test rows with a merchant training never saw; the limit is 0.66%."""
    spread = math.sqrt(unseen / max(test, 1) + variance)
    return math.ceil((unseen + 3 * spread) * 10_000 - 1e-9) / 10_000
