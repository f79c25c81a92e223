"""Metrics on the test set (scikit-learn) and the per-row predictions kept for later bootstraps."""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from mlspec.errors import MlspecError
from mlspec.metrics_catalog import METRICS


@dataclass
class Predictions:
    y_true: Any  # numpy array
    y_pred: Any
    proba: Any | None  # (n, k) array for classifiers
    classes: list[Any] | None
    row: Any  # row identifiers (index column or position)
    positive: Any = None  # binary: the positive class (evaluate.positive_class); None: the last of the classes


def predict(model: Any, X: Any, task: str, classes: list[Any] | None) -> tuple[Any, Any | None]:
    import numpy as np

    y_pred = np.asarray(model.predict(X))
    _check_rows("predict", y_pred, len(X))
    proba = None
    if task != "regression" and callable(getattr(model, "predict_proba", None)):
        proba = np.asarray(model.predict_proba(X), dtype=float)
        _check_rows("predict_proba", proba, len(X))
        if proba.ndim == 1:
            proba = np.column_stack([1 - proba, proba])
    return y_pred, proba


class PredictionShapeError(MlspecError):
    """The model answered with another number of rows than it was given."""


def _check_rows(method: str, values: Any, rows: int) -> None:
    got = len(values) if getattr(values, "ndim", 1) > 0 else 0
    if got != rows:
        raise PredictionShapeError(
            f"the model's {method} returned {got} row{'s' if got != 1 else ''} for {rows} input row"
            f"{'s' if rows != 1 else ''}",
            hint=f"{method} must return one prediction per row of the table it is given, in the same order",
        )


def metric_names(spec: Any) -> list[str]:
    """Every catalogued metric of the task, plus the spec's metrics and gate metrics (in that order)."""
    names = list(METRICS[spec.evaluate.task])
    for name in [*spec.evaluate.metric_names(), *(g.metric for g in spec.gates)]:
        if name not in names:
            names.append(name)
    return names


def _compute(name: str, task: str, p: Predictions) -> float:
    import numpy as np
    from sklearn import metrics as m

    y, yp = p.y_true, p.y_pred
    table: dict[str, Callable[[], Any]]
    if task == "regression":
        table = {
            "mae": lambda: m.mean_absolute_error(y, yp),
            "mse": lambda: m.mean_squared_error(y, yp),
            "rmse": lambda: math.sqrt(m.mean_squared_error(y, yp)),
            "median_ae": lambda: m.median_absolute_error(y, yp),
            "mape": lambda: m.mean_absolute_percentage_error(y, yp),
            "r2": lambda: m.r2_score(y, yp),
        }
    else:
        classes = p.classes or list(np.unique(y))
        proba = p.proba
        if proba is not None and getattr(proba, "ndim", 0) == 2 and proba.shape[1] == len(classes):
            # scikit-learn's log_loss and one-vs-rest AUC read probability columns in the sorted order of `labels`;
            # a custom model may list its classes in another order: put the columns in sorted order first
            try:
                order = sorted(range(len(classes)), key=lambda i: classes[i])
            except TypeError:  # classes of mixed types have no order: the columns stay as the model gave them
                order = list(range(len(classes)))
            classes, proba = [classes[i] for i in order], proba[:, order]

        def need_proba() -> Any:
            if proba is None:
                raise ValueError("the model has no predict_proba")
            return proba

        def both_classes() -> None:
            if len(np.unique(y)) < 2:
                raise ValueError("the test set holds only one class")

        if task == "binary":
            positive = classes[-1] if p.positive is None else p.positive
            column = classes.index(positive) if positive in classes else len(classes) - 1

            def auc() -> float:
                both_classes()
                return float(m.roc_auc_score(y == positive, need_proba()[:, column]))

            def ap() -> float:
                both_classes()
                return float(m.average_precision_score(y == positive, need_proba()[:, column]))

            table = {
                "precision": lambda: m.precision_score(y, yp, pos_label=positive, zero_division=0),
                "recall": lambda: m.recall_score(y, yp, pos_label=positive, zero_division=0),
                "f1": lambda: m.f1_score(y, yp, pos_label=positive, zero_division=0),
                "roc_auc": auc,
                "average_precision": ap,
            }
        else:

            def auc_ovr() -> float:
                present = set(np.unique(y).tolist())
                if present != set(classes):
                    raise ValueError(f"the test set lacks classes {sorted(set(classes) - present)}")
                return float(m.roc_auc_score(y, need_proba(), multi_class="ovr", labels=classes))

            table = {
                "precision_macro": lambda: m.precision_score(y, yp, average="macro", zero_division=0),
                "recall_macro": lambda: m.recall_score(y, yp, average="macro", zero_division=0),
                "f1_macro": lambda: m.f1_score(y, yp, average="macro", zero_division=0),
                "f1_weighted": lambda: m.f1_score(y, yp, average="weighted", zero_division=0),
                "roc_auc_ovr": auc_ovr,
            }
        table.update(
            {
                "accuracy": lambda: m.accuracy_score(y, yp),
                "balanced_accuracy": lambda: m.balanced_accuracy_score(y, yp),
                "log_loss": lambda: m.log_loss(y, need_proba(), labels=classes),
            }
        )
    if name not in table:
        raise ValueError(f"{name!r} is not a {task} metric")
    return float(table[name]())


def compute_metrics(names: list[str], task: str, p: Predictions) -> tuple[dict[str, float | None], list[str]]:
    """Metric values (None when not computable or not finite) and warnings saying why."""
    values: dict[str, float | None] = {}
    problems: list[str] = []
    for name in names:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                value = _compute(name, task, p)
            if not math.isfinite(value):
                raise ValueError(f"the value is {value}")
            values[name] = value
        except Exception as exc:  # noqa: BLE001 - recorded as null; gates fail closed on it
            values[name] = None
            problems.append(f"metric {name} could not be computed: {exc}")
    return values, problems


def evaluation_verdict(
    values: dict[str, float | None], problems: list[str], shown: str
) -> tuple[Literal["passed", "failed"], str]:
    """The evaluate stage's status and message: it fails when not one declared metric could be computed (a model
    whose predictions are no labels, or all NaN), since "passed" would then say a stage did its job that did not."""
    if values and all(value is None for value in values.values()):
        why = f": {problems[0]}" if problems else ""
        return "failed", f"no metric could be computed ({shown}){why}"
    return "passed", shown


def predictions_csv(p: Predictions) -> str:
    """row, y_true, y_pred and proba_<class> columns, one line per test row."""
    import pandas as pd

    frame = pd.DataFrame({"row": p.row, "y_true": p.y_true, "y_pred": p.y_pred})
    if p.proba is not None and p.classes is not None:
        for i, cls in enumerate(p.classes):
            frame[f"proba_{cls}"] = p.proba[:, i]
    return frame.to_csv(index=False, float_format="%.10g")
