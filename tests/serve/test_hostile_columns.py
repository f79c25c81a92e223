"""Column names that are Python keywords, builtins or names the generated service itself uses (`Field`,
`float`, `t`, `class`, `None`, `self`, `model_config`), unicode, spaces and 200 characters: the generated
service builds and answers real requests (issue 13.4). Non-finite numbers the model was not trained on
get 400, not 500; `mlspec serve --port 99999` is a usage error (issue 13.6)."""

from __future__ import annotations

import asyncio
import types
from pathlib import Path

import pytest
import requests

from mlspec.spec import load_spec
from tests.helpers import copy_example, run_mlspec
from tests.serve.conftest import serving

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("serve")]

HOSTILE = [
    "Field",
    "float",
    "t",
    "class",
    "None",
    "self",
    "model_config",
    "BaseModel",
    "bentoml",
    "rows",
    "größe €",
    "mean radius",
    "x" * 200,
    "_private",
    "1st",
    "Row",
    "__init__",
]


def _hostile_model():
    import numpy as np
    import pandas as pd
    from sklearn.linear_model import LogisticRegression

    from mlspec.pipeline.signature import nonfinite_kinds
    from mlspec.state.model_store import save_model

    rng = np.random.default_rng(0)
    frame = pd.DataFrame({name: rng.normal(size=40) for name in HOSTILE})
    frame["t"] = rng.integers(0, 5, size=40)  # one int column among the floats
    label = (frame["Field"] + frame["float"] > 0).astype(int)
    model = LogisticRegression(max_iter=500).fit(frame, label)
    metadata = {
        "project": "breast-cancer",
        "task": "binary",
        "label": "y",
        "features": HOSTILE,
        "dtypes": {name: ("int" if name == "t" else "float") for name in HOSTILE},
        "nonfinite": nonfinite_kinds(frame, HOSTILE),
        "classes": [0, 1],
        "data": {"train": "xxh3_128:aa"},
        "git_commit": None,
    }
    tag = save_model("breast-cancer", model, labels={"project": "breast-cancer"}, metadata=metadata)
    return tag, model, frame


def test_generated_service_survives_hostile_column_names(tmp_path: Path) -> None:
    import bentoml
    from pydantic import ValidationError

    from mlspec.serve import codegen, modelref

    tag, model, frame = _hostile_model()
    root = copy_example("breast-cancer", tmp_path)
    loaded = load_spec(root / "mlproject.yaml", check_files=False)
    info = modelref.model_info(bentoml.models.get(tag), "binary")
    files = codegen.generate(loaded.spec, info, ["scikit-learn"])
    module = types.ModuleType("generated_service")
    # dont_inherit: this test module's `from __future__ import annotations` must not leak into the service
    exec(compile(files.files["service.py"], "service.py", "exec", dont_inherit=True), module.__dict__)

    records = frame.head(5).to_dict("records")
    rows = [module.Row.model_validate(r) for r in records]
    assert asyncio.run(module.BreastCancer.inner().predict(rows)) == model.predict(frame.head(5)).tolist()
    for value in (float("inf"), float("-inf"), float("nan")):  # the training data held none of them
        with pytest.raises(ValidationError) as caught:
            module.Row.model_validate({**records[0], "Field": value})
        assert "Field" in str(caught.value) and "finite number" in str(caught.value)


def test_hostile_columns_build_and_serve_real_requests(tmp_path: Path) -> None:
    tag, model, frame = _hostile_model()
    root = copy_example("breast-cancer", tmp_path)
    spec = root / "mlproject.yaml"
    built = run_mlspec("build", str(spec), "--version", tag)
    assert built.returncode == 0, built.stdout + built.stderr

    with serving(spec, tmp_path / "serve.log") as server:
        url = server.url
        records = frame.head(3).to_dict("records")
        response = requests.post(f"{url}/predict", json={"rows": records}, timeout=30)
        assert response.status_code == 200, response.text
        assert response.json() == model.predict(frame.head(3)).tolist()

        good = requests.models.complexjson.dumps({"rows": records[:1]})
        for literal in ("Infinity", "-Infinity", "1e400", "NaN"):
            body = good.replace(repr(records[0]["Field"]), literal, 1)
            assert literal in body
            response = requests.post(
                f"{url}/predict", data=body, headers={"content-type": "application/json"}, timeout=30
            )
            assert response.status_code == 400, (literal, response.status_code, response.text)
            assert "Field" in response.text, response.text


@pytest.mark.parametrize("port", ["99999", "0", "-1"])
def test_serve_rejects_a_port_outside_1_to_65535(tmp_path: Path, port: str) -> None:
    root = copy_example("breast-cancer", tmp_path)
    result = run_mlspec("serve", str(root / "mlproject.yaml"), "--port", port)
    assert result.returncode == 2, result.stdout + result.stderr
    assert f"--port {port} is not a TCP port: use a number from 1 to 65535" in result.stderr
    assert "listening" not in result.stdout and "serving" not in result.stdout
