"""The deepchecks drift checks and the verdict: FeatureDrift per column, LabelDrift when the current
data has labels, MultivariateDrift (domain classifier) and PredictionDrift with the served model."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from mlspec.monitor.reference import ServedModel
from mlspec.spec.models import DriftThresholds

RANDOM_STATE = 42


@dataclass
class FeatureScore:
    feature: str
    score: float
    method: str
    threshold: float
    drifted: bool


@dataclass
class CheckScore:
    """One whole-table check (label, multivariate, prediction)."""

    name: str
    threshold: float
    ran: bool
    score: float | None = None
    method: str = ""
    drifted: bool = False
    reason: str = ""  # why it did not run


@dataclass
class DriftResult:
    features: list[FeatureScore]  # ranked: highest score first
    checks: dict[str, CheckScore]  # "label", "multivariate", "prediction"
    thresholds: DriftThresholds
    sampled: dict[str, int]  # rows each table contributed after sampling
    suite_result: Any = None  # deepchecks SuiteResult (for the HTML report)
    errors: list[str] = field(default_factory=list)

    # The verdict lives in plain functions below (mutation testing leaves a property's body alone).
    @property
    def drifted_features(self) -> list[FeatureScore]:
        return [f for f in self.features if f.drifted]

    @property
    def too_many_features(self) -> bool:
        return _too_many_features(self)

    @property
    def drifted(self) -> bool:
        return _drifted(self)

    @property
    def undecided(self) -> bool:
        """No drift found, but a drift check errored (or no feature got a score): that is not "no drift"."""
        return _undecided(self)


def _too_many_features(result: DriftResult) -> bool:
    return len(result.drifted_features) > result.thresholds.max_drifted_features


def _drifted(result: DriftResult) -> bool:
    return _too_many_features(result) or any(c.drifted for c in result.checks.values())


def _undecided(result: DriftResult) -> bool:
    return not _drifted(result) and (bool(result.errors) or not result.features)


def _score(value: Any) -> float | None:
    """A drift score from a check value: a number, or the largest of a per-class dict."""
    if isinstance(value, dict):
        scores = [s for s in (_score(v) for v in value.values()) if s is not None]
        return max(scores) if scores else None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else number


def _predictions(served: ServedModel, frame: Any, features: list[str], task: str) -> tuple[Any, Any]:
    import numpy as np

    X = frame[features]
    predicted = np.asarray(served.model.predict(X))
    proba = None
    if task != "regression" and hasattr(served.model, "predict_proba"):
        proba = np.asarray(served.model.predict_proba(X))
    return predicted, proba


def run_drift(
    reference: Any,
    current: Any,
    *,
    features: list[str],
    categorical: list[str],
    label: str,
    task: str,
    thresholds: DriftThresholds,
    n_samples: int,
    served: ServedModel | None,
    no_model_reason: str,
    random_state: int = RANDOM_STATE,
) -> DriftResult:
    """Sample both tables (seeded), run the deepchecks suite once and score it against the thresholds."""
    from deepchecks.tabular import Dataset, Suite
    from deepchecks.tabular.checks import FeatureDrift, LabelDrift, MultivariateDrift, PredictionDrift

    ref = reference.sample(n=min(n_samples, len(reference)), random_state=random_state).reset_index(drop=True)
    cur = current.sample(n=min(n_samples, len(current)), random_state=random_state).reset_index(drop=True)
    has_label = label in cur.columns and bool(cur[label].notna().any()) and label in ref.columns
    columns = features + ([label] if has_label else [])
    label_type = {"binary": "binary", "multiclass": "multiclass", "regression": "regression"}[task]
    cat = [c for c in features if c in set(categorical)]

    def dataset(frame: Any, name: str) -> Any:
        return Dataset(
            frame[columns],
            label=label if has_label else None,
            features=features,
            cat_features=cat,
            label_type=label_type if has_label else None,
            dataset_name=name,
        )

    checks: dict[str, CheckScore] = {
        "label": CheckScore("label", thresholds.label, ran=False),
        "multivariate": CheckScore("multivariate", thresholds.multivariate, ran=False),
        "prediction": CheckScore("prediction", thresholds.prediction, ran=False),
    }
    suite_checks: list[Any] = [
        FeatureDrift(
            n_samples=n_samples, random_state=random_state, n_top_columns=10
        ).add_condition_drift_score_less_than(
            max_allowed_numeric_score=thresholds.feature,
            max_allowed_categorical_score=thresholds.feature,
            allowed_num_features_exceeding_threshold=thresholds.max_drifted_features,
        ),
        MultivariateDrift(n_samples=n_samples, random_state=random_state).add_condition_overall_drift_value_less_than(
            thresholds.multivariate
        ),
    ]
    if has_label:
        suite_checks.append(
            LabelDrift(n_samples=n_samples, random_state=random_state).add_condition_drift_score_less_than(
                thresholds.label
            )
        )
    else:
        checks["label"].reason = f"the current data has no label column '{label}'"

    run_kwargs: dict[str, Any] = {}
    if served is None:
        checks["prediction"].reason = no_model_reason
    else:
        try:
            run_kwargs["y_pred_train"], run_kwargs["y_proba_train"] = _predictions(served, ref, features, task)
            run_kwargs["y_pred_test"], run_kwargs["y_proba_test"] = _predictions(served, cur, features, task)
        except Exception as exc:  # noqa: BLE001 - a broken model must not stop the feature checks
            run_kwargs = {}
            checks["prediction"].reason = f"model {served.tag} failed to predict: {type(exc).__name__}: {exc}"
        else:
            classes = served.classes or (list(getattr(served.model, "classes_", [])) or None)
            if task != "regression" and classes is not None:
                run_kwargs["model_classes"] = classes
            if run_kwargs.get("y_proba_train") is None:
                run_kwargs.pop("y_proba_train", None)
                run_kwargs.pop("y_proba_test", None)
            suite_checks.append(
                PredictionDrift(n_samples=n_samples, random_state=random_state).add_condition_drift_score_less_than(
                    thresholds.prediction
                )
            )

    suite = Suite("mlspec drift: current data vs the training reference", *suite_checks)
    result = suite.run(
        train_dataset=dataset(ref, "reference"),
        test_dataset=dataset(cur, "current"),
        feature_importance_timeout=0,
        **run_kwargs,
    )

    features_out, errors = read_results(result.results, checks, thresholds)
    return DriftResult(
        features=features_out,
        checks=checks,
        thresholds=thresholds,
        sampled={"reference": len(ref), "current": len(cur)},
        suite_result=result,
        errors=errors,
    )


def read_results(
    results: Iterable[Any], checks: dict[str, CheckScore], thresholds: DriftThresholds
) -> tuple[list[FeatureScore], list[str]]:
    """The verdict on a drift suite's results: each feature's score and each whole-table check's (updated in
    ``checks``) against its threshold, drifted when above it; a check that failed is an error (its reason kept).
    Returns the feature scores, highest first, and the errors."""
    errors: list[str] = []
    features_out: list[FeatureScore] = []
    for item in results:
        check_name = type(item.check).__name__
        value = getattr(item, "value", None)
        if value is None:  # CheckFailure
            message = f"{check_name} failed: {getattr(item, 'exception', item)}"
            errors.append(message)
            key = {"LabelDrift": "label", "MultivariateDrift": "multivariate", "PredictionDrift": "prediction"}.get(
                check_name
            )
            if key:
                checks[key].reason = message
            continue
        if check_name == "FeatureDrift":
            for column, info in value.items():
                score = _score(info.get("Drift score"))
                if score is None:
                    continue
                features_out.append(
                    FeatureScore(
                        str(column), score, str(info.get("Method", "")), thresholds.feature, score > thresholds.feature
                    )
                )
        elif check_name in ("LabelDrift", "PredictionDrift"):
            key = "label" if check_name == "LabelDrift" else "prediction"
            score = _score(value.get("Drift score"))
            check = checks[key]
            check.ran, check.score, check.method = score is not None, score, str(value.get("Method", ""))
            check.drifted = score is not None and score > check.threshold
        elif check_name == "MultivariateDrift":
            score = _score(value.get("domain_classifier_drift_score"))
            check = checks["multivariate"]
            check.ran, check.score, check.method = score is not None, score, "domain classifier"
            check.drifted = score is not None and score > check.threshold
    features_out.sort(key=lambda f: (-f.score, f.feature))
    return features_out, errors
