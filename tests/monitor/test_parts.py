"""Parts of `mlspec drift` that need no deepchecks run: reference resolution, schema guard, payload."""

from __future__ import annotations

import json

import pytest

from mlspec.errors import UsageError
from mlspec.monitor.checks import CheckScore, DriftResult, FeatureScore
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
    from mlspec.monitor.checks import _score

    assert _score(value) == score
