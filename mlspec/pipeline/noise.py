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
