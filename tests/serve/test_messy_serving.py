"""Serving what the model was trained on (issue 14 item 4), end to end on generated messy data: `mlspec
train` records which features had missing values and a real training row; `mlspec build` + `mlspec serve`
on 127.0.0.1 make exactly those fields optional (null allowed, may be left out) and the others required,
predict_proba answers labelled probabilities, and the OpenAPI document shows the training row."""

from __future__ import annotations

import json
import types
from pathlib import Path

import pytest
import requests

from tests.helpers import run_mlspec
from tests.serve.conftest import serving

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("serve")]

SPEC = """\
apiVersion: mlspec/v1
name: messy-churn
data:
  train: data/train.csv
  test: data/test.csv
  label: tier
train:
  entrypoint: src/train.py:train
  seed: 7
evaluate:
  task: multiclass
  metrics: [accuracy]
serve:
  service: messy_churn
"""

TRAIN = '''\
"""A pipeline that imputes what is missing, as a real project's would."""

from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler


def train(X, y, params):
    numeric = ["lot sqft", "age", "visits"]
    categorical = ["plan", "region"]
    prepare = ColumnTransformer([
        ("num", make_pipeline(SimpleImputer(strategy="median"), StandardScaler()), numeric),
        ("cat", make_pipeline(SimpleImputer(strategy="constant", fill_value="none"),
                              OneHotEncoder(handle_unknown="ignore")), categorical),
    ])
    return make_pipeline(prepare, LogisticRegression(max_iter=1000)).fit(X, y)
'''


def _messy(n: int, seed: int):
    """`lot sqft` (float) 30% missing, `plan` (string categorical) 15% missing; `age` (float), `visits`
    (int) and `region` (string) complete; string labels of 3 classes."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    lot = rng.normal(5000, 1500, n).round(1)
    age = rng.uniform(18, 80, n).round(2)
    visits = rng.integers(0, 30, n)
    plan = rng.choice(["basic", "plus", "pro"], n)
    region = rng.choice(["north", "south", "east", "west"], n)
    score = (lot - 5000) / 1500 + (visits - 15) / 8 + (plan == "pro") * 1.0 + rng.normal(0, 0.5, n)
    tier = np.where(score > 0.8, "high", np.where(score < -0.8, "low", "mid"))
    frame = pd.DataFrame({"lot sqft": lot, "age": age, "visits": visits, "plan": plan, "region": region, "tier": tier})
    frame.loc[rng.random(n) < 0.30, "lot sqft"] = np.nan
    frame.loc[rng.random(n) < 0.15, "plan"] = None
    return frame


def _project(root: Path) -> Path:
    (root / "data").mkdir(parents=True)
    (root / "src").mkdir()
    _messy(600, 1).to_csv(root / "data" / "train.csv", index=False)
    _messy(200, 2).to_csv(root / "data" / "test.csv", index=False)
    (root / "src" / "train.py").write_text(TRAIN)
    (root / "mlproject.yaml").write_text(SPEC)
    return root / "mlproject.yaml"


def _metadata(root: Path) -> dict:
    import bentoml

    from mlspec.state.record import RunStore

    record = RunStore(root).latest()
    assert record.model is not None
    return dict(bentoml.models.get(record.model.tag).info.metadata)


def test_messy_data_serves_nulls_where_training_had_them(tmp_path: Path) -> None:
    import pandas as pd

    spec = _project(tmp_path / "messy")
    trained = run_mlspec("train", str(spec))
    assert trained.returncode == 0, trained.stdout + trained.stderr
    meta = _metadata(spec.parent)
    assert meta["missing"] == ["lot sqft", "plan"]
    train = pd.read_csv(spec.parent / "data" / "train.csv")
    example = meta["example"]
    assert set(example) == {"lot sqft", "age", "visits", "plan", "region"}  # a complete row
    matches = train[
        (train["age"] == example["age"])
        & (train["visits"] == example["visits"])
        & (train["plan"] == example["plan"])
        & (train["region"] == example["region"])
        & (train["lot sqft"] == example["lot sqft"])
    ]
    assert len(matches) >= 1  # a real row of the training data
    assert isinstance(example["visits"], int) and isinstance(example["lot sqft"], float)

    built = run_mlspec("build", str(spec))
    assert built.returncode == 0, built.stdout + built.stderr
    source = (spec.parent / ".mlspec" / "service" / "messy_churn" / "service.py").read_text()
    assert "OPTIONAL = ['lot sqft', 'plan']" in source

    # in process: the frame the model gets has NaN where the request had null, as pandas read training
    module = types.ModuleType("generated_messy")
    exec(compile(source, "service.py", "exec", dont_inherit=True), module.__dict__)
    rows = [
        module.Row.model_validate({**example, "lot sqft": None}),
        module.Row.model_validate({k: v for k, v in example.items() if k != "plan"}),
    ]
    frame = module._frame(rows)
    assert frame["lot sqft"].dtype == "float64" and pd.isna(frame["lot sqft"][0])
    assert pd.isna(frame["plan"][1]) and frame["plan"][1] is not None

    with serving(spec, tmp_path / "serve.log") as server:
        url = server.url
        test = pd.read_csv(spec.parent / "data" / "test.csv").drop(columns=["tier"]).head(20)
        records = json.loads(test.to_json(orient="records"))  # NaN -> null, as a client sends it
        assert any(r["lot sqft"] is None for r in records) and any(r["plan"] is None for r in records)
        response = requests.post(f"{url}/predict", json={"rows": records}, timeout=30)
        assert response.status_code == 200, response.text
        from mlspec.state.model_store import load_model
        from mlspec.state.record import RunStore

        model = load_model(RunStore(spec.parent).latest().model.tag)
        assert response.json() == model.predict(test).tolist()

        # a null for an optional field, and the field left out, both get a prediction
        for row in (
            {**example, "lot sqft": None, "plan": None},
            {k: v for k, v in example.items() if k not in ("lot sqft", "plan")},
        ):
            response = requests.post(f"{url}/predict", json={"rows": [row]}, timeout=30)
            assert response.status_code == 200, response.text
            assert response.json()[0] in ("high", "low", "mid")

        # a null for a required field gets 400 naming it
        for column in ("age", "visits", "region"):
            response = requests.post(f"{url}/predict", json={"rows": [{**example, column: None}]}, timeout=30)
            assert response.status_code == 400, (column, response.text)
            assert response.json()["detail"][0]["loc"] == ["rows", 0, column]

        # predict_proba: every class with its probability, in the model's class order
        response = requests.post(f"{url}/predict_proba", json={"rows": records[:3]}, timeout=30)
        assert response.status_code == 200, response.text
        expected = model.predict_proba(test.head(3))
        answer = response.json()
        assert [[c["label"] for c in row] for row in answer] == [["high", "low", "mid"]] * 3
        for row, probabilities in zip(answer, expected, strict=True):
            assert [c["probability"] for c in row] == pytest.approx(list(probabilities), abs=1e-12)

        # the OpenAPI document shows the training row as the example, and which fields may be null
        document = requests.get(f"{url}/docs.json", timeout=30).json()
        row_schema = document["components"]["schemas"]["Row"]
        assert row_schema["example"] == example
        assert row_schema["properties"]["visits"]["example"] == example["visits"]
        body = document["paths"]["/predict"]["post"]["requestBody"]["content"]["application/json"]["schema"]
        assert body["properties"]["rows"]["example"] == [example]
        assert sorted(row_schema["required"]) == ["age", "region", "visits"]
        assert {"type": "null"} in row_schema["properties"]["lot sqft"]["anyOf"]


def test_metadata_helpers_on_messy_frames() -> None:
    import numpy as np
    import pandas as pd

    from mlspec.pipeline.signature import example_row, missing_columns

    frame = pd.DataFrame(
        {
            "x": [np.nan, 1.5, 2.0, np.inf],
            "n": [1, 2, 3, 4],
            "s": ["a", None, "c", "d"],
            "when": pd.to_datetime(["2026-01-01", None, "2026-01-03", "2026-01-04"]),
        }
    )
    assert missing_columns(frame, ["x", "n", "s", "when"]) == ["x", "s", "when"]
    dtypes = {"x": "float", "n": "int", "s": "str", "when": "str"}
    assert example_row(frame, ["x", "n", "s", "when"], dtypes) == {
        "x": 2.0,
        "n": 3,
        "s": "c",
        "when": "2026-01-03 00:00:00",
    }
    holes = frame.iloc[[0, 1]]  # no complete row: the first row without its missing values
    assert example_row(holes, ["x", "n", "s"], dtypes) == {"n": 1, "s": "a"}
    assert example_row(frame.iloc[:0], ["x"], dtypes) == {}
    json.dumps(example_row(frame, list(frame.columns), dtypes), allow_nan=False)
