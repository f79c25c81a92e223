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
    # mlspec runs the TRAIN_ONLY single-dataset checks on the training set only (suite_run.TRAIN_ONLY says why);
    # every other result is deepchecks' own
    expected = [
        row
        for row in summary(suite().run(train_dataset=train, test_dataset=test))
        if not row[1].endswith(" - Test Dataset")
    ]
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


def weak_segments_setup():
    """A 3-class model with a categorical feature on 600 test rows: WeakSegmentsPerformance's search over
    the pairs of its top features (categorical ones first)."""
    from deepchecks.tabular import Dataset
    from deepchecks.tabular.context import Context
    from sklearn.compose import make_column_transformer
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OrdinalEncoder

    rng = np.random.default_rng(5)
    frame = pd.DataFrame({f"x{i}": rng.normal(0, 1, 1200).round(3) for i in range(6)})
    frame["c"] = rng.choice(["a", "b", "c", "d"], 1200)
    score = frame["x0"] - frame["x1"] + (frame["c"] == "b") + rng.normal(0, 0.8, 1200)
    frame["y"] = np.digitize(score, [-0.6, 0.6])
    wrap = lambda part: Dataset(part, label="y", cat_features=["c"])  # noqa: E731
    train, test = wrap(frame.iloc[:600]), wrap(frame.iloc[600:])
    model = make_pipeline(
        make_column_transformer((OrdinalEncoder(), ["c"]), remainder="passthrough"),
        RandomForestClassifier(n_estimators=20, max_depth=6, random_state=0),
    ).fit(train.features_columns, train.label_col)
    importance = pd.Series(np.linspace(1, 0.3, 7), index=["x2", "c", "x0", "x5", "x1", "x3", "x4"])
    return Context(train, test, model, feature_importance=importance / importance.sum())


def test_weak_segments_in_threads_same_result(monkeypatch):
    """weak_segments_in_threads: every pair is searched on the worker threads, with the same arguments, and the
    check's value, conditions and display are deepchecks' own."""
    import threading

    from deepchecks.core import DatasetKind
    from deepchecks.tabular.checks import WeakSegmentsPerformance
    from deepchecks.utils.abstracts.weak_segment_abstract import WeakSegmentAbstract

    from mlspec.pipeline.suite_run import weak_segments_in_threads

    context = weak_segments_setup()

    def run():
        check = WeakSegmentsPerformance(
            random_state=1, n_top_features=6
        ).add_condition_segments_relative_performance_greater_than()
        result = check.run_logic(context, DatasetKind.TEST)
        context.finalize_check_result(result, check, DatasetKind.TEST)
        value = result.value
        shown = [d.to_json() if hasattr(d, "to_json") else str(d) for d in result.display]
        return (
            value["avg_score"],
            value["weak_segments_list"],
            [(c.category, c.details) for c in result.conditions_results],
            shown,
        )

    where: list[str] = []
    find = WeakSegmentAbstract._find_weak_segment

    def spy(self, data, features, *args):
        where.append(threading.current_thread().name)
        return find(self, data, features, *args)

    monkeypatch.setattr(WeakSegmentAbstract, "_find_weak_segment", spy)
    expected = run()
    assert len(where) == 15 and set(where) == {threading.main_thread().name}  # 6 features: 15 pairs, one by one
    where.clear()
    with weak_segments_in_threads(2, min_rows=600):
        fast = run()
    assert len(where) == 15 and all(name.startswith("mlspec-weak-segments") for name in where)
    assert fast[0] == expected[0]
    assert fast[1].equals(expected[1])
    assert fast[2:] == expected[2:]
    assert WeakSegmentAbstract._weak_segments_search.__module__ == "deepchecks.utils.abstracts.weak_segment_abstract"
    where.clear()
    with weak_segments_in_threads(2, min_rows=601):  # fewer rows: one by one, as deepchecks does
        assert run()[2:] == expected[2:]
    assert len(where) == 15 and set(where) == {threading.main_thread().name}


def test_weak_segments_in_threads_stops_at_the_deadline():
    """A check past its deadline while the threads search: the check becomes a timed-out failure promptly and
    the pairs not yet started are dropped."""
    import time

    from deepchecks.core import DatasetKind
    from deepchecks.core.check_result import CheckFailure
    from deepchecks.tabular.checks import WeakSegmentsPerformance
    from deepchecks.utils.abstracts.weak_segment_abstract import WeakSegmentAbstract

    from mlspec.pipeline.suite_run import CheckTimedOut, run_one, weak_segments_in_threads

    context = weak_segments_setup()
    find = WeakSegmentAbstract._find_weak_segment
    calls: list[float] = []

    def slow(self, *args):
        calls.append(time.perf_counter())
        time.sleep(0.3)
        return find(self, *args)

    WeakSegmentAbstract._find_weak_segment = slow
    try:
        start = time.perf_counter()
        with weak_segments_in_threads(2, min_rows=0):
            result = run_one(WeakSegmentsPerformance(n_top_features=6), DatasetKind.TEST, context, True, timeout=0.5)
        stopped = time.perf_counter() - start
        time.sleep(0.8)  # the pairs that were running finish; no others start
    finally:
        WeakSegmentAbstract._find_weak_segment = find
    assert isinstance(result, CheckFailure) and isinstance(result.exception, CheckTimedOut)
    assert stopped < 2
    assert len(calls) < 15


def test_importance_uses_joblib_threads(monkeypatch):
    """deepchecks asks for permutation importance with n_jobs=-1: it runs in threads, not in loky worker
    processes started for it."""
    import joblib.parallel
    from deepchecks.tabular.utils import feature_importance
    from sklearn.compose import make_column_transformer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OrdinalEncoder

    from mlspec.pipeline.suite_run import run_suite

    train, test = datasets()
    model = make_pipeline(
        make_column_transformer((OrdinalEncoder(), ["c"]), remainder="passthrough"), LogisticRegression()
    ).fit(train.features_columns, train.label_col)
    backends: list[str] = []
    permutation = feature_importance.permutation_importance

    def spy(*args, **kwargs):
        backends.append(type(joblib.parallel.get_active_backend()[0]).__name__)
        return permutation(*args, **kwargs)

    monkeypatch.setattr(feature_importance, "permutation_importance", spy)
    from deepchecks.tabular import Suite
    from deepchecks.tabular.checks import UnusedFeatures

    notes: list[str] = []
    run_suite(Suite("t", UnusedFeatures()), train, test, model, processes=1, notes=notes)
    assert backends == ["ThreadingBackend"]
    assert notes[0].startswith("feature importance: permutation importance")
