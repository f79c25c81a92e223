"""Run a deepchecks tabular Suite faster than ``Suite.run`` without changing what it produces.

What deepchecks' Suite.run does, with four changes that leave every check, condition and display as
they are:
1. the checks run on two processes: a forked child takes work units from the same queue as this
   process (most expensive first) and sends its results back; they are put in suite order again;
2. the predictive power scores that FeatureLabelCorrelation (train, test) and
   FeatureLabelCorrelationChange compute on the same sampled rows are computed once (memoized on the
   table's content);
3. joblib runs in threads, not in freshly started worker processes (sklearn's permutation importance in
   MultivariateDrift spent seconds starting them for a few hundred rows; so did the model's permutation
   importance, 2-3 s of 6 on a 16k-row project);
4. WeakSegmentsPerformance searches its feature pairs on two threads from 2,000 rows (``weak_segments_in_threads``:
   scikit-learn builds the trees without the GIL), and deepchecks' own loop takes the results in its order.

MLSPEC_CHECK_WORKERS=0 uses deepchecks' own Suite.run (the benchmark's baseline), 1 (the default) runs
everything in this process, 2 adds the forked second process (opt-in: see `workers`).

Two additions of mlspec's own: each check on each dataset has a deadline (``timeout``: a check past it
is stopped and becomes a CheckFailure saying so, and the next check runs), and checks can be given a
context of their own (``narrow``: e.g. datasets with fewer columns).
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
import time
from collections.abc import Iterator
from typing import Any

# relative cost of a check on one dataset, measured on the bundled example and a 16k-row project
COST = {
    "WeakSegmentsPerformance": 50,
    "MultivariateDrift": 30,
    "FeatureDrift": 20,
    "FeatureLabelCorrelation": 12,
    "FeatureLabelCorrelationChange": 12,
    "SimpleModelComparison": 8,
    "UnusedFeatures": 6,
    "CalibrationScore": 4,
    "TrainTestPerformance": 4,
    "FeatureFeatureCorrelation": 3,
    "RocReport": 2,
    "ConfusionMatrixReport": 2,
    "PredictionDrift": 2,
    "OutlierSampleDetection": 2,
}
PPS_CHECKS = ("FeatureLabelCorrelation", "FeatureLabelCorrelationChange")
# Single-dataset checks that run on the test set only (deepchecks' Suite.run runs them on both): on its own
# training rows a fitted model has no weak segments to find, and deepchecks mostly cannot even train its error
# model there ("unable to train an error model"), which cost 36 s of CPU on 10,000 rows for an errored check.
TEST_ONLY = {
    "WeakSegmentsPerformance": "ran on the test set only: on its own training rows a model has no weak segments to find",
}

# Single-dataset checks that run on the training set only: in a small test set a rare value is often not drawn at
# all and a strong feature can separate the classes perfectly by chance (load_digits: 4 pixel columns nonzero in
# under 1% of rows were constant in its 450 test rows; load_iris: petal width separated the 38 test rows
# perfectly in about one split of five). A constant column or a leaking feature is a defect of what the model
# learns from: the training rows; FeatureLabelCorrelationChange compares the two sets.
TRAIN_ONLY = {
    "IsSingleValue": "ran on the training set only: a column constant only in the test rows is a rare value they "
    "did not draw",
    "FeatureLabelCorrelation": "ran on the training set only: a small test set separates classes by chance "
    "(FeatureLabelCorrelationChange compares train and test)",
}

Key = tuple[int, str]


class CheckDeadline(BaseException):
    """A check ran past its deadline. A BaseException, so that deepchecks' own `except Exception`
    around a column does not swallow it."""


class CheckTimedOut(Exception):
    """What a timed-out check's CheckFailure holds: the message says which deadline it missed."""


@contextlib.contextmanager
def deadline(seconds: float | None, what: str = "the check") -> Iterator[None]:
    """Raise CheckDeadline in this (main) thread after ``seconds``; no deadline without SIGALRM or
    off the main thread (the check then runs to its end)."""
    if not seconds or threading.current_thread() is not threading.main_thread() or not hasattr(signal, "setitimer"):
        yield
        return

    def on_alarm(signum: int, frame: Any) -> None:
        raise CheckDeadline(what)

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def workers() -> int:
    """Processes for the checks: MLSPEC_CHECK_WORKERS=2 opts into a forked second process; the
    default is this process only. Forking a process that already runs threads (joblib, BentoML,
    matplotlib) deadlocked a child once in testing, and a hung CI job is worse than a slower one."""
    raw = os.environ.get("MLSPEC_CHECK_WORKERS", "").strip()
    if raw.isdigit() and int(raw) >= 2 and hasattr(os, "fork"):
        return 2
    return 1


@contextlib.contextmanager
def pps_once() -> Iterator[None]:
    """deepchecks.ppscore.predictors memoized on the content of its table and its arguments."""
    import pandas as pd
    from deepchecks import ppscore

    original = ppscore.predictors
    memo: dict[Any, Any] = {}

    def predictors(df: Any, y: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            digest = (
                tuple(map(str, df.columns)),
                tuple(map(str, df.dtypes)),
                str(y),
                repr(args),
                repr(sorted(kwargs.items())),
                int(pd.util.hash_pandas_object(df, index=True).sum()),
            )
        except Exception:  # noqa: BLE001 - content that does not hash: compute as deepchecks would
            return original(df, y, *args, **kwargs)
        if digest not in memo:
            memo[digest] = original(df, y, *args, **kwargs)
        return memo[digest].copy()

    ppscore.predictors = predictors
    try:
        yield
    finally:
        ppscore.predictors = original


def _top_drift_columns(check: Any, results: dict[str, Any], features_order: Any) -> list[str]:
    """The columns FeatureDrift's display shows, by its documented ``sort_feature_by`` (the ranking of
    deepchecks 0.19.1): by importance, by drift score plus importance (both only when the model's feature
    order is known), else by drift score (a missing score counts 0); the first ``n_top_columns``."""

    def drift(column: str) -> float:
        return float(results[column]["Drift score"] or 0)

    ranked: list[str]
    known = None if features_order is None else [name for name in features_order if name in results]
    if known is not None and check.sort_feature_by == "feature importance":
        ranked = known
    elif known is not None and check.sort_feature_by == "drift + importance":
        ranked = sorted(known, key=lambda column: drift(column) + results[column]["Importance"], reverse=True)
    else:
        ranked = sorted(results, key=drift, reverse=True)
    return ranked[: check.n_top_columns]


@contextlib.contextmanager
def drift_plots_shown_only() -> Iterator[None]:
    """FeatureDrift draws a plotly figure for every column and shows the top n_top_columns (5): 99% of its
    time (the example: 2.97 s of CPU with its figures, 0.03 s without). Here it scores every column without
    figures, then draws the shown ones: the same scores, conditions and display. Columns without enough
    samples change the display's note, so then deepchecks' own code runs."""
    from deepchecks.tabular.checks import FeatureDrift

    original = FeatureDrift._calculate_feature_drift

    def calculate(
        self: Any, drift_kind: Any, train: Any, test: Any, common_columns: dict[str, str], *args: Any, **kwargs: Any
    ) -> Any:
        names = (
            "train_dataframe_name",
            "test_dataframe_name",
            "with_display",
            "override_plot_titles",
            "feature_importance",
            "features_order",
        )
        bound = {**dict(zip(names, args, strict=False)), **kwargs}
        if not bound.get("with_display") or len(common_columns) <= self.n_top_columns:
            return original(self, drift_kind, train, test, common_columns, *args, **kwargs)
        results, _ = original(self, drift_kind, train, test, common_columns, **{**bound, "with_display": False})
        if any(r["Drift score"] is None for r in results.values()):
            return original(self, drift_kind, train, test, common_columns, *args, **kwargs)
        shown = _top_drift_columns(self, results, bound.get("features_order"))
        _, displays = original(self, drift_kind, train, test, {c: common_columns[c] for c in shown}, **bound)
        return results, displays

    FeatureDrift._calculate_feature_drift = calculate
    try:
        yield
    finally:
        FeatureDrift._calculate_feature_drift = original


WEAK_SEGMENT_THREADS = 2
# below this many rows the search is mostly Python (scoring each leaf), which two threads only contend for:
# measured on the 3-class project's data, 250 rows 5.7 -> 7.4 s with threads, 1,000 rows 3.4 -> 3.0 s,
# 2,000 rows 4.4 -> 2.9 s, 4,000 rows 10.0 -> 5.6 s (the bundled example's 143 rows: 2.0 -> 2.6 s)
WEAK_SEGMENT_THREAD_ROWS = 2_000


def _weak_segment_pairs(check: Any, data: Any, score_per_sample: Any, label_col: Any, rank: Any) -> tuple[Any, ...]:
    """The arguments WeakSegmentsPerformance's search (deepchecks 0.19.1) gives each pair's tree search: the rows
    with a score (rows scored NaN are left out), their scores and labels, and the feature pairs it tries, in its
    order: every two of the top ``n_top_features`` of ``rank`` (all columns when no rank is given), the earlier
    ranked first unless only the later one is categorical (an ``encoder_mapping`` key), which then goes first."""
    import itertools

    scores = score_per_sample.dropna()
    rows = data.loc[scores.index]
    labels = None if label_col is None else label_col.loc[scores.index]
    ranked = list(rows.columns if rank is None else rank)
    if check.n_top_features is not None:
        ranked = ranked[: check.n_top_features]
    categorical = set(check.encoder_mapping)
    pairs = [
        (second, first) if second in categorical and first not in categorical else (first, second)
        for first, second in itertools.combinations(ranked, 2)
    ]
    return rows, scores, labels, pairs


@contextlib.contextmanager
def weak_segments_in_threads(
    threads: int = WEAK_SEGMENT_THREADS, min_rows: int = WEAK_SEGMENT_THREAD_ROWS
) -> Iterator[None]:
    """WeakSegmentsPerformance fits a grid of decision trees for every pair of its top features, one pair after
    the other (the 16k-row project: 45 pairs, 12 s, 60% of it in scikit-learn's tree building, which releases the
    GIL). On at least ``min_rows`` rows, ``threads`` threads search the pairs ahead of deepchecks' own loop, which then takes each pair's
    result in its order: the same calls with the same arguments and seeds, so the same segments, scores,
    conditions and display. Anything unexpected (another pair, other rows) is computed by deepchecks' own code."""
    from concurrent.futures import Future, ThreadPoolExecutor

    from deepchecks.utils.abstracts.weak_segment_abstract import WeakSegmentAbstract

    search_original = WeakSegmentAbstract._weak_segments_search
    find_original = WeakSegmentAbstract._find_weak_segment

    def search(self: Any, data: Any, score_per_sample: Any, label_col: Any = None, *args: Any, **kwargs: Any) -> Any:
        names = ("feature_rank_for_search", "dummy_model", "scorer")
        bound = {**dict(zip(names, args, strict=False)), **kwargs}
        try:
            rows, scores, labels, pairs = _weak_segment_pairs(
                self, data, score_per_sample, label_col, bound.get("feature_rank_for_search")
            )
        except Exception:  # noqa: BLE001 - deepchecks' own loop raises what it raises
            return search_original(self, data, score_per_sample, label_col, *args, **kwargs)
        if threads < 2 or len(pairs) < 2 or len(rows) < min_rows:
            return search_original(self, data, score_per_sample, label_col, *args, **kwargs)
        model, scorer = bound.get("dummy_model"), bound.get("scorer")
        pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="mlspec-weak-segments")
        ahead: dict[tuple[str, str], Future[Any]] = {}
        for pair in pairs:
            ahead.setdefault(pair, pool.submit(find_original, self, rows, list(pair), scores, labels, model, scorer))

        def find(data_: Any, features: list[str], *rest: Any) -> Any:
            future = ahead.get((features[0], features[1])) if len(features) == 2 else None
            if future is None or len(data_) != len(rows) or not data_.index.equals(rows.index):
                return find_original(self, data_, features, *rest)
            return future.result()

        self._find_weak_segment = find  # this instance only, for this search
        try:
            return search_original(self, data, score_per_sample, label_col, *args, **kwargs)
        finally:
            del self._find_weak_segment
            pool.shutdown(wait=False, cancel_futures=True)  # past a deadline: the pairs not started are dropped

    WeakSegmentAbstract._weak_segments_search = search
    try:
        yield
    finally:
        WeakSegmentAbstract._weak_segments_search = search_original


def _key(index: int, kind: Any) -> Key:
    return index, "" if kind is None else str(kind.value)


def units(checks: list[Any], both: bool) -> list[list[tuple[int, Any]]]:
    """Work units, most expensive first: lists of (check index, dataset kind or None). The PPS checks
    share one unit, so they share the memo."""
    from deepchecks.core import DatasetKind
    from deepchecks.tabular.base_checks import SingleDatasetCheck

    found: list[tuple[int, list[tuple[int, Any]]]] = []
    pps: list[tuple[int, Any]] = []
    pps_cost = 0
    for index, check in enumerate(checks):
        name = type(check).__name__
        cost = COST.get(name, 1)
        if isinstance(check, SingleDatasetCheck) and both and name in TEST_ONLY:
            parts = [[(index, DatasetKind.TEST)]]
        elif isinstance(check, SingleDatasetCheck) and both and name in TRAIN_ONLY:
            parts = [[(index, DatasetKind.TRAIN)]]
        elif isinstance(check, SingleDatasetCheck) and both:
            parts = [[(index, DatasetKind.TRAIN)], [(index, DatasetKind.TEST)]]
        else:
            parts = [[(index, DatasetKind.TRAIN if isinstance(check, SingleDatasetCheck) else None)]]
        if name in PPS_CHECKS:
            for part in parts:
                pps += part
                pps_cost += cost
            continue
        found += [(cost, part) for part in parts]
    if pps:
        found.append((pps_cost, pps))
    found.sort(key=lambda item: -item[0])
    return [unit for _, unit in found]


def run_one(
    check: Any,
    kind: Any,
    context: Any,
    both: bool,
    timeout: float | None = None,
    timeout_key: str = "check_timeout_seconds",
) -> Any:
    """One check on one dataset (or a train-test check on both), exactly as Suite.run does it; past
    ``timeout`` seconds, a CheckFailure that says it did not finish."""
    from deepchecks.core.check_result import CheckFailure

    start = time.time()
    try:
        with deadline(timeout):
            result = _run_one(check, kind, context, both)
    except CheckDeadline:
        suffix = (
            (" - Train Dataset" if kind.value == "Train" else " - Test Dataset") if kind is not None and both else ""
        )
        result = CheckFailure(
            check,
            CheckTimedOut(f"did not finish within {timeout:g} s ({timeout_key}); stopped, the other checks ran"),
            suffix,
        )
    result.run_time = int(round(time.time() - start, 0))
    return result


UNSUPPORTED_TRAIN_TEST = "Check is irrelevant if not supplied with both train and test datasets"
UNSUPPORTED_NO_MODEL = "Check is irrelevant if model is not supplied"


def _run_one(check: Any, kind: Any, context: Any, both: bool) -> Any:
    """The result Suite.run gives for ``check`` on dataset ``kind``: a failure result (never an exception) when it
    raises, the "irrelevant" failures deepchecks words for a train-test check without both datasets and a model
    check without a model, and with both datasets a single-dataset result headed by its dataset."""
    from deepchecks.core.check_result import CheckFailure
    from deepchecks.tabular import Suite
    from deepchecks.tabular.base_checks import ModelOnlyCheck, SingleDatasetCheck, TrainTestCheck

    if isinstance(check, SingleDatasetCheck):
        named = f" - {kind.value} Dataset" if both else ""  # DatasetKind values: "Train", "Test"
        try:
            result = check.run_logic(context, dataset_kind=kind)
            context.finalize_check_result(result, check, kind)
            if named:
                result.header = result.get_header() + named
        except Exception as exc:  # noqa: BLE001 - a failure result; the other dataset still runs
            return CheckFailure(check, exc, named)
        return result
    try:
        if isinstance(check, TrainTestCheck):
            reason = None if both else UNSUPPORTED_TRAIN_TEST
        elif isinstance(check, ModelOnlyCheck):
            reason = None if context.model is not None else UNSUPPORTED_NO_MODEL
        else:
            raise TypeError(f"Don't know how to handle type {check.__class__.__name__} in suite.")
        if reason is not None:
            return Suite._get_unsupported_failure(check, reason)
        result = check.run_logic(context)
        context.finalize_check_result(result, check)
    except Exception as exc:  # noqa: BLE001
        return CheckFailure(check, exc)
    return result


def _portable(result: Any) -> bytes | None:
    """The pickled result without its check (conditions are closures); None when it does not pickle."""
    import pickle

    check = result.check
    result.check = None
    try:
        return pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception:  # noqa: BLE001 - this process runs that one again
        return None
    finally:
        result.check = check


def _run_forked(todo: list[list[tuple[int, Any]]], checks: list[Any], run: Any) -> dict[Key, Any]:
    """Units run here and on a forked child, both taking the next unit from a shared counter; returns
    both processes' results (the child's unpickled with their checks reattached)."""
    import multiprocessing
    import pickle

    mp = multiprocessing.get_context("fork")
    counter = mp.Value("i", 0)
    reader, writer = mp.Pipe(duplex=False)

    def take() -> int:
        with counter.get_lock():
            value: int = counter.value
            counter.value += 1
        return value

    def child() -> None:
        try:
            reader.close()
            out: list[tuple[Key, bytes | None]] = []
            while (n := take()) < len(todo):
                for index, kind in todo[n]:
                    out.append((_key(index, kind), _portable(run(index, kind))))
            writer.send_bytes(pickle.dumps(out, protocol=pickle.HIGHEST_PROTOCOL))
        finally:
            os._exit(0)

    process = mp.Process(target=child, daemon=True)
    try:
        process.start()
    except OSError:
        reader.close()
        writer.close()
        return {}
    writer.close()
    done: dict[Key, Any] = {}
    while (n := take()) < len(todo):
        for index, kind in todo[n]:
            done[_key(index, kind)] = run(index, kind)
    try:
        payload = pickle.loads(reader.recv_bytes())
    except Exception:  # noqa: BLE001 - the child died or sent nothing usable: its units run here
        payload = []
    finally:
        reader.close()
        process.join(timeout=30)
        if process.is_alive():
            process.kill()
            process.join()
    for key, blob in payload:
        if blob is None:
            continue
        try:
            result = pickle.loads(blob)
        except Exception:  # noqa: BLE001
            continue
        result.check = checks[key[0]]
        done[key] = result
    return done


def run_checks(
    checks: list[Any],
    context: Any,
    both: bool,
    processes: int,
    timeout: float | None = None,
    contexts: dict[int, Any] | None = None,
    timeout_key: str = "check_timeout_seconds",
) -> list[Any]:
    """Every check's results in the order Suite.run produces them; check i runs on ``contexts[i]`` when
    given, else on ``context``, each for at most ``timeout`` seconds per dataset."""
    from deepchecks.core import DatasetKind
    from deepchecks.tabular.base_checks import SingleDatasetCheck

    contexts = contexts or {}

    def run(index: int, kind: Any) -> Any:
        return run_one(checks[index], kind, contexts.get(index, context), both, timeout, timeout_key)

    todo = units(checks, both)
    done: dict[Key, Any] = {}
    if processes > 1 and len(todo) > 1:
        from threadpoolctl import threadpool_limits

        # one thread each for OpenMP/BLAS: two processes of spinning OpenMP teams on two cores crawl
        with threadpool_limits(limits=1):
            done.update(_run_forked(todo, checks, run))
    for unit in todo:  # whatever the child did not bring back (everything, in one process)
        for index, kind in unit:
            if _key(index, kind) not in done:
                done[_key(index, kind)] = run(index, kind)
    ordered = []
    for index, check in enumerate(checks):
        if isinstance(check, SingleDatasetCheck) and both and type(check).__name__ in TEST_ONLY:
            ordered.append(done[_key(index, DatasetKind.TEST)])
        elif isinstance(check, SingleDatasetCheck) and both and type(check).__name__ in TRAIN_ONLY:
            ordered.append(done[_key(index, DatasetKind.TRAIN)])
        elif isinstance(check, SingleDatasetCheck) and both:
            ordered += [done[_key(index, DatasetKind.TRAIN)], done[_key(index, DatasetKind.TEST)]]
        elif isinstance(check, SingleDatasetCheck):
            ordered.append(done[_key(index, DatasetKind.TRAIN)])
        else:
            ordered.append(done[_key(index, None)])
    return ordered


PERMUTATION_REPEATS = 10  # deepchecks: 30; scikit-learn's own default: 5


def importance(context: Any) -> str:
    """The model's feature importance, computed once as deepchecks' Context does (built-in importances, else
    permutation importance on the test set, at most 10,000 rows), with PERMUTATION_REPEATS shuffles per feature
    instead of 30: permutation importance was a third of the model tests on a 16k-row project (24 s of 68). It
    orders the columns of the displays and picks the features WeakSegmentsPerformance and UnusedFeatures look at.
    Returns how it was computed, in words ("" when deepchecks has none)."""
    from deepchecks.tabular.utils.feature_importance import calculate_feature_importance_or_none

    if context._calculated_importance:
        return ""
    dataset = context.test if context.have_test() else context.train
    kwargs = {"timeout": context.feature_importance_timeout, "n_repeats": PERMUTATION_REPEATS}
    found, kind = calculate_feature_importance_or_none(
        context._model,
        dataset,
        context.model_classes,
        context._observed_classes,
        context.task_type,
        context._feature_importance_force_permutation,
        kwargs,
    )
    context._feature_importance, context._importance_type, context._calculated_importance = found, kind, True
    if found is None:
        return ""
    if kind == "permutation_importance":
        which = "test" if context.have_test() else "train"
        rows = min(dataset.n_samples, 10_000)
        return (
            f"permutation importance ({PERMUTATION_REPEATS} shuffles per feature) on {rows:,} of "
            f"{dataset.n_samples:,} {which} rows"
        )
    return f"the model's built-in importances ({kind})"


def run_suite(
    suite: Any,
    train_ds: Any,
    test_ds: Any,
    model: Any = None,
    processes: int | None = None,
    timeout: float | None = None,
    narrow: tuple[set[str], Any, Any] | None = None,
    timeout_key: str = "check_timeout_seconds",
    notes: list[str] | None = None,
) -> Any:
    """``suite.run(train_dataset=train_ds, test_dataset=test_ds, model=model)``, faster; a SuiteResult.
    ``notes``: gets how the feature importance was computed, when it was.
    ``timeout``: seconds per check and dataset; ``narrow``: (check class names, train, test) - those
    checks run on these datasets (without the model) instead."""
    from deepchecks.core.suite import SuiteResult
    from deepchecks.tabular.context import Context

    try:
        from joblib import parallel_config
    except ImportError:  # joblib < 1.3
        from joblib import parallel_backend as parallel_config
    if train_ds is None or test_ds is None or os.environ.get("MLSPEC_CHECK_WORKERS", "").strip() == "0":
        return suite.run(train_dataset=train_ds, test_dataset=test_ds, model=model)  # deepchecks' own loop
    context = Context(train_ds, test_ds, model)
    if model is not None:
        # computed once, before the fork; errors surface in the checks. In threads: deepchecks asks joblib for
        # n_jobs=-1, which otherwise starts loky worker processes (2-3 s on a 16k-row project, same numbers)
        with contextlib.suppress(Exception), parallel_config(backend="threading"):
            how = importance(context)
            if how and notes is not None:
                notes.append(f"feature importance: {how}")
    checks = list(suite.checks.values())
    if notes is not None:
        notes += [
            f"{name} {why}"
            for name, why in {**TEST_ONLY, **TRAIN_ONLY}.items()
            if any(type(c).__name__ == name for c in checks)
        ]
    contexts: dict[int, Any] = {}
    if narrow is not None:
        names, narrow_train, narrow_test = narrow
        narrow_context = Context(narrow_train, narrow_test, None)
        contexts = {i: narrow_context for i, check in enumerate(checks) if type(check).__name__ in names}
    with parallel_config(backend="threading"), pps_once(), drift_plots_shown_only(), weak_segments_in_threads():
        results = run_checks(
            checks, context, True, workers() if processes is None else processes, timeout, contexts, timeout_key
        )
    return SuiteResult(suite.name, results)
