"""A `null` in a request reaches the model as the value it saw for a missing one in training (issue 22 item
2.1): NaN in a float column and in a text column pandas read from CSV, None where training held None (Parquet,
a frame built in code), pandas NA in a nullable dtype (Int64, boolean, string, Float64). The generated service
in-process (it imports BentoML: slow)."""

from __future__ import annotations

import math
import types
from pathlib import Path

import pandas as pd
import pytest
from pydantic import ValidationError

from mlspec.pipeline.signature import missing_as, nullable_dtypes
from mlspec.serve import codegen
from mlspec.spec import load_spec
from tests.helpers import copy_example

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("serve")]

TRAIN = pd.DataFrame(
    {
        "x": [1.5, math.nan, 2.0],
        "csv_text": ["north", math.nan, "south"],
        "obj_text": ["a", None, "b"],
        "count": pd.array([1, pd.NA, 3], dtype="Int64"),
        "flag": pd.array([True, pd.NA, False], dtype="boolean"),
        "name": pd.array(["z", pd.NA, "y"], dtype="string"),
        "n": [1, 2, 3],
    }
)
DTYPES = {"x": "float", "csv_text": "str", "obj_text": "str", "count": "int", "flag": "bool", "name": "str", "n": "int"}


def _service(tmp_path: Path, frame: pd.DataFrame, dtypes: dict[str, str]) -> types.ModuleType:
    loaded = load_spec(copy_example("breast-cancer", tmp_path) / "mlproject.yaml", check_files=False)
    features = list(frame.columns)
    info = codegen.ModelInfo(
        tag="proj:v1",
        loader=codegen.LOADER_CLOUDPICKLE,
        features=features,
        dtypes=dtypes,
        task="regression",
        metadata={
            "missing": [c for c in features if frame[c].isna().any()],
            "missing_as": missing_as(frame, features),
            "nullable_dtypes": nullable_dtypes(frame, features),
        },
    )
    module = types.ModuleType("generated_nulls")
    source = codegen.generate(loaded.spec, info, []).files["service.py"]
    exec(compile(source, "service.py", "exec", dont_inherit=True), module.__dict__)
    return module


def test_the_training_metadata_says_how_each_column_held_its_missing_values() -> None:
    features = list(TRAIN.columns)
    assert missing_as(TRAIN, features) == {"csv_text": "nan", "obj_text": "none"}
    assert nullable_dtypes(TRAIN, features) == {"count": "Int64", "flag": "boolean", "name": "string"}


def test_null_becomes_what_training_held(tmp_path: Path) -> None:
    module = _service(tmp_path, TRAIN, DTYPES)
    full = {"x": 2.5, "csv_text": "east", "obj_text": "c", "count": 4, "flag": True, "name": "w", "n": 9}
    empty = {column: None for column in DTYPES if column != "n"} | {"n": 5}
    frame = module._frame([module.Row.model_validate(full), module.Row.model_validate(empty)])
    assert frame.dtypes.astype(str).to_dict() == {
        "x": "float64",
        "csv_text": "object",
        "obj_text": "object",
        "count": "Int64",
        "flag": "boolean",
        "name": "string",
        "n": "int64",
    }
    missing = frame.iloc[1]
    assert isinstance(missing["x"], float) and math.isnan(missing["x"])
    assert isinstance(missing["csv_text"], float) and math.isnan(missing["csv_text"])
    assert missing["obj_text"] is None
    assert missing["count"] is pd.NA and missing["flag"] is pd.NA and missing["name"] is pd.NA
    assert frame.iloc[0].tolist() == [2.5, "east", "c", 4, True, "w", 9]
    for bad, where in (({**full, "n": None}, "n"), ({**full, "count": "4"}, "count"), ({**full, "extra": 1}, "extra")):
        with pytest.raises(ValidationError) as caught:
            module.Row.model_validate(bad)
        assert caught.value.errors()[0]["loc"] == (where,)


def test_float_only_features_keep_a_nullable_float_dtype(tmp_path: Path) -> None:
    frame = pd.DataFrame({"a": pd.array([1.0, pd.NA], dtype="Float64"), "b": [0.5, math.nan]})
    module = _service(tmp_path, frame, {"a": "float", "b": "float"})
    built = module._frame([module.Row.model_validate({"a": None, "b": None})])
    assert built.dtypes.astype(str).tolist() == ["Float64", "float64"]
    assert built["a"][0] is pd.NA and math.isnan(built["b"][0])


def _dated() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "when": pd.to_datetime(["2024-01-05 10:30", None, "2024-03-01 00:00"]),
            "utc": pd.to_datetime(["2024-01-05 10:30", "2024-02-01 00:00", None], utc=True),
            "n": [1, 2, 3],
        }
    )


def test_a_datetime_feature_is_served_as_training_held_it(tmp_path: Path) -> None:
    """A datetime64 column of training (Parquet, a frame built in code) is sent as ISO 8601 text (what
    `DataFrame.to_json(date_format="iso")` writes) and reaches the model parsed back to its dtype; null is NaT."""
    import json

    frame = _dated()
    assert nullable_dtypes(frame, ["when", "utc", "n"]) == {"when": "datetime64[ns]", "utc": "datetime64[ns, UTC]"}
    module = _service(tmp_path, frame, {"when": "str", "utc": "str", "n": "int"})
    rows = json.loads(frame.to_json(orient="records", date_format="iso"))  # what a client sends
    built = module._frame([module.Row.model_validate(row) for row in rows])
    assert built.dtypes.astype(str).to_dict() == {"when": "datetime64[ns]", "utc": "datetime64[ns, UTC]", "n": "int64"}
    pd.testing.assert_frame_equal(built, frame)  # the same values, NaT for null
