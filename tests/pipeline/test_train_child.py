"""The training function's arguments (issue 22 item 11): `train(train_df, params)` gets the declared features and
the label only, never the index, time, group or other columns of the file (the model is served with the features
alone); `train(X, y, params)` gets the features and the label."""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import pandas as pd
import pytest

from mlspec.pipeline.train_child import run

TRAIN_PY = """\
import json
from pathlib import Path


def {name}({args}):
    frames = [a for a in ({args_tuple}) if hasattr(a, "columns") or hasattr(a, "name")]
    seen = [list(a.columns) if hasattr(a, "columns") else a.name for a in frames]
    Path("seen.json").write_text(json.dumps(seen))
    return {{"fitted": True}}
"""


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ("train_df, params", [["f1", "f2", "label"]]),
        ("X, y, params", [["f1", "f2"], "label"]),
    ],
)
def test_the_entrypoint_gets_the_features_and_the_label_only(tmp_path: Path, args: str, expected: list[object]) -> None:
    table = pd.DataFrame(
        {
            "row_id": [1, 2, 3, 4],
            "f1": [0.1, 0.2, 0.3, 0.4],
            "when": pd.date_range("2026-01-01", periods=4),
            "f2": ["a", "b", "a", "b"],
            "store": ["x", "x", "y", "y"],
            "label": [0, 1, 0, 1],
        }
    )
    (tmp_path / "src").mkdir()
    names = ", ".join(a.strip() for a in args.split(","))
    (tmp_path / "src" / "train.py").write_text(TRAIN_PY.format(name="train", args=args, args_tuple=names + ","))
    data = {"train": table, "features": ["f1", "f2"], "label": "label", "params": {"seed": 1}}
    (tmp_path / "data.pkl").write_bytes(pickle.dumps(data))
    job = {
        "root": str(tmp_path),
        "entrypoint": "src/train.py:train",
        "data": str(tmp_path / "data.pkl"),
        "model_out": str(tmp_path / "model.pkl"),
        "failure": str(tmp_path / "failure.json"),
    }
    import os

    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        assert run(job) == 0, (tmp_path / "failure.json").read_text() if (tmp_path / "failure.json").exists() else ""
    finally:
        os.chdir(cwd)
    assert json.loads((tmp_path / "seen.json").read_text()) == expected
