"""The `absolute` gate kind: the metric against the gate's `min` and/or `max`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from mlspec.gate.kind_base import TOLERANCE, metric_problem, metric_value
from mlspec.gate.results import GateResult, fmt

if TYPE_CHECKING:
    from mlspec.gate.kind_base import GateRun
    from mlspec.spec.models import Gate
    from mlspec.state.record import RunRecord


class AbsoluteKind:
    name = "absolute"
    needs_champion = False

    def applies(self, gate: Gate) -> bool:
        return gate.min is not None or gate.max is not None

    def evaluate(self, index: int, gate: Gate, direction: str, run: GateRun) -> GateResult:
        return _absolute(index, gate, direction, run.record)


def _absolute_text(gate: Gate) -> str:
    if gate.min is not None and gate.max is not None:
        return f"{gate.min:g} <= {gate.metric} <= {gate.max:g}"
    if gate.min is not None:
        return f"{gate.metric} >= {gate.min:g}"
    return f"{gate.metric} <= {gate.max:g}"


def _absolute(index: int, gate: Gate, direction: str, record: RunRecord) -> GateResult:
    text = _absolute_text(gate)
    result = GateResult(
        index=index,
        metric=gate.metric,
        kind="absolute",
        direction=direction,
        threshold=text,
        verdict="fail",
        reason="",
        value=metric_value(record.metrics, gate.metric),
    )
    problem = metric_problem(record.metrics, gate.metric, f"run {record.run_id}")
    if problem:
        result.reason = problem
        return result
    value = float(record.metrics[gate.metric])  # type: ignore[arg-type]  # metric_problem: a finite number
    if gate.min is not None and value < gate.min - TOLERANCE:
        result.reason = f"{fmt(value)} is below the minimum {gate.min:g}"
    elif gate.max is not None and value > gate.max + TOLERANCE:
        result.reason = f"{fmt(value)} is above the maximum {gate.max:g}"
    else:
        result.verdict = "pass"
    return result
