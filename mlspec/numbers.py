"""Numbers as every report and summary shows them (gate tables, the report, the model card, `mlspec run`'s
summary): one precision rule in one place."""

from __future__ import annotations

import math

SIGNIFICANT = 6  # digits a number of 10 or more keeps: 36,928.6 (an rmse), not 36928.6210


def fmt(value: float | None, signed: bool = False) -> str:
    """Numbers for tables: 4 decimals below 10 (scores such as 0.9956), else SIGNIFICANT digits with thousands
    separators (36,928.6; 1,363,723,047), 'n/a' for missing, the words nan/inf spelled out."""
    if value is None:
        return "n/a"
    if isinstance(value, float) and math.isnan(value):
        return "NaN"
    if isinstance(value, float) and math.isinf(value):
        return "+inf" if value > 0 else "-inf"
    sign = "+" if signed else ""
    if abs(value) < 10:
        return f"{value:{sign}.4f}"
    digits = len(str(int(abs(value))))
    return f"{value:{sign},.{max(0, SIGNIFICANT - digits)}f}"
