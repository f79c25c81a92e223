"""The metric formulas of a run (mlspec.pipeline.metrics) on small tables whose values are worked out by hand: each
metric of each task, the positive class, zero divisions, non-finite values recorded as null with the reason, the
row checks of predict and predict_proba, and the predictions file. What `make mutation MODULE=mlspec/pipeline/
metrics.py` reruns per mutant."""

from __future__ import annotations

import math
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest
import sklearn.metrics  # noqa: F401 - imported at collection: mutmut's per-mutant processes fork after it

from mlspec.metrics_catalog import METRICS
from mlspec.pipeline.metrics import (
    Predictions,
    PredictionShapeError,
    compute_metrics,
    metric_names,
    predict,
    predictions_csv,
)

# Binary: 6 rows, TP 2 (rows 1, 4), FP 2 (rows 3, 5), FN 1 (row 2), TN 1 (row 0).
Y = np.array(["no", "yes", "yes", "no", "yes", "no"], dtype=object)
YP = np.array(["no", "yes", "no", "yes", "yes", "yes"], dtype=object)
P_YES = np.array([0.1, 0.8, 0.4, 0.6, 0.9, 0.3])
PROBA = np.column_stack([1 - P_YES, P_YES])


def _binary(positive: Any = None, classes: list[Any] | None = None, proba: Any = PROBA) -> Predictions:
    return Predictions(Y, YP, proba, ["no", "yes"] if classes is None else classes, np.arange(6), positive)


def _values(names: list[str], task: str, p: Predictions) -> dict[str, float | None]:
    values, problems = compute_metrics(names, task, p)
    assert problems == []
    return values


def test_binary_metrics_of_the_last_class_by_hand() -> None:
    values = _values(list(METRICS["binary"]), "binary", _binary())
    log_loss = -sum(math.log(p) for p in [0.9, 0.8, 0.4, 0.4, 0.9, 0.7]) / 6
    assert values == pytest.approx(
        {
            "accuracy": 3 / 6,
            "balanced_accuracy": (2 / 3 + 1 / 3) / 2,
            "log_loss": log_loss,
            "precision": 2 / 4,
            "recall": 2 / 3,
            "f1": 2 * 2 / (4 + 3),
            "roc_auc": 8 / 9,  # positives 0.8, 0.4, 0.9 over negatives 0.1, 0.6, 0.3: 3 + 2 + 3 of 9 pairs
            "average_precision": (1 + 1 + 3 / 4) / 3,  # ranks: P P N P N N
        }
    )


def test_binary_metrics_of_a_declared_positive_class() -> None:
    values = _values(["precision", "recall", "f1", "roc_auc", "average_precision"], "binary", _binary("no"))
    # "no" is positive: TP 1 (row 0), predicted 2 (rows 0, 2), actual 3 (rows 0, 3, 5), scored by P(no) = 1 - P(yes):
    # 0.9 (row 0, P), 0.7 (row 5, P), 0.6 (row 2, N), 0.4 (row 3, P), 0.2 and 0.1 (N)
    assert values == pytest.approx(
        {
            "precision": 1 / 2,
            "recall": 1 / 3,
            "f1": 2 * 1 / (2 + 3),
            "roc_auc": (3 + 3 + 2) / 9,
            "average_precision": (1 + 1 + 3 / 4) / 3,
        }
    )


def test_the_positive_class_picks_the_probability_column() -> None:
    # Probability columns in the other order: the column of "yes" is found by name, not taken as the last one.
    swapped = Predictions(Y, YP, PROBA[:, ::-1], ["yes", "no"], np.arange(6), "yes")
    assert _values(["roc_auc"], "binary", swapped)["roc_auc"] == pytest.approx(8 / 9)
    last = Predictions(Y, YP, PROBA[:, ::-1], ["yes", "no"], np.arange(6))  # no positive class: the last, "no"
    assert _values(["roc_auc", "precision"], "binary", last) == pytest.approx({"roc_auc": 8 / 9, "precision": 1 / 2})


def test_classes_default_to_the_labels_found_in_the_truth() -> None:
    p = Predictions(Y, YP, PROBA, None, np.arange(6))
    assert _values(["roc_auc", "precision", "log_loss"], "binary", p)["precision"] == pytest.approx(2 / 4)


def test_no_predicted_or_no_actual_positive_scores_zero_not_an_error() -> None:
    none_predicted = Predictions(Y, np.array(["no"] * 6, dtype=object), PROBA, ["no", "yes"], np.arange(6))
    assert _values(["precision", "recall", "f1"], "binary", none_predicted) == {"precision": 0, "recall": 0, "f1": 0}
    y = np.array(["no"] * 6, dtype=object)
    none_actual = Predictions(y, np.array(["no"] * 5 + ["yes"], dtype=object), PROBA, ["no", "yes"], np.arange(6))
    assert _values(["precision", "recall", "f1"], "binary", none_actual) == {"precision": 0, "recall": 0, "f1": 0}


def test_a_metric_needing_probabilities_or_both_classes_is_null_with_the_reason() -> None:
    values, problems = compute_metrics(
        ["roc_auc", "average_precision", "log_loss", "f1"], "binary", _binary(proba=None)
    )
    assert values == {"roc_auc": None, "average_precision": None, "log_loss": None, "f1": pytest.approx(4 / 7)}
    assert problems == [
        "metric roc_auc could not be computed: the model has no predict_proba",
        "metric average_precision could not be computed: the model has no predict_proba",
        "metric log_loss could not be computed: the model has no predict_proba",
    ]
    one = Predictions(np.array(["yes"] * 6, dtype=object), YP, PROBA, ["no", "yes"], np.arange(6))
    values, problems = compute_metrics(["average_precision", "roc_auc"], "binary", one)
    assert values == {"average_precision": None, "roc_auc": None}
    assert problems == [
        "metric average_precision could not be computed: the test set holds only one class",
        "metric roc_auc could not be computed: the test set holds only one class",
    ]


def test_multiclass_metrics_by_hand() -> None:
    y = np.array(["a", "a", "a", "b", "c", "c"], dtype=object)
    yp = np.array(["a", "b", "b", "b", "c", "c"], dtype=object)
    # a: TP 1, predicted 1, actual 3; b: TP 1, predicted 3, actual 1; c: TP 2, predicted 2, actual 2
    proba = np.array(
        [[0.6, 0.3, 0.1], [0.3, 0.4, 0.3], [0.2, 0.5, 0.3], [0.1, 0.8, 0.1], [0.1, 0.1, 0.8], [0, 0.3, 0.7]]
    )
    values = _values(
        list(METRICS["multiclass"]), "multiclass", Predictions(y, yp, proba, ["a", "b", "c"], np.arange(6))
    )
    f1 = [2 * 1 / (1 + 3), 2 * 1 / (3 + 1), 2 * 2 / (2 + 2)]
    # one-vs-rest AUC: a: 0.6, 0.3, 0.2 over 0.1, 0.1, 0: 9/9; b: 0.8 over 0.3, 0.4, 0.5, 0.1, 0.3: 5/5;
    # c: 0.8, 0.7 over 0.1, 0.3, 0.3, 0.1: 8/8
    assert values == pytest.approx(
        {
            "accuracy": 4 / 6,
            "balanced_accuracy": (1 / 3 + 1 + 1) / 3,
            "log_loss": -sum(math.log(p) for p in [0.6, 0.3, 0.2, 0.8, 0.8, 0.7]) / 6,
            "precision_macro": (1 + 1 / 3 + 1) / 3,
            "recall_macro": (1 / 3 + 1 + 1) / 3,
            "f1_macro": sum(f1) / 3,
            "f1_weighted": (3 * f1[0] + 1 * f1[1] + 2 * f1[2]) / 6,
            "roc_auc_ovr": 1.0,
        }
    )


def test_multiclass_zero_division_scores_zero() -> None:
    y = np.array(["a", "b", "c"], dtype=object)
    yp = np.array(["a", "a", "a"], dtype=object)  # b and c never predicted
    values = _values(
        ["precision_macro", "f1_macro", "f1_weighted"], "multiclass", Predictions(y, yp, None, None, [0, 1, 2])
    )
    assert values == pytest.approx(
        {"precision_macro": (1 / 3) / 3, "f1_macro": (2 / 4) / 3, "f1_weighted": (2 / 4) / 3}
    )


def test_a_multiclass_auc_needs_every_class_in_the_test_set() -> None:
    y = np.array(["a", "b", "a", "b"], dtype=object)
    proba = np.array([[0.6, 0.3, 0.1]] * 4)
    values, problems = compute_metrics(
        ["roc_auc_ovr"], "multiclass", Predictions(y, y, proba, ["a", "b", "c"], [0, 1, 2, 3])
    )
    assert values == {"roc_auc_ovr": None}
    assert problems == ["metric roc_auc_ovr could not be computed: the test set lacks classes ['c']"]


def test_regression_metrics_by_hand() -> None:
    y = np.array([1.0, 2.0, 4.0, 8.0])
    yp = np.array([2.0, 2.0, 1.0, 8.0])  # errors 1, 0, -3, 0
    values = _values(list(METRICS["regression"]), "regression", Predictions(y, yp, None, None, np.arange(4)))
    mse = (1 + 0 + 9 + 0) / 4
    sst = sum((v - 3.75) ** 2 for v in y)
    assert values == pytest.approx(
        {
            "mae": 4 / 4,
            "mse": mse,
            "rmse": math.sqrt(mse),
            "median_ae": 0.5,
            "mape": (1 / 1 + 0 + 3 / 4 + 0) / 4,
            "r2": 1 - 10 / sst,
        }
    )


def test_a_non_finite_metric_is_null_with_its_value_as_the_reason() -> None:
    y = np.array([0.0, 0.0])
    yp = np.array([1e200, -1e200])  # squared, the errors overflow to infinity
    values, problems = compute_metrics(["mae", "mse", "rmse"], "regression", Predictions(y, yp, None, None, [0, 1]))
    assert values == {"mae": 1e200, "mse": None, "rmse": None}
    assert problems == [
        "metric mse could not be computed: the value is inf",
        "metric rmse could not be computed: the value is inf",
    ]


def test_a_metric_of_another_task_is_null() -> None:
    values, problems = compute_metrics(["roc_auc", "mae"], "multiclass", _binary())
    assert values == {"roc_auc": None, "mae": None}
    assert problems == [
        "metric roc_auc could not be computed: 'roc_auc' is not a multiclass metric",
        "metric mae could not be computed: 'mae' is not a multiclass metric",
    ]
    values, problems = compute_metrics(["accuracy"], "regression", Predictions(Y, YP, None, None, np.arange(6)))
    assert values == {"accuracy": None} and problems == [
        "metric accuracy could not be computed: 'accuracy' is not a regression metric"
    ]


def test_metric_names_are_the_catalogue_then_the_spec_s_then_the_gates_once_each() -> None:
    spec = SimpleNamespace(
        evaluate=SimpleNamespace(task="binary", metric_names=lambda: ["f1", "my_score", "accuracy"]),
        gates=[
            SimpleNamespace(metric="roc_auc"),
            SimpleNamespace(metric="gate_metric"),
            SimpleNamespace(metric="my_score"),
        ],
    )
    assert metric_names(spec) == [*METRICS["binary"], "my_score", "gate_metric"]


class _Model:
    def __init__(self, rows: Any, proba: Any = None) -> None:
        self.rows, self.proba = rows, proba
        self.seen: list[Any] = []

    def predict(self, X: Any) -> Any:
        self.seen.append(X)
        return self.rows

    def __getattr__(self, name: str) -> Any:
        if name == "predict_proba" and self.proba is not None:
            return lambda X: self.seen.append(X) or self.proba
        raise AttributeError(name)


def test_predict_returns_labels_and_two_column_probabilities() -> None:
    X = [[0], [1]]
    model = _Model(["a", "b"], [[0.7, 0.3], [0.2, 0.8]])
    y_pred, proba = predict(model, X, "binary", ["a", "b"])
    assert list(y_pred) == ["a", "b"] and proba.tolist() == [[0.7, 0.3], [0.2, 0.8]] and proba.dtype == float
    assert model.seen == [X, X]  # predict and predict_proba of the rows given
    _, whole = predict(_Model(["a", "b"], [[1, 0], [0, 1]]), X, "binary", ["a", "b"])  # integer probabilities
    assert whole.dtype == float and whole.tolist() == [[1.0, 0.0], [0.0, 1.0]]
    _, one_column = predict(_Model(["a", "b"], [0.25, 0.5]), X, "binary", ["a", "b"])  # P(last class) only
    assert one_column.tolist() == [[0.75, 0.25], [0.5, 0.5]]
    assert predict(_Model(["a", "b"]), X, "binary", ["a", "b"])[1] is None  # no predict_proba
    assert predict(_Model([1.0, 2.0], [[0.5, 0.5]] * 2), X, "regression", None)[1] is None


@pytest.mark.parametrize(
    ("rows", "proba", "message"),
    [
        (["a"], None, "the model's predict returned 1 row for 2 input rows"),
        (["a", "b", "c"], None, "the model's predict returned 3 rows for 2 input rows"),
        ("a", None, "the model's predict returned 0 rows for 2 input rows"),  # a single value, no rows
        (["a", "b"], [[0.5, 0.5]], "the model's predict_proba returned 1 row for 2 input rows"),
    ],
)
def test_a_model_answering_with_other_rows_is_refused(rows: Any, proba: Any, message: str) -> None:
    with pytest.raises(PredictionShapeError) as caught:
        predict(_Model(rows, proba), [[0], [1]], "binary", ["a", "b"])
    assert caught.value.message == message
    method = "predict_proba" if proba is not None else "predict"
    assert (
        caught.value.hint == f"{method} must return one prediction per row of the table it is given, in the same order"
    )


def test_one_input_row_is_said_in_the_singular() -> None:
    with pytest.raises(PredictionShapeError) as caught:
        predict(_Model(["a", "b"]), [[0]], "binary", ["a", "b"])
    assert caught.value.message == "the model's predict returned 2 rows for 1 input row"
    y_pred, _ = predict(_Model(["a"]), [[0]], "binary", ["a", "b"])
    assert list(y_pred) == ["a"]


def test_the_predictions_file_has_a_probability_column_per_class() -> None:
    p = Predictions(
        np.array(["no", "yes"]),
        np.array(["no", "no"]),
        np.array([[0.123456789012, 0.876543210988], [1.0, 0.0]]),
        ["no", "yes"],
        np.array([10, 11]),
    )
    assert predictions_csv(p) == (
        "row,y_true,y_pred,proba_no,proba_yes\n10,no,no,0.123456789,0.876543211\n11,yes,no,1,0\n"
    )
    tiny = Predictions(np.array(["no"]), np.array(["no"]), np.array([[1.0, 1e-20]]), ["no", "yes"], np.array([0]))
    assert predictions_csv(tiny) == "row,y_true,y_pred,proba_no,proba_yes\n0,no,no,1,1e-20\n"
    without = Predictions(np.array([1.5]), np.array([2.0]), None, None, np.array([0]))
    assert predictions_csv(without) == "row,y_true,y_pred\n0,1.5,2\n"
    no_classes = Predictions(np.array(["a"]), np.array(["a"]), np.array([[1.0]]), None, np.array([0]))
    assert predictions_csv(no_classes) == "row,y_true,y_pred\n0,a,a\n"


def test_a_declared_positive_class_absent_from_the_test_set_scores_zero() -> None:
    y = np.array(["no"] * 4, dtype=object)
    p = Predictions(y, y.copy(), None, ["no", "yes"], np.arange(4), "yes")
    assert _values(["precision", "recall", "f1", "accuracy"], "binary", p) == {
        "precision": 0,
        "recall": 0,
        "f1": 0,
        "accuracy": 1.0,
    }


def test_a_test_set_of_one_class_without_model_classes_scores_that_class() -> None:
    y = np.array(["no", "no", "no"], dtype=object)
    p = Predictions(y, np.array(["no", "yes", "no"], dtype=object), None, None, np.arange(3))
    assert _values(["precision", "recall", "accuracy"], "binary", p) == pytest.approx(
        {"precision": 1.0, "recall": 2 / 3, "accuracy": 2 / 3}
    )


def test_a_positive_class_the_model_does_not_know_leaves_the_other_metrics() -> None:
    values, problems = compute_metrics(["accuracy", "roc_auc"], "binary", _binary("maybe"))
    assert values == {"accuracy": 0.5, "roc_auc": None}
    assert len(problems) == 1 and problems[0].startswith("metric roc_auc could not be computed: ")


def test_a_never_true_class_has_recall_zero_in_the_macro_average() -> None:
    y = np.array(["a", "a", "b"], dtype=object)
    yp = np.array(["a", "c", "b"], dtype=object)  # "c" is never true: its recall is 0 of 0, scored 0
    values = _values(["recall_macro"], "multiclass", Predictions(y, yp, None, None, [0, 1, 2]))
    assert values == pytest.approx({"recall_macro": (1 / 2 + 1 + 0) / 3})


def test_log_loss_knows_the_model_s_classes_beyond_the_test_set_s() -> None:
    y = np.array(["a", "b", "a", "b"], dtype=object)
    proba = np.array([[0.6, 0.3, 0.1], [0.2, 0.7, 0.1], [0.5, 0.25, 0.25], [0.3, 0.5, 0.2]])
    p = Predictions(y, y.copy(), proba, ["a", "b", "c"], np.arange(4))  # "c": a class of the model only
    assert _values(["log_loss"], "multiclass", p) == pytest.approx(
        {"log_loss": -sum(math.log(v) for v in [0.6, 0.7, 0.5, 0.5]) / 4}
    )


def test_a_one_vs_rest_auc_is_never_scored_against_unsorted_columns() -> None:
    y = np.array(["a", "b", "c", "a", "b", "c"], dtype=object)
    by_class = {
        "a": [0.7, 0.2, 0.2, 0.3, 0.3, 0.1],
        "b": [0.2, 0.6, 0.3, 0.3, 0.4, 0.2],
        "c": [0.1, 0.2, 0.5, 0.4, 0.3, 0.7],
    }
    unsorted = Predictions(y, y.copy(), np.column_stack([by_class[c] for c in "cab"]), ["c", "a", "b"], np.arange(6))
    ordered = Predictions(y, y.copy(), np.column_stack([by_class[c] for c in "abc"]), ["a", "b", "c"], np.arange(6))
    # one-vs-rest: a: 0.7, 0.3 over 0.2, 0.2, 0.3, 0.1 -> 7.5/8; b: 0.6, 0.4 over 0.2, 0.3, 0.3, 0.2 -> 8/8;
    # c: 0.5, 0.7 over 0.1, 0.2, 0.4, 0.3 -> 8/8
    expected = {"roc_auc_ovr": (7.5 / 8 + 1 + 1) / 3}
    assert _values(["roc_auc_ovr"], "multiclass", ordered) == pytest.approx(expected)
    # a model listing its classes in another order: its columns are read in its order, the same AUC
    assert _values(["roc_auc_ovr"], "multiclass", unsorted) == pytest.approx(expected)


def test_log_loss_reads_the_columns_of_a_model_whose_classes_are_not_sorted() -> None:
    y = np.array(["yes", "no", "yes", "no"], dtype=object)
    by_class = {"no": [0.2, 0.7, 0.4, 0.9], "yes": [0.8, 0.3, 0.6, 0.1]}
    expected = -sum(math.log(v) for v in [0.8, 0.7, 0.6, 0.9]) / 4  # the probability of each row's true class
    for order in (["no", "yes"], ["yes", "no"]):
        proba = np.column_stack([by_class[c] for c in order])
        p = Predictions(y, y.copy(), proba, order, np.arange(4))
        assert _values(["log_loss"], "binary", p) == pytest.approx({"log_loss": expected}), order
        assert _values(["log_loss"], "multiclass", p) == pytest.approx({"log_loss": expected}), order


def test_evaluate_fails_when_not_one_declared_metric_could_be_computed() -> None:
    from mlspec.pipeline.metrics import evaluation_verdict

    values: dict[str, float | None] = {"rmse": None, "r2": None}
    problems = ["metric rmse could not be computed: the value is nan", "metric r2 could not be computed: ..."]
    assert evaluation_verdict(values, problems, "rmse n/a, r2 n/a") == (
        "failed",
        "no metric could be computed (rmse n/a, r2 n/a): metric rmse could not be computed: the value is nan",
    )
    # one metric that could be computed is a result: the gate fails closed on the others
    assert evaluation_verdict({"rmse": 1.5, "r2": None}, problems[1:], "rmse 1.5000, r2 n/a") == (
        "passed",
        "rmse 1.5000, r2 n/a",
    )
