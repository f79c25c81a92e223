"""A metric's change against the champion, as the report and the model card show it: the raw difference
(challenger minus champion), its direction in words, and the bootstrap interval of that same difference when
a gate computed one.

A bootstrap gate's interval (`GateResult.interval`) is of the *improvement*: the difference turned to the
metric's good direction (champion minus challenger for rmse) and, for a `relative` gate, divided by the
champion's value. Printed next to a raw difference as it is, a lower-is-better metric read "+0.0192 (worse)"
beside "[-0.0250, -0.0130]": an interval that does not contain the change it is meant to qualify. Here it is
turned back into the difference's own terms, so the interval brackets the number beside it. A change whose
interval contains 0 is said to be within noise, not better or worse.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from mlspec.gate.results import fmt

if TYPE_CHECKING:
    from mlspec.gate.results import GateResult


@dataclass(frozen=True)
class Interval:
    """A confidence interval of challenger minus champion, in the metric's own units."""

    low: float
    high: float
    confidence: float | None

    @property
    def contains_zero(self) -> bool:
        return self.low <= 0.0 <= self.high

    def text(self) -> str:
        level = f"{self.confidence:.0%} " if self.confidence else ""
        return f"{level}[{fmt(self.low, True)}, {fmt(self.high, True)}]"


def difference_interval(result: GateResult) -> Interval | None:
    """The gate's bootstrap interval of the improvement, as an interval of challenger minus champion."""
    if result.interval is None or result.kind != "delta":
        return None
    low, high = result.interval
    if not (math.isfinite(low) and math.isfinite(high)):
        return None
    if result.relative:
        if result.baseline is None or not math.isfinite(result.baseline):
            return None
        scale = abs(result.baseline)
        low, high = low * scale, high * scale
    if result.direction == "lower":  # improvement = champion - challenger: the difference is its negative
        low, high = -high, -low
    return Interval(low, high, result.confidence)


def metric_interval(results: Iterable[GateResult], metric: str) -> Interval | None:
    """The first bootstrap interval a gate computed for ``metric``, as an interval of the difference."""
    for result in results:
        if result.metric == metric:
            found = difference_interval(result)
            if found is not None:
                return found
    return None


def change_words(diff: float, direction: str | None, interval: Interval | None) -> str:
    """`better`, `worse`, or `within noise` when the interval of the difference contains 0; the direction of a
    metric the catalogue does not know is not judged (empty)."""
    if interval is not None and interval.contains_zero:
        return "within noise"
    if direction not in ("higher", "lower"):
        return ""
    return "better" if (diff > 0) == (direction == "higher") else "worse"
