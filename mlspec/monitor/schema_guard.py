"""Schema guard: the current data must have the reference's feature columns with the same kinds of
values, checked before deepchecks so a mismatch is a clear error and never a crash inside it."""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from typing import Any

from mlspec.columns import DATETIME, EMPTY, NUMERIC, STRING, column_kind
from mlspec.errors import DataError

__all__ = ["DATETIME", "EMPTY", "NUMERIC", "STRING", "column_kind", "check_schema", "schema_differences"]


def _did_you_mean(name: str, candidates: Sequence[str]) -> str | None:
    matches = difflib.get_close_matches(name, list(candidates), n=1, cutoff=0.6)
    if not matches:
        lowered = {c.lower().replace("-", "_").replace(" ", "_"): c for c in candidates}
        key = name.lower().replace("-", "_").replace(" ", "_")
        return lowered.get(key)
    return matches[0]


def schema_differences(reference: Any, current: Any, columns: Sequence[str], label: str | None = None) -> list[str]:
    """Every difference between the reference and current tables on ``columns`` (the features, plus
    the label when the current data has it), as sentences. Empty when they match."""
    required = list(columns)
    current_columns = [str(c) for c in current.columns]
    reference_columns = [str(c) for c in reference.columns]
    missing = [c for c in required if c not in current_columns]
    known = set(reference_columns)
    extra = [c for c in current_columns if c not in known]

    problems: list[str] = []
    for name in missing:
        guess = _did_you_mean(name, extra)
        hint = f" (did you mean '{guess}'?)" if guess else ""
        problems.append(f"column '{name}' is missing from the current data{hint}")
    for name in extra:
        guess = _did_you_mean(name, missing)
        hint = f" (renamed from '{guess}'?)" if guess else ""
        problems.append(f"column '{name}' is not in the training data{hint}")
    checked = [c for c in required if c in current_columns]
    if label and label in current_columns and label in known:
        checked.append(label)
    for name in checked:
        before, after = column_kind(reference[name]), column_kind(current[name])
        if EMPTY in (before, after) or before == after:
            continue
        problems.append(
            f"column '{name}' changed type: {before} ({reference[name].dtype}) in the training data, "
            f"{after} ({current[name].dtype}) in the current data"
        )
    return problems


def check_schema(
    reference: Any, current: Any, columns: Sequence[str], *, label: str | None, current_name: str, reference_name: str
) -> None:
    """Raise DataError listing every difference (exit 1)."""
    problems = schema_differences(reference, current, columns, label)
    if problems:
        count = len(problems)
        lines = "\n".join(f"  - {p}" for p in problems)
        raise DataError(
            f"the current data {current_name} does not match the training data {reference_name} "
            f"({count} difference{'s' if count != 1 else ''}):\n{lines}",
            hint="rename or convert the columns of the current data to match the training data "
            "(or retrain on data with the new columns before monitoring it)",
        )
