"""What the service will accept, read from the training frame when the model is trained and recorded in the
model's metadata (`missing`, `nonfinite`, `example`); mlspec/serve/codegen.py turns that metadata into the
service's request schema. Here, in the pipeline, so that training needs nothing of the serving code."""

from __future__ import annotations

from typing import Any


def nonfinite_kinds(frame: Any, features: list[str]) -> dict[str, list[str]]:
    """Float feature -> which non-finite values (`nan`, `inf`) its training data held: what the service
    accepts (record it as the model metadata's `nonfinite`)."""
    import numpy as np

    out: dict[str, list[str]] = {}
    for column in features:
        values = frame[column]
        if values.dtype.kind != "f":
            continue
        kinds = [name for name, mask in (("nan", np.isnan(values)), ("inf", np.isinf(values))) if bool(mask.any())]
        out[column] = kinds
    return out


def missing_columns(frame: Any, features: list[str]) -> list[str]:
    """Features whose training data had missing values (NaN, None, NaT): the service's optional fields,
    where `null` is allowed (record it as the model metadata's `missing`)."""
    return [column for column in features if bool(frame[column].isna().any())]


def _json_value(value: Any, dtype: str) -> Any:
    """``value`` of a training row as the JSON the service accepts for ``dtype``; None when missing
    or not representable (NaN, infinity)."""
    import math

    import pandas as pd

    if value is None or (not isinstance(value, (list, tuple, dict)) and bool(pd.isna(value))):
        return None
    if hasattr(value, "item"):
        value = value.item()
    if dtype == "float":
        try:
            number = float(value)
        except (TypeError, ValueError):
            return None
        return number if math.isfinite(number) else None
    if dtype == "int":
        return int(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None
    if dtype == "bool":
        return bool(value) if isinstance(value, bool) else None
    return value if isinstance(value, str) else str(value)


def example_row(frame: Any, features: list[str], dtypes: dict[str, str]) -> dict[str, Any]:
    """A real row of the training data as JSON for the service's OpenAPI examples (record it as the
    model metadata's `example`): the first row with every feature present and finite, else the first
    row without its missing values. Empty for an empty frame."""
    if len(frame) == 0:
        return {}
    subset = frame[features]
    complete = subset.notna().all(axis=1)
    for column in features:
        if dtypes.get(column) == "float":
            complete &= ~subset[column].isin([float("inf"), float("-inf")])
    position = int(complete.to_numpy().argmax()) if bool(complete.any()) else 0
    row = subset.iloc[position]
    values = {column: _json_value(row[column], dtypes.get(column, "str")) for column in features}
    return {column: value for column, value in values.items() if value is not None}


NULLABLE_DTYPES: tuple[str, ...] = (
    *("Int8", "Int16", "Int32", "Int64", "UInt8", "UInt16", "UInt32", "UInt64", "Float32", "Float64"),
    *("boolean", "string"),
)


# A date-time feature (a datetime64 column, as Parquet or code gives; CSV gives text, and the model sees text): the
# service takes ISO 8601 text for it and parses it back to this dtype, as training held it.
DATETIME_DTYPES: tuple[str, ...] = tuple(
    f"datetime64[{unit}{zone}]" for unit in ("s", "ms", "us", "ns") for zone in ("", ", UTC")
)


def nullable_dtypes(frame: Any, features: list[str]) -> dict[str, str]:
    """Feature -> its pandas nullable dtype (`Int64`, `boolean`, `string`, ...) or datetime64 dtype when training
    had one: the service casts the column back to it, so a `null` reaches the model as the pandas NA (NaT) it saw
    in training and a date-time as the datetime64 it saw (record it as the model metadata's `nullable_dtypes`)."""
    found = {}
    for column in features:
        name = str(frame[column].dtype)
        if name in NULLABLE_DTYPES or name.startswith("string[") or name in DATETIME_DTYPES:
            found[column] = "string" if name.startswith("string") else name
    return found


def missing_as(frame: Any, features: list[str]) -> dict[str, str]:
    """Text (object) feature with missing values -> how training held them: `none` (Python None, as Parquet
    or a hand-made frame gives) or `nan` (float NaN, what `read_csv` gives). The service turns `null` into
    the same value (record it as the model metadata's `missing_as`)."""
    found = {}
    for column in features:
        values = frame[column]
        if values.dtype != object:
            continue
        missing = values[values.isna()]
        if len(missing):
            found[column] = "none" if missing.iloc[0] is None else "nan"
    return found
