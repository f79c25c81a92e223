"""Which metrics each task can compute and which way is better. No heavy imports."""

from __future__ import annotations

from typing import Literal

Task = Literal["binary", "multiclass", "regression"]
Direction = Literal["higher", "lower"]

_CLASSIFICATION_COMMON: dict[str, Direction] = {
    "accuracy": "higher",
    "balanced_accuracy": "higher",
    "log_loss": "lower",
}

METRICS: dict[str, dict[str, Direction]] = {
    "binary": {
        **_CLASSIFICATION_COMMON,
        "precision": "higher",
        "recall": "higher",
        "f1": "higher",
        "roc_auc": "higher",
        "average_precision": "higher",
    },
    "multiclass": {
        **_CLASSIFICATION_COMMON,
        "precision_macro": "higher",
        "recall_macro": "higher",
        "f1_macro": "higher",
        "f1_weighted": "higher",
        "roc_auc_ovr": "higher",
    },
    "regression": {
        "mae": "lower",
        "mse": "lower",
        "rmse": "lower",
        "median_ae": "lower",
        "mape": "lower",
        "r2": "higher",
    },
}

DEFAULT_METRICS: dict[str, list[str]] = {
    "binary": ["roc_auc", "f1", "accuracy"],
    "multiclass": ["accuracy", "f1_macro"],
    "regression": ["rmse", "mae", "r2"],
}


def direction(metric: str) -> Direction:
    """Higher or lower is better, for any metric in the catalogue."""
    for table in METRICS.values():
        if metric in table:
            return table[metric]
    raise KeyError(metric)
