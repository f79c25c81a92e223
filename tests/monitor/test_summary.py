"""The drift summary says an errored check right under its verdict ("could not decide" pointed to the bottom of
the page, where the errors were mixed with the notes), and its whole-table checks have a heading (the table
followed the drifted features' table with nothing to say what it was)."""

from __future__ import annotations

from mlspec.monitor.drift_checks import CheckScore, DriftResult, FeatureScore
from mlspec.monitor.summary import DriftRun, markdown
from mlspec.spec.models import DriftThresholds


def _summary(errors: list[str]) -> str:
    features = [FeatureScore(feature="income", score=0.5, method="Kolmogorov-Smirnov", threshold=0.2, drifted=True)]
    checks = {"label": CheckScore("label", 0.2, ran=False, reason="the current data has no label column")}
    result = DriftResult(
        features=features,
        checks=checks,
        thresholds=DriftThresholds(),
        sampled={"reference": 100, "current": 80},
        errors=errors,
    )
    run = DriftRun(
        project="houses",
        environment="production",
        reference={"path": "data/train.csv", "rows": 100},
        current={"path": "incoming.csv", "rows": 80},
        notes=["numeric columns compared with Kolmogorov-Smirnov"],
    )
    return markdown(result, run, plot=None)


def test_errors_come_under_the_verdict_and_notes_stay_at_the_end() -> None:
    text = _summary(["MultivariateDrift: ValueError: too few rows"])
    lines = text.splitlines()
    verdict = next(i for i, line in enumerate(lines) if line.startswith("Verdict: "))
    assert lines[verdict + 2] == "> ❗ MultivariateDrift: ValueError: too few rows"
    assert text.count("too few rows") == 1
    assert lines[-1] == "> numeric columns compared with Kolmogorov-Smirnov"


def test_whole_table_checks_have_a_heading() -> None:
    text = _summary([])
    heading = "### Whole-table checks (label, multivariate, prediction)"
    assert text.index("### Drifted features") < text.index(heading) < text.index("| check | score | threshold |")
    assert "❗" not in text
