"""Parts of `mlspec drift` that need no deepchecks run: reference resolution, schema guard, payload."""

from __future__ import annotations

import json

import pytest

from mlspec.errors import UsageError
from mlspec.monitor.drift_checks import CheckScore, DriftResult, FeatureScore
from mlspec.monitor.reference import drift_environment, resolve_reference
from mlspec.monitor.schema_guard import schema_differences
from mlspec.monitor.summary import summary_line
from mlspec.monitor.trigger import client_payload, event_type
from mlspec.spec import load_spec
from mlspec.spec.models import DriftThresholds

pytestmark = pytest.mark.xdist_group("monitor")


def _result(
    features: list[tuple[str, float]], thresholds: DriftThresholds | None = None, multivariate: float | None = None
) -> DriftResult:
    t = thresholds or DriftThresholds()
    scores = [FeatureScore(name, score, "Kolmogorov-Smirnov", t.feature, score > t.feature) for name, score in features]
    mv = CheckScore(
        "multivariate",
        t.multivariate,
        ran=multivariate is not None,
        score=multivariate,
        drifted=multivariate is not None and multivariate > t.multivariate,
    )
    return DriftResult(
        features=scores,
        checks={
            "label": CheckScore("label", t.label, ran=False),
            "multivariate": mv,
            "prediction": CheckScore("prediction", t.prediction, ran=False),
        },
        thresholds=t,
        sampled={"reference": 10, "current": 10},
    )


def test_summary_says_why_training_was_started() -> None:
    assert summary_line(_result([("income", 0.31), ("age", 0.05)])) == "feature `income` drifted (score 0.31 > 0.2)"
    assert summary_line(_result([("a", 0.5), ("b", 0.4), ("c", 0.3), ("d", 0.25)], multivariate=0.6)) == (
        "4 features drifted: `a` (0.5), `b` (0.4), `c` (0.3) and 1 more (scores > 0.2); "
        "multivariate (domain classifier) drift (score 0.6 > 0.25)"
    )
    allowed = _result([("income", 0.31)], DriftThresholds(max_drifted_features=1))
    assert not allowed.drifted
    assert summary_line(allowed) == "no drift beyond the thresholds (1 feature(s) above 0.2, 1 allowed)"


def test_payload_stays_within_githubs_limits() -> None:
    many = _result([(f"feature_{i:04d}_" + "x" * 100, 0.9) for i in range(2000)])
    payload = client_payload(many, project="churn", environment="production", drift_id="id", run_url=None)
    assert len(payload) <= 10
    assert 0 < len(payload["drifted"]) <= 50 and len(json.dumps(payload)) < 64_000
    assert event_type("churn") == "mlspec-drift-churn"


def test_schema_guard_lists_every_difference() -> None:
    import pandas as pd

    reference = pd.DataFrame({"income": [1.0, 2.0], "plan": ["a", "b"], "label": [0, 1]})
    same = pd.DataFrame({"plan": ["b", "c"], "income": [3, 4]})  # order, int vs float and no label are fine
    assert schema_differences(reference, same, ["income", "plan"], "label") == []
    changed = pd.DataFrame({"income": ["3", "4"], "plan": [1, 2], "label": ["x", "y"], "extra": [0, 0]})
    assert schema_differences(reference, changed, ["income", "plan"], "label") == [
        "column 'extra' is not in the training data",
        "column 'income' changed type: numeric (float64) in the training data, string (object) in the current data",
        "column 'plan' changed type: string (object) in the training data, numeric (int64) in the current data",
        "column 'label' changed type: numeric (int64) in the training data, string (object) in the current data",
    ]
    empty = pd.DataFrame({"income": [None, None], "plan": ["a", None]})  # all-missing: nothing to compare
    assert schema_differences(reference, empty, ["income", "plan"]) == []


def test_reference_digest_is_checked_against_the_lineage(churn_project, tmp_path) -> None:
    project = churn_project.copy(tmp_path)
    loaded = load_spec(project.spec)
    assert drift_environment(loaded, None) == "production"
    assert resolve_reference(loaded, "production", None).notes == []
    with (project.root / "data" / "train.csv").open("a") as handle:
        handle.write("1.0,30,2.0,basic,0\n")
    notes = resolve_reference(loaded, "production", None).notes
    assert len(notes) == 1 and notes[0].startswith(
        f"warning: data/train.csv changed since {project.model_tag} was trained"
    )
    assert resolve_reference(loaded, "staging", None).notes[0].startswith("no deploy/staging.yaml next to the spec")
    with pytest.raises(UsageError, match="--env: no environment named 'prod' \\(known: staging, production\\)"):
        drift_environment(loaded, "prod")


@pytest.mark.slow  # runs deepchecks' drift checks for real: `make test-fast` skips it
def test_retrain_false_does_not_dispatch(churn_project, income_only_shift, tmp_path, capsys) -> None:
    from mlspec.monitor.commands import drift_command

    project = churn_project.copy(tmp_path)
    spec = project.root / "mlproject.yaml"
    spec.write_text(
        spec.read_text().replace("    environment: production\n", "    environment: production\n    retrain: false\n")
    )
    assert drift_command(str(spec), str(income_only_shift), dispatch=True) == 1
    latest = (project.root / ".mlspec" / "drift" / "latest").read_text().strip()
    assert not (project.root / ".mlspec" / "drift" / latest / "dispatch.json").exists()
    assert "not starting training: triggers.drift.retrain is false" in capsys.readouterr().out


def test_the_verdict_at_the_thresholds() -> None:
    """Drift is reported for scores above a threshold (docs/spec-reference.md, DriftThresholds), and when more
    features drift than `max_drifted_features` allows; a score equal to its threshold is no drift."""
    t = DriftThresholds()
    at = _result([("income", t.feature)], multivariate=t.multivariate)
    assert not at.drifted_features and not at.drifted and not at.undecided
    assert _result([("income", 0.2001)]).drifted
    assert _result([("income", 0.1)], multivariate=0.2501).drifted  # a whole-table check alone decides
    two = [("a", 0.5), ("b", 0.4)]
    assert not _result(two, DriftThresholds(max_drifted_features=2)).drifted  # as many as allowed
    assert _result(two, DriftThresholds(max_drifted_features=1)).too_many_features
    # no feature scored, or a check errored, and no drift found: undecided, not "no drift"
    assert _result([]).undecided
    errored = _result([("income", 0.1)])
    errored.errors.append("MultivariateDrift failed: boom")
    assert errored.undecided and not _result([("income", 0.1)]).undecided
    drifted_and_errored = _result([("income", 0.9)])
    drifted_and_errored.errors.append("LabelDrift failed: boom")
    assert drifted_and_errored.drifted and not drifted_and_errored.undecided


@pytest.mark.parametrize(
    ("value", "score"),
    [
        (0.3, 0.3),
        (0, 0.0),
        ("0.25", 0.25),
        (float("nan"), None),  # no score, not a score that passes every threshold
        (None, None),
        ("n/a", None),
        ({"a": 0.1, "b": 0.4, "c": None, "d": float("nan")}, 0.4),  # per class: the largest
        ({"a": None}, None),
        ({}, None),
    ],
)
def test_a_drift_score_is_read_from_a_check_value(value, score) -> None:
    from mlspec.monitor.drift_checks import _score

    assert _score(value) == score


# Stand-ins for deepchecks' check classes: read_results knows a check by its class name.
class FeatureDrift:
    pass


class LabelDrift:
    pass


class MultivariateDrift:
    pass


class PredictionDrift:
    pass


class ModelInferenceTime:  # a check the verdict does not read
    pass


def _item(check: type, value: object = None, exception: str | None = None) -> object:
    from types import SimpleNamespace

    if exception is not None:  # a deepchecks CheckFailure: no value, an exception
        return SimpleNamespace(check=check(), exception=exception)
    return SimpleNamespace(check=check(), value=value)


def _checks(t: DriftThresholds) -> dict[str, CheckScore]:
    return {name: CheckScore(name, getattr(t, name), ran=False) for name in ("label", "multivariate", "prediction")}


def test_read_results_a_feature_drifts_above_its_threshold_not_at_it() -> None:
    from mlspec.monitor.drift_checks import read_results

    t = DriftThresholds(feature=0.2)
    value = {
        "income": {"Drift score": 0.2, "Method": "Kolmogorov-Smirnov"},
        "age": {"Drift score": 0.2001, "Method": "Kolmogorov-Smirnov"},
        "plan": {"Drift score": float("nan"), "Method": "Cramer's V"},  # no score: left out, not "no drift"
        "zone": {"Drift score": 0.5, "Method": "Cramer's V"},
        "area": {"Drift score": 0.5},
        7: {"Drift score": 0.0, "Method": "PSI"},
    }
    checks = _checks(t)
    features, errors = read_results([_item(FeatureDrift, value), _item(ModelInferenceTime, {"x": 1})], checks, t)
    assert errors == []
    assert features == [  # highest score first, ties by name
        FeatureScore("area", 0.5, "", 0.2, True),
        FeatureScore("zone", 0.5, "Cramer's V", 0.2, True),
        FeatureScore("age", 0.2001, "Kolmogorov-Smirnov", 0.2, True),
        FeatureScore("income", 0.2, "Kolmogorov-Smirnov", 0.2, False),
        FeatureScore("7", 0.0, "PSI", 0.2, False),
    ]
    assert checks == _checks(t)  # no whole-table check ran


@pytest.mark.parametrize(
    ("check", "key", "value", "expected"),
    [
        (LabelDrift, "label", {"Drift score": 0.2, "Method": "Cramer's V"}, (True, 0.2, "Cramer's V", False)),
        (LabelDrift, "label", {"Drift score": 0.2001, "Method": "PSI"}, (True, 0.2001, "PSI", True)),
        (PredictionDrift, "prediction", {"Drift score": 0.21}, (True, 0.21, "", True)),
        (
            PredictionDrift,
            "prediction",
            {"Drift score": {"a": 0.1, "b": 0.3}, "Method": "PSI"},
            (True, 0.3, "PSI", True),
        ),
        (PredictionDrift, "prediction", {"Drift score": float("nan"), "Method": "PSI"}, (False, None, "PSI", False)),
        (
            MultivariateDrift,
            "multivariate",
            {"domain_classifier_drift_score": 0.25},
            (True, 0.25, "domain classifier", False),
        ),
        (
            MultivariateDrift,
            "multivariate",
            {"domain_classifier_drift_score": 0.2501},
            (True, 0.2501, "domain classifier", True),
        ),
        (
            MultivariateDrift,
            "multivariate",
            {"domain_classifier_drift_score": None},
            (False, None, "domain classifier", False),
        ),
    ],
)
def test_read_results_a_whole_table_check_drifts_above_its_threshold(check, key, value, expected) -> None:
    from mlspec.monitor.drift_checks import read_results

    t = DriftThresholds(label=0.2, prediction=0.2, multivariate=0.25)
    checks = _checks(t)
    features, errors = read_results([_item(check, value)], checks, t)
    assert (features, errors) == ([], [])
    got = checks[key]
    assert (got.ran, got.score, got.method, got.drifted) == expected
    assert all(not c.ran and not c.drifted for name, c in checks.items() if name != key)


def test_read_results_a_failed_check_is_an_error_and_the_reason_of_its_check() -> None:
    from mlspec.monitor.drift_checks import read_results

    t = DriftThresholds()
    checks = _checks(t)
    items = [
        _item(FeatureDrift, exception="no common columns"),
        _item(LabelDrift, exception="label is constant"),
        _item(MultivariateDrift, exception="too few rows"),
        _item(PredictionDrift, exception="bad proba"),
    ]
    features, errors = read_results(items, checks, t)
    assert features == []
    assert errors == [
        "FeatureDrift failed: no common columns",
        "LabelDrift failed: label is constant",
        "MultivariateDrift failed: too few rows",
        "PredictionDrift failed: bad proba",
    ]
    assert {name: (c.reason, c.ran, c.drifted) for name, c in checks.items()} == {
        "label": ("LabelDrift failed: label is constant", False, False),
        "multivariate": ("MultivariateDrift failed: too few rows", False, False),
        "prediction": ("PredictionDrift failed: bad proba", False, False),
    }


def test_the_verdict_of_whole_table_checks_and_undecided_runs() -> None:
    t = DriftThresholds(max_drifted_features=0)
    for name in ("label", "multivariate", "prediction"):
        result = _result([("income", 0.1)], t)
        result.checks[name].drifted = True
        assert result.drifted and not result.too_many_features and not result.undecided, name
    one = _result([("income", 0.3)], t)
    assert one.too_many_features and one.drifted and one.drifted_features == one.features
    none = _result([("income", 0.1)], t)
    assert not none.drifted and not none.too_many_features and not none.undecided
    no_features = _result([], t)
    no_features.checks["multivariate"].drifted = True
    assert no_features.drifted and not no_features.undecided  # drift found decides, even without feature scores


def test_read_results_a_failure_without_an_exception_is_told_by_itself() -> None:
    from mlspec.monitor.drift_checks import read_results

    class Failure:
        check = LabelDrift()

        def __str__(self) -> str:
            return "LabelDrift could not run"

    t = DriftThresholds()
    checks = _checks(t)
    assert read_results([Failure()], checks, t) == ([], ["LabelDrift failed: LabelDrift could not run"])
    assert checks["label"].reason == "LabelDrift failed: LabelDrift could not run"
