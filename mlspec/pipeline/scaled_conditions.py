"""deepchecks conditions whose limit depends on the rows behind each figure (mlspec.pipeline.noise says how):
TrainTestPerformance's degradation per class, NewCategoryTrainTest's share of new categories per feature."""

from __future__ import annotations

import math
from typing import Any

from mlspec.pipeline import noise


def _relative_change(train: float, test: float) -> float:
    """(train - test) / |train|, as deepchecks' own degradation condition computes it."""
    if train == 0:
        return 0.0 if test == 0 else 1.0
    return (train - test) / abs(train)


def degradation_name(base: float) -> str:
    return (
        f"Train-Test scores relative degradation is less than {base} + "
        f"{noise.CLASS_METRIC_NOISE}/(sqrt(n) * train score), n the class's test rows"
    )


def degradation_fails(value: Any, base: float) -> Any:
    """TrainTestPerformance's condition of a classifier: each (class, metric) fails when its relative degradation
    reaches ``noise.degradation_limit(base, n, train score)``, n being that class's test rows."""
    import pandas as pd
    from deepchecks.core import ConditionCategory, ConditionResult

    frame: pd.DataFrame = value
    column = "Class Name" if "Class Name" in frame.columns and not frame["Class Name"].isna().all() else "Class"
    test = frame[frame["Dataset"] == "Test"]
    train = frame[frame["Dataset"] == "Train"]
    rows: list[tuple[float, float, str, Any, int]] = []  # (degradation, limit, metric, class, n)
    for _, row in test.iterrows():
        same = train[(train["Metric"] == row["Metric"])]
        same = same[same[column].isna()] if pd.isna(row[column]) else same[same[column] == row[column]]
        if same.empty or pd.isna(row["Value"]) or pd.isna(same["Value"].iloc[0]):
            continue
        n = int(row["Number of samples"])
        train_score = float(same["Value"].iloc[0])
        degradation = _relative_change(train_score, float(row["Value"]))
        limit = noise.degradation_limit(base, n, train_score)
        rows.append((degradation, limit, str(row["Metric"]), row[column], n))
    if not rows:
        return ConditionResult(ConditionCategory.PASS, "No scores to compare")

    def describe(item: tuple[float, float, str, Any, int]) -> str:
        degradation, limit, metric, cls, n = item
        where = "" if pd.isna(cls) else f" of class {cls}"
        return f"{metric}{where}: {degradation:.1%} (limit {limit:.0%}, {n:,} test rows)"

    failing = sorted((r for r in rows if r[0] >= r[1]), key=lambda r: r[0] - r[1], reverse=True)
    if failing:
        shown = "; ".join(describe(r) for r in failing[:3])
        more = f" and {len(failing) - 3} more" if len(failing) > 3 else ""
        return ConditionResult(ConditionCategory.FAIL, f"{len(failing)} scores degraded past the limit: {shown}{more}")
    worst = max(rows, key=lambda r: r[0] / r[1] if r[1] else math.inf)
    return ConditionResult(ConditionCategory.PASS, f"Closest to its limit: {describe(worst)}")


NEW_CATEGORY_NAME = (
    "Ratio of samples with a new category is at most the share of training rows whose value occurs once "
    "(Good-Turing) plus 3 standard errors"
)


def new_categories_fail(value: Any, limits: dict[str, float]) -> Any:
    """NewCategoryTrainTest's condition: each feature's share of test rows with a value training never saw must
    stay within its own limit (``limits``: feature -> noise.new_category_limit; 0 for a feature not listed)."""
    from deepchecks.core import ConditionCategory, ConditionResult

    failing = []
    closest = ""
    for feature, ratio in value["Ratio of New Categories"].items():
        limit = limits.get(str(feature), 0.0)
        text = f"{feature}: {float(ratio):.2%} (limit {limit:.2%})"
        if float(ratio) > limit:
            failing.append(text)
        elif float(ratio) > 0 and not closest:
            closest = text
    if failing:
        return ConditionResult(
            ConditionCategory.FAIL,
            f"Found {len(failing)} features with new categories past the limit: {'; '.join(failing)}",
        )
    return ConditionResult(
        ConditionCategory.PASS,
        f"Passed for {len(value)} features" + (f"; new categories in {closest}" if closest else ""),
    )
