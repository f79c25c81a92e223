"""The gate-kind seam: what one kind of gate bound is (`GateKind`), what it may read of the run being gated
(`GateRun`), and the helpers every kind shares. The kinds themselves are registered in all_kinds.py.

A kind turns one spec gate into one row of the gate table (a `GateResult` whose `kind` is the kind's name) when
it `applies` to that gate: `absolute` (min/max, absolute.py) and `delta` (min_delta/max_delta against a champion,
delta.py) today. A kind that `needs_champion` makes the gate read the champion's deploy file of the gate's
environment (and fingerprint it in gate.json: decision.py).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, Protocol

from mlspec.gate.results import fmt

if TYPE_CHECKING:
    from mlspec.champion import ChampionLookup
    from mlspec.gate.predictions import RowPredictions
    from mlspec.gate.results import GateResult
    from mlspec.spec import LoadedSpec
    from mlspec.spec.models import Gate
    from mlspec.state.record import RunRecord, RunStore

__all__ = ["ALLOWED_FIRST", "TOLERANCE", "GateKind", "GateRun", "metric_problem", "metric_value"]


class GateRun(Protocol):
    """What a gate kind may read of the run being gated (evaluate.py builds it once per evaluation)."""

    loaded: LoadedSpec
    store: RunStore
    record: RunRecord
    env: str  # the environment being gated

    @property
    def task(self) -> str: ...

    def champion(self, env: str) -> ChampionLookup: ...

    def rescored(self, env: str) -> tuple[dict[str, float], str]: ...

    def challenger_rows(self) -> RowPredictions: ...


class GateKind(Protocol):
    """One kind of gate bound. Register an instance in all_kinds.py."""

    name: str  # the `kind` of its rows in the gate table and gate.json
    needs_champion: bool  # whether it reads the champion of the gate's environment

    def applies(self, gate: Gate) -> bool:
        """Whether ``gate`` (a spec gate) has a bound of this kind."""
        ...

    def evaluate(self, index: int, gate: Gate, direction: str, run: GateRun) -> GateResult:
        """The row of ``gate`` (``index`` in spec.gates; ``direction`` "higher"/"lower" is better). Fail closed."""
        ...


TOLERANCE = 1e-9
ALLOWED_FIRST = "no champion yet: first model allowed by allow_missing_champion"


def metric_problem(metrics: dict[str, Any], metric: str, whose: str) -> str | None:
    """Why ``metrics[metric]`` cannot be used, or None when it is a finite number."""
    if metric not in metrics:
        known = ", ".join(sorted(metrics)) or "none"
        return f"metric {metric!r} is missing from {whose} (it has: {known})"
    value = metrics[metric]
    if value is None:
        return f"metric {metric!r} of {whose} is null (it could not be computed)"
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return f"metric {metric!r} of {whose} is not a number ({value!r})"
    if math.isnan(value):
        return f"metric {metric!r} of {whose} is NaN"
    if math.isinf(value):
        return f"metric {metric!r} of {whose} is infinite ({fmt(float(value))})"
    return None


def metric_value(metrics: dict[str, Any], metric: str) -> float | None:
    value = metrics.get(metric)
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None
