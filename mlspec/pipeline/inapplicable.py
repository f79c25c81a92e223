"""Checks that cannot say anything about this model or this little data, told apart from checks that broke: their
exception is reported as *not applicable*, with the reason in mlspec's words, instead of *errored*."""

from __future__ import annotations

# Below this many test rows WeakSegmentsPerformance is not applicable whatever it raises: it trains an error model
# on the test rows and looks for segments of at least 5% of them (deepchecks' segment_minimum_size_ratio), so under
# 100 rows a segment is 5 rows or fewer, and it fails for want of rows (iris' 38, wine's 45).
WEAK_SEGMENTS_MIN_ROWS = 100


def inapplicable_reason(check: str, error: BaseException, rows: dict[str, int] | None) -> str:
    """Why ``check``'s ``error`` means the check does not apply here ("" when it is a real error)."""
    text = str(error)
    if check == "UnusedFeatures" and "Feature Importance is not available" in text:
        return (
            "the model has no feature importance (no feature_importances_ or coef_, e.g. HistGradientBoosting, "
            "and no permutation importance was computed), which UnusedFeatures needs"
        )
    if check == "WeakSegmentsPerformance":
        test = (rows or {}).get("test")
        few = f"the test set has {test:,} rows" if test is not None else "too few rows"
        if type(error).__name__ == "DeepchecksProcessError" and "unable to train an error model" in text:
            return f"{few}: too few to find weak segments (deepchecks could not train its error model)"
        if test is not None and test < WEAK_SEGMENTS_MIN_ROWS:
            return f"{few}, under the {WEAK_SEGMENTS_MIN_ROWS} needed to find weak segments ({type(error).__name__})"
    return ""
