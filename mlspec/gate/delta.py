"""The `delta` gate kind: the improvement over the champion of the gate's environment against `min_delta` and/or
`max_delta` (absolute or `relative`), from the recorded or re-scored metrics, or with `bootstrap` from a paired
bootstrap of both models' predictions on the current test rows."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from mlspec.gate.kind_base import ALLOWED_FIRST, TOLERANCE, metric_problem, metric_value
from mlspec.gate.results import GateResult, fmt

if TYPE_CHECKING:
    from collections.abc import Callable

    from mlspec.gate.kind_base import GateRun
    from mlspec.spec.models import Gate
    from mlspec.state.deploy import Deployment
    from mlspec.state.record import DataRole, RunRecord


class DeltaKind:
    name = "delta"
    needs_champion = True

    def applies(self, gate: Gate) -> bool:
        return gate.min_delta is not None or gate.max_delta is not None

    def evaluate(self, index: int, gate: Gate, direction: str, run: GateRun) -> GateResult:
        return _delta(index, gate, direction, run)


def _bound(value: float, relative: bool) -> str:
    return f"{value:+.2%}" if relative else f"{value:+g}"


def _delta_text(gate: Gate, env: str) -> str:
    subject = f"{gate.metric} {'relative ' if gate.relative else ''}improvement"
    if gate.min_delta is not None and gate.max_delta is not None:
        text = f"{_bound(gate.min_delta, gate.relative)} <= {subject} <= {_bound(gate.max_delta, gate.relative)}"
    elif gate.min_delta is not None:
        text = f"{subject} >= {_bound(gate.min_delta, gate.relative)}"
    else:
        # the Gate model requires min_delta or max_delta on a delta gate, so max_delta is set here
        text = f"{subject} <= {_bound(gate.max_delta, gate.relative)}"  # type: ignore[arg-type]
    text += f" vs {env} champion"
    if gate.bootstrap is not None:
        text += f" (bootstrap {gate.bootstrap.confidence:.0%})"
    return text


def _check_bounds(result: GateResult, gate: Gate, low: float, high: float, what: str) -> None:
    """Pass when [low, high] lies within [min_delta, max_delta]."""
    shown: Callable[[float], str] = (lambda v: f"{v:+.2%}") if gate.relative else (lambda v: fmt(v, signed=True))
    if gate.min_delta is not None and not low >= gate.min_delta - TOLERANCE:
        result.reason = f"{what} {shown(low)} is below min_delta {_bound(gate.min_delta, gate.relative)}"
    elif gate.max_delta is not None and not high <= gate.max_delta + TOLERANCE:
        result.reason = f"{what} {shown(high)} is above max_delta {_bound(gate.max_delta, gate.relative)}"
    else:
        result.verdict = "pass"


def other_test_data(champion: Deployment, record: RunRecord) -> bool:
    data = champion.lineage.get("data")
    theirs: dict[str, Any] = data if isinstance(data, dict) else {}
    ours = {d.role: d.digest for d in record.data}
    role: DataRole = "test" if "test" in ours else "source"
    return bool(theirs.get(role)) and bool(ours.get(role)) and theirs.get(role) != ours.get(role)


def _delta(index: int, gate: Gate, direction: str, ctx: GateRun) -> GateResult:
    env = gate.environment or ctx.env
    record = ctx.record
    result = GateResult(
        index=index,
        metric=gate.metric,
        kind="delta",
        direction=direction,
        threshold=_delta_text(gate, env),
        verdict="fail",
        reason="",
        value=metric_value(record.metrics, gate.metric),
        relative=gate.relative,
        environment=env,
    )
    if gate.bootstrap is not None:
        result.confidence, result.resamples = gate.bootstrap.confidence, gate.bootstrap.resamples
    problem = metric_problem(record.metrics, gate.metric, f"run {record.run_id}")
    if problem:
        result.reason = problem
        return result
    lookup = ctx.champion(env)
    champion = lookup.deployment
    if champion is None:
        if gate.allow_missing_champion:
            result.verdict, result.reason = "pass", ALLOWED_FIRST
        else:
            result.reason = (
                f"no champion in {env}: {lookup.source} does not exist, and this delta gate needs one "
                "(set allow_missing_champion: true on the gate to let the first model pass)"
            )
        return result
    whose = f"the {env} champion {champion.model.tag}"
    if gate.bootstrap is not None:
        return _bootstrap(result, gate, direction, ctx, champion)
    rescored, _ = ctx.rescored(env)
    if gate.metric in rescored:
        baseline = rescored[gate.metric]
    else:
        problem = metric_problem(champion.metrics, gate.metric, f"{whose} ({lookup.source})")
        if problem:
            result.reason = problem
            return result
        baseline = float(champion.metrics[gate.metric])  # type: ignore[arg-type]  # metric_problem: a finite number
    value = float(record.metrics[gate.metric])  # type: ignore[arg-type]  # metric_problem above: a finite number
    result.baseline = baseline
    diff = value - baseline if direction == "higher" else baseline - value
    if gate.relative:
        if baseline == 0:
            result.reason = f"{whose} has {gate.metric} = 0: a relative delta is undefined"
            return result
        diff = diff / abs(baseline)
    result.delta = diff
    _check_bounds(result, gate, diff, diff, "the improvement")
    if gate.metric in rescored:
        note = "the champion re-scored on the current test set"
    elif other_test_data(champion, record):
        note = "the champion was scored on other test data; a bootstrap gate compares both on the same rows"
    else:
        note = ""
    if note:
        result.reason = f"{result.reason}; {note}" if result.reason else note
    return result


def _bootstrap(result: GateResult, gate: Gate, direction: str, ctx: GateRun, champion: Deployment) -> GateResult:
    from mlspec.gate.bootstrap import MetricUnsupported, paired_bootstrap
    from mlspec.gate.predictions import ChampionModelMissing, PredictionsUnavailable, champion_predictions

    assert gate.bootstrap is not None
    try:
        mine = ctx.challenger_rows()
        theirs = champion_predictions(ctx.loaded, ctx.store, ctx.record, champion, mine, ctx.task)
        outcome = paired_bootstrap(
            metric=gate.metric,
            task=ctx.task,
            direction=direction,
            relative=gate.relative,
            y_true=mine.y_true,
            challenger=mine.predictions,
            champion=theirs.predictions,
            resamples=gate.bootstrap.resamples,
            confidence=gate.bootstrap.confidence,
            seed=gate.bootstrap.seed,
            positive=ctx.record.positive_class,
        )
    except ChampionModelMissing as exc:
        if gate.allow_missing_champion:
            result.verdict = "pass"
            result.reason = f"{exc.message}; passed because allow_missing_champion is set"
        else:
            result.reason = str(exc).replace("\n  hint: ", "; ")
        return result
    except (PredictionsUnavailable, MetricUnsupported) as exc:
        result.reason = str(exc).replace("\n  hint: ", "; ")
        return result
    result.baseline, result.delta = outcome.champion, outcome.improvement
    if gate.relative and outcome.champion == 0:
        result.reason = f"the champion's {gate.metric} on the test rows is 0: a relative delta is undefined"
        return result
    if not (math.isfinite(outcome.low) and math.isfinite(outcome.high)):
        result.reason = f"the bootstrap interval of {gate.metric} is undefined (every resample was degenerate)"
        return result
    result.interval = (outcome.low, outcome.high)
    level = f"{gate.bootstrap.confidence:.0%}"
    _check_bounds(result, gate, outcome.low, outcome.high, f"the {level} interval's bound")
    if result.passed:
        result.reason = f"the {level} interval clears the threshold ({outcome.resamples} paired resamples)"
    elif gate.min_delta is not None and outcome.low < gate.min_delta:
        result.reason += ": the improvement is not significant"
    notes = []
    if result.value is not None and abs(outcome.challenger - result.value) > 1e-6:
        notes.append(f"recomputed from the predictions, the challenger's {gate.metric} is {fmt(outcome.challenger)}")
    if outcome.dropped:
        notes.append(f"{outcome.dropped} degenerate resamples left out")
    if notes:
        result.reason += "; " + "; ".join(notes)
    return result
