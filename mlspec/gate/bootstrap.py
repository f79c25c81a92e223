"""Paired bootstrap of a metric difference between two models on the same test rows.

Each resample draws row indices with replacement (seeded numpy); both models are scored on the
same draw. A draw is represented by per-row counts (a weight matrix W, resamples x rows), so every
metric below is a few matrix products instead of a Python loop: 1,000 resamples of a few thousand
rows take milliseconds. Metrics without a closed weighted form fall back to scikit-learn with
`sample_weight` per resample.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

Array = NDArray[Any]  # numpy arrays of any dtype: labels (object), counts and scores (float)

_CELLS_PER_CHUNK = 4_000_000  # resamples x rows held at once (32 MB of float64)


@dataclass
class Predictions:
    """One model's predictions on the test rows. Classification: labels as strings and, when known,
    class probabilities aligned to `classes`; regression: floats."""

    y_pred: Array
    proba: Array | None = None
    classes: list[str] | None = None


@dataclass
class BootstrapOutcome:
    challenger: float  # metric on the full test set
    champion: float
    improvement: float  # full-sample improvement in the good direction (relative when asked)
    low: float
    high: float
    resamples: int
    dropped: int  # resamples where the metric was undefined (e.g. one class only)


class MetricUnsupported(ValueError):
    pass


# --- weighted metrics: W is (B, n) counts; every function returns (B,) ---------------------------------


def _safe_div(num: Array, den: Array) -> Array:
    out = np.zeros_like(num, dtype=float)
    np.divide(num, den, out=out, where=den != 0)
    return out


def _onehot(codes: Array, k: int) -> Array:
    matrix = np.zeros((codes.shape[0], k))
    matrix[np.arange(codes.shape[0]), codes] = 1.0
    return matrix


def _weighted_auc(W: Array, positive: Array, score: Array) -> Array:
    """Weighted ROC AUC (Mann-Whitney with ties as 1/2) per resample."""
    order = np.argsort(score, kind="mergesort")
    sorted_score = score[order]
    starts = np.flatnonzero(np.r_[True, sorted_score[1:] != sorted_score[:-1]])
    Ws = W[:, order]
    pos = positive[order].astype(float)
    pos_w = np.add.reduceat(Ws * pos, starts, axis=1)  # (B, groups)
    neg_w = np.add.reduceat(Ws * (1.0 - pos), starts, axis=1)
    neg_below = np.cumsum(neg_w, axis=1) - neg_w
    numerator = (pos_w * (neg_below + 0.5 * neg_w)).sum(axis=1)
    denominator = pos_w.sum(axis=1) * neg_w.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(denominator > 0, numerator / np.where(denominator > 0, denominator, 1), np.nan)


class _Classification:
    def __init__(self, y_true: Array, preds: Predictions, classes: list[str], positive: Any = None) -> None:
        self.classes = classes
        # binary: the positive class (evaluate.positive_class, as text like the labels), else the last class
        self.pos = (
            classes.index(str(positive)) if positive is not None and str(positive) in classes else len(classes) - 1
        )
        index = {c: i for i, c in enumerate(classes)}
        self.k = len(classes)
        self.t = np.array([index[v] for v in y_true])
        self.p = np.array([index[v] for v in preds.y_pred])
        self.T = _onehot(self.t, self.k)
        self.P = _onehot(self.p, self.k)
        self.proba = None
        if preds.proba is not None and preds.classes is not None:
            aligned = np.zeros((len(self.t), self.k))
            for j, c in enumerate(preds.classes):
                aligned[:, index[c]] = preds.proba[:, j]
            self.proba = aligned
        # labels scored by macro averages: those present in y_true or y_pred of the full sample
        self.present = np.flatnonzero(self.T.sum(0) + self.P.sum(0) > 0)

    def need_proba(self, metric: str) -> Array:
        if self.proba is None:
            raise MetricUnsupported(f"{metric} needs class probabilities (proba_<class> columns / predict_proba)")
        return self.proba

    def counts(self, W: Array) -> tuple[Array, Array, Array]:
        tp = W @ (self.T * self.P)
        return tp, W @ self.P, W @ self.T  # true positives, predicted, actual per class

    def metric(self, name: str, W: Array) -> Array:
        total: Array = W.sum(axis=1)
        pos = self.pos
        if name == "accuracy":
            accuracy: Array = (W @ (self.t == self.p).astype(float)) / total
            return accuracy
        tp, predicted, actual = self.counts(W)
        if name == "balanced_accuracy":
            recall = _safe_div(tp, actual)
            present = actual > 0
            balanced: Array = (recall * present).sum(1) / np.maximum(present.sum(1), 1)
            return balanced
        if name in ("precision", "recall", "f1"):
            if name == "precision":
                return _safe_div(tp[:, pos], predicted[:, pos])
            if name == "recall":
                return _safe_div(tp[:, pos], actual[:, pos])
            return _safe_div(2 * tp[:, pos], predicted[:, pos] + actual[:, pos])
        if name in ("precision_macro", "recall_macro", "f1_macro", "f1_weighted"):
            cols = self.present
            if name == "precision_macro":
                per = _safe_div(tp, predicted)
            elif name == "recall_macro":
                per = _safe_div(tp, actual)
            else:
                per = _safe_div(2 * tp, predicted + actual)
            if name == "f1_weighted":
                return _safe_div((per * actual)[:, cols].sum(1), actual[:, cols].sum(1))
            mean: Array = per[:, cols].mean(1)
            return mean
        if name == "log_loss":
            proba = self.need_proba(name)
            p_true = np.clip(proba[np.arange(len(self.t)), self.t], np.finfo(float).eps, 1 - np.finfo(float).eps)
            loss: Array = (W @ -np.log(p_true)) / total
            return loss
        if name == "roc_auc":
            proba = self.need_proba(name)
            if self.k != 2:
                raise MetricUnsupported("roc_auc needs exactly two classes")
            return _weighted_auc(W, self.t == pos, proba[:, pos])
        if name == "roc_auc_ovr":
            proba = self.need_proba(name)
            per_class: Array = np.mean([_weighted_auc(W, self.t == c, proba[:, c]) for c in range(self.k)], axis=0)
            return per_class
        if name == "average_precision":
            proba = self.need_proba(name)
            return _fallback(W, lambda w: _sk("average_precision_score")(self.t == pos, proba[:, pos], sample_weight=w))
        raise MetricUnsupported(f"the bootstrap does not know the metric {name!r}")


class _Regression:
    def __init__(self, y_true: Array, preds: Predictions) -> None:
        self.y = y_true.astype(float)
        self.e = preds.y_pred.astype(float) - self.y

    def metric(self, name: str, W: Array) -> Array:
        total: Array = W.sum(axis=1)
        if name == "mae":
            mae: Array = (W @ np.abs(self.e)) / total
            return mae
        if name in ("mse", "rmse"):
            mse: Array = (W @ self.e**2) / total
            return np.sqrt(mse) if name == "rmse" else mse
        if name == "r2":
            sse = W @ self.e**2
            sst = W @ self.y**2 - (W @ self.y) ** 2 / total
            with np.errstate(invalid="ignore", divide="ignore"):
                return np.where(sst > 0, 1 - sse / np.where(sst > 0, sst, 1), np.nan)
        if name == "mape":
            mape: Array = (W @ (np.abs(self.e) / np.maximum(np.abs(self.y), np.finfo(float).eps))) / total
            return mape
        if name == "median_ae":
            return _weighted_median(W, np.abs(self.e))
        raise MetricUnsupported(f"the bootstrap does not know the metric {name!r}")


def _weighted_median(W: Array, values: Array) -> Array:
    """Median of the expanded resample (mean of the two middle values for an even count)."""
    order = np.argsort(values, kind="mergesort")
    sorted_values = values[order]
    cumulative = np.cumsum(W[:, order], axis=1)
    total = cumulative[:, -1]
    lower_k = np.floor((total - 1) / 2)
    upper_k = np.floor(total / 2)
    lower = sorted_values[np.argmax(cumulative > lower_k[:, None], axis=1)]
    upper = sorted_values[np.argmax(cumulative > upper_k[:, None], axis=1)]
    median: Array = (lower + upper) / 2
    return median


def _sk(name: str) -> Callable[..., float]:
    import sklearn.metrics

    score: Callable[..., float] = getattr(sklearn.metrics, name)
    return score


def _fallback(W: Array, score: Callable[[Array], float]) -> Array:
    out = np.empty(W.shape[0])
    for b in range(W.shape[0]):
        try:
            out[b] = score(W[b])
        except ValueError:
            out[b] = np.nan
    return out


# --- the bootstrap ------------------------------------------------------------------------------------


def _scorer(
    task: str, y_true: Array, preds: Predictions, classes: list[str] | None, positive: Any = None
) -> _Regression | _Classification:
    if task == "regression":
        return _Regression(y_true, preds)
    assert classes is not None
    return _Classification(y_true, preds, classes, positive)


def improvement(challenger: Array, champion: Array, direction: str, relative: bool) -> Array:
    diff = challenger - champion if direction == "higher" else champion - challenger
    if relative:
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(champion != 0, diff / np.abs(np.where(champion != 0, champion, 1)), np.nan)
    return diff


def _as_text(preds: Predictions) -> Predictions:
    return Predictions(np.asarray([str(v) for v in preds.y_pred], dtype=object), preds.proba, preds.classes)


def point_metrics(
    *, task: str, y_true: Array, preds: Predictions, names: list[str], positive: Any = None
) -> dict[str, float]:
    """One model's metrics on the full test rows (the bootstrap's own formulas); metrics it does not know,
    or that are undefined here, are left out."""
    classes = None
    if task != "regression":
        y_true = np.asarray([str(v) for v in y_true], dtype=object)
        preds = _as_text(preds)
        classes = sorted(set(y_true) | set(preds.y_pred) | set(preds.classes or []), key=_label_key)
    scorer = _scorer(task, np.asarray(y_true), preds, classes, positive)
    out: dict[str, float] = {}
    for name in names:
        try:
            value = float(scorer.metric(name, np.ones((1, len(y_true))))[0])
        except (MetricUnsupported, ValueError, KeyError, IndexError):
            continue
        if math.isfinite(value):
            out[name] = value
    return out


def paired_bootstrap(
    *,
    metric: str,
    task: str,
    direction: str,
    relative: bool,
    y_true: Array,
    challenger: Predictions,
    champion: Predictions,
    resamples: int,
    confidence: float,
    seed: int,
    positive: Any = None,
) -> BootstrapOutcome:
    """Percentile interval of the improvement (challenger over champion) on resampled test rows."""
    n = len(y_true)
    if n == 0:
        raise MetricUnsupported("the test set has no rows")
    classes = None
    if task != "regression":
        y_true = np.asarray([str(v) for v in y_true], dtype=object)
        challenger = Predictions(
            np.asarray([str(v) for v in challenger.y_pred], dtype=object), challenger.proba, challenger.classes
        )
        champion = Predictions(
            np.asarray([str(v) for v in champion.y_pred], dtype=object), champion.proba, champion.classes
        )
        labels = set(y_true) | set(challenger.y_pred) | set(champion.y_pred)
        labels |= set(challenger.classes or []) | set(champion.classes or [])
        classes = sorted(labels, key=_label_key)
    a = _scorer(task, np.asarray(y_true), challenger, classes, positive)
    b = _scorer(task, np.asarray(y_true), champion, classes, positive)

    ones = np.ones((1, n))
    point_a = float(a.metric(metric, ones)[0])
    point_b = float(b.metric(metric, ones)[0])
    point = float(improvement(np.array([point_a]), np.array([point_b]), direction, relative)[0])

    rng = np.random.default_rng(seed)
    chunk = max(1, _CELLS_PER_CHUNK // n)
    diffs = []
    done = 0
    while done < resamples:
        size = min(chunk, resamples - done)
        draws = rng.integers(0, n, size=(size, n))
        flat = (draws + (np.arange(size) * n)[:, None]).ravel()
        W = np.bincount(flat, minlength=size * n).reshape(size, n).astype(float)
        diffs.append(improvement(a.metric(metric, W), b.metric(metric, W), direction, relative))
        done += size
    values = np.concatenate(diffs)
    finite = values[np.isfinite(values)]
    alpha = 1.0 - confidence
    if finite.size == 0:
        low = high = math.nan
    else:
        low, high = (float(v) for v in np.percentile(finite, [100 * alpha / 2, 100 * (1 - alpha / 2)]))
    return BootstrapOutcome(
        challenger=point_a,
        champion=point_b,
        improvement=point,
        low=low,
        high=high,
        resamples=resamples,
        dropped=int(values.size - finite.size),
    )


def _label_key(label: str) -> tuple[int, float, str]:
    """Sort labels numerically when they are numbers ('2' < '10'), else as text."""
    try:
        return (0, float(label), label)
    except ValueError:
        return (1, 0.0, label)
