"""mlspec's suite runner (two processes, PPS once, joblib in threads) produces what deepchecks' own
Suite.run produces: the same results in the same order, with the same headers, conditions and values."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

pytestmark = pytest.mark.slow  # runs deepchecks for real: `make test-fast` skips it


def datasets():
    from deepchecks.tabular import Dataset

    rng = np.random.default_rng(0)
    frame = pd.DataFrame({f"x{i}": rng.normal(0, 1, 240) for i in range(4)})
    frame["c"] = rng.choice(["a", "b"], 240)
    frame["y"] = (frame["x0"] + rng.normal(0, 0.5, 240) > 0).astype(int)
    wrap = lambda part: Dataset(part, label="y", cat_features=["c"])  # noqa: E731
    return wrap(frame.iloc[:180]), wrap(frame.iloc[180:].set_axis(range(1000, 1060)))


def suite():
    from deepchecks.tabular import Suite
    from deepchecks.tabular.checks import (
        FeatureLabelCorrelation,
        FeatureLabelCorrelationChange,
        IsSingleValue,
        MultivariateDrift,
    )

    change = FeatureLabelCorrelationChange(random_state=1).add_condition_feature_pps_difference_less_than(0.9)
    return Suite(
        "t",
        IsSingleValue().add_condition_not_single_value(),
        FeatureLabelCorrelation(random_state=1),
        change,
        MultivariateDrift(random_state=1).add_condition_overall_drift_value_less_than(),
    )


def summary(result):
    out = []
    for r in result.results:
        conditions = [(c.name, c.category.value, c.details) for c in getattr(r, "conditions_results", [])]
        value = getattr(r, "value", None)
        out.append((type(r).__name__, r.get_header(), conditions, repr(value)[:2000]))
    return out


@pytest.mark.parametrize("processes", [1, 2])
def test_same_results_as_suite_run(processes):
    from mlspec.pipeline.suite_run import run_suite

    train, test = datasets()
    expected = summary(suite().run(train_dataset=train, test_dataset=test))
    got = run_suite(suite(), *datasets(), None, processes=processes)
    assert summary(got) == expected
    assert all(r.check is not None for r in got.results)  # the checks are reattached (the HTML needs them)


def test_child_results_come_back(monkeypatch):
    """With two processes, some results are computed by the child: they arrive complete."""
    import os

    from mlspec.pipeline import suite_run

    ran_in = []
    original = suite_run.run_one

    def spy(check, kind, context, both, *deadline):
        result = original(check, kind, context, both, *deadline)
        result.pid = os.getpid()
        return result

    monkeypatch.setattr(suite_run, "run_one", spy)
    got = suite_run.run_suite(suite(), *datasets(), None, processes=2)
    ran_in = {getattr(r, "pid", None) for r in got.results}
    assert os.getpid() in ran_in and len(ran_in) == 2


def test_workers_setting(monkeypatch):
    from mlspec.pipeline import suite_run

    monkeypatch.delenv("MLSPEC_CHECK_WORKERS", raising=False)
    assert suite_run.workers() == 1  # one process unless asked: a forked child once deadlocked
    monkeypatch.setenv("MLSPEC_CHECK_WORKERS", "1")
    assert suite_run.workers() == 1
    monkeypatch.setenv("MLSPEC_CHECK_WORKERS", "2")
    assert suite_run.workers() == 2
    monkeypatch.setenv("MLSPEC_CHECK_WORKERS", "0")  # deepchecks' own Suite.run: the same results
    train, test = datasets()
    assert summary(suite_run.run_suite(suite(), train, test, None)) == summary(
        suite().run(train_dataset=train, test_dataset=test)
    )


@pytest.mark.parametrize("sort_by", ["drift score", "feature importance"])
def test_feature_drift_draws_only_the_shown_figures_with_the_same_result(sort_by, monkeypatch):
    """drift_plots_shown_only: the same scores, conditions and display (headnote and the top figures, as
    plotly JSON) as deepchecks' own FeatureDrift, which draws every column's figure."""
    from deepchecks.core import CheckResult
    from deepchecks.tabular import Dataset
    from deepchecks.tabular.checks import FeatureDrift
    from deepchecks.tabular.context import Context

    from mlspec.pipeline.suite_run import drift_plots_shown_only

    rng = np.random.default_rng(3)
    frame = pd.DataFrame({f"x{i}": rng.normal(i % 3 * 0.2, 1, 300) for i in range(9)})
    frame["c"] = rng.choice(["a", "b", "c"], 300)
    frame["y"] = (frame["x0"] > 0).astype(int)
    train = Dataset(frame.iloc[:200], label="y", cat_features=["c"])
    shifted = frame.iloc[200:].copy()
    shifted[["x1", "x4", "x7"]] += [0.3, 1.0, 0.6]
    test = Dataset(shifted, label="y", cat_features=["c"])
    importance = pd.Series(np.linspace(1, 0.1, 10), index=[*[f"x{i}" for i in range(9)], "c"])

    def run() -> CheckResult:
        check = FeatureDrift(sort_feature_by=sort_by, n_top_columns=3).add_condition_drift_score_less_than(0.2)
        context = Context(train, test, feature_importance=importance / importance.sum())
        result = check.run_logic(context)
        context.finalize_check_result(result, check)
        return result

    def shape(result: CheckResult) -> tuple:
        shown = [d.to_json() if hasattr(d, "to_json") else str(d) for d in result.display]
        return result.value, [(c.category, c.details) for c in result.conditions_results], shown

    from deepchecks.utils.abstracts import feature_drift

    drawn: list[str] = []
    draw = feature_drift.calc_drift_and_plot

    def counting(**kwargs):
        if kwargs.get("with_display"):
            drawn.append(kwargs["value_name"])
        return draw(**kwargs)

    monkeypatch.setattr(feature_drift, "calc_drift_and_plot", counting)
    expected = run()
    assert len(drawn) == 10  # deepchecks draws every column
    drawn.clear()
    with drift_plots_shown_only():
        fast = run()
    assert len(drawn) == 3  # only the shown ones
    assert len([d for d in fast.display if hasattr(d, "to_json")]) == 3
    assert shape(fast) == shape(expected)


def test_importance_computed_once_with_fewer_shuffles_and_said_so():
    """A Pipeline has no built-in importances: permutation importance, PERMUTATION_REPEATS shuffles on the test
    set, and the note says so; the checks then use that importance; checks sampling below a dataset's rows
    are named with the rows they saw."""
    from deepchecks.tabular import Suite
    from deepchecks.tabular.checks import UnusedFeatures, WeakSegmentsPerformance
    from sklearn.compose import make_column_transformer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OrdinalEncoder

    from mlspec.pipeline.checks import sampled_rows
    from mlspec.pipeline.suite_run import PERMUTATION_REPEATS, run_suite

    train, test = datasets()
    model = make_pipeline(
        make_column_transformer((OrdinalEncoder(), ["c"]), remainder="passthrough"), LogisticRegression()
    ).fit(train.features_columns, train.label_col)
    suite = Suite("t", UnusedFeatures(), WeakSegmentsPerformance(n_samples=100))
    notes: list[str] = []
    result = run_suite(suite, train, test, model, processes=1, notes=notes)
    assert PERMUTATION_REPEATS == 10
    assert notes == [
        "feature importance: permutation importance (10 shuffles per feature) on 60 of 60 test rows",
        "WeakSegmentsPerformance ran on the test set only: on its own training rows a model has no weak segments to find",
    ]
    # UnusedFeatures on train and test, WeakSegmentsPerformance on test only
    assert [(type(r).__name__, r.header) for r in result.results][2:] == [
        ("CheckResult", "Weak Segments Performance - Test Dataset")
    ]
    assert [type(r).__name__ for r in result.results] == ["CheckResult"] * 3
    assert sampled_rows(suite, {"train": 180, "test": 600}) == [
        "WeakSegmentsPerformance sampled 100 of 600 test rows (its n_samples)"
    ]  # not of the train rows: it does not see them
    assert sampled_rows(suite, {"train": 180, "test": 60}) == []
