"""What kind of values a column holds, decided one way for the data tests, drift and the schema guard."""

from __future__ import annotations

from typing import Any

# Kinds that may be compared; int and float are both "numeric", bool counts as numeric too
# (a 0/1 column read from CSV is int, the same column from Parquet may be bool).
NUMERIC, STRING, DATETIME, EMPTY = "numeric", "string", "datetime", "empty"


def column_kind(series: Any) -> str:
    from pandas.api import types

    if series.isna().all():
        return EMPTY  # nothing to compare: an all-missing column reads as float or object
    if types.is_bool_dtype(series) or types.is_numeric_dtype(series):
        return NUMERIC
    if types.is_datetime64_any_dtype(series):
        return DATETIME
    return STRING
