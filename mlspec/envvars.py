"""Numbers read from environment variables: one parser, so `nan`, `inf`, `-1` or `abc` in a setting is a
usage error naming the variable and the allowed range, never a crash (or a silent default) later."""

from __future__ import annotations

import math
from collections.abc import Mapping

from mlspec.errors import UsageError, shown


def env_number(
    environ: Mapping[str, str],
    name: str,
    default: float,
    *,
    minimum: float = 0.0,
    maximum: float | None = None,
    integer: bool = False,
) -> float:
    """The value of ``name`` (``default`` when unset or empty) as a finite number within the bounds."""
    raw = environ.get(name, "").strip()
    if not raw:
        return default
    kind = "a whole number" if integer else "a number"
    bounds = f"from {_plain(minimum)}" + (f" to {_plain(maximum)}" if maximum is not None else " up")
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if (
        not math.isfinite(value)
        or (integer and not value.is_integer())
        or value < minimum
        or (maximum is not None and value > maximum)
    ):
        raise UsageError(
            f"{name}={shown(raw)} is not {kind} {bounds}",
            hint=f"set {name} to {kind} {bounds}, or unset it for the default ({_plain(default)})",
        )
    return int(value) if integer else value


def _plain(number: float) -> str:
    return str(int(number)) if float(number).is_integer() else str(number)
