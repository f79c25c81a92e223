"""A `train.command` that calls `python` uses mlspec's interpreter without an activated virtualenv
($MLSPEC_PYTHON), and a model whose class lives in the script (`__main__`) fails with the hint to move
it into a module under src/, which then works (issue 14 item 6). Data: generated, with missing values
and a string categorical."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests.helpers import run_mlspec

pytestmark = pytest.mark.slow  # trains and runs deepchecks for real: `make test-fast` skips it

MODEL_CLASS = '''
class Model:
    """Median imputation and one-hot region in front of a ridge regression."""

    def fit(self, X, y):
        from sklearn.compose import make_column_transformer
        from sklearn.impute import SimpleImputer
        from sklearn.linear_model import Ridge
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import OneHotEncoder

        encode = make_column_transformer(
            (OneHotEncoder(handle_unknown="ignore"), ["region"]),
            (SimpleImputer(strategy="median"), ["size", "age"]))
        self.inner = make_pipeline(encode, Ridge()).fit(X, y)
        return self

    def predict(self, X):
        return self.inner.predict(X)
'''

SCRIPT = """
import json, os, pickle, sys

import pandas as pd
{model}
assert os.environ["MLSPEC_PYTHON"] == sys.executable, (os.environ["MLSPEC_PYTHON"], sys.executable)
train = pd.read_csv(os.environ["MLSPEC_TRAIN"])
train["region"] = train["region"].fillna("unknown")
model = Model().fit(train.drop(columns="price"), train["price"])
with open(os.environ["MLSPEC_MODEL_OUT"], "wb") as handle:
    pickle.dump(model, handle)
"""


def _project(tmp_path: Path, script: str, module: str | None = None) -> Path:
    rng = np.random.default_rng(4)
    n = 600
    frame = pd.DataFrame(
        {"region": rng.choice(["north", "south", None], n), "size": rng.normal(50, 10, n), "age": rng.uniform(0, 40, n)}
    )
    frame["price"] = 3 * frame["size"] - frame["age"] + rng.normal(0, 4, n)
    frame.loc[frame.sample(frac=0.2, random_state=1).index, "size"] = np.nan
    (tmp_path / "data").mkdir()
    (tmp_path / "src").mkdir()
    frame.iloc[:480].to_csv(tmp_path / "data" / "train.csv", index=False)
    frame.iloc[480:].to_csv(tmp_path / "data" / "test.csv", index=False)
    (tmp_path / "src" / "train.py").write_text(script)
    if module is not None:
        (tmp_path / "src" / "model.py").write_text(module)
    (tmp_path / "mlproject.yaml").write_text(
        "apiVersion: mlspec/v1\nname: prices\n"
        "data: {train: data/train.csv, test: data/test.csv, label: price, categorical: [region]}\n"
        "train: {command: python src/train.py}\nevaluate: {task: regression}\n"
    )
    return tmp_path / "mlproject.yaml"


def _no_python_on_path() -> dict[str, str]:
    """PATH without any `python`: only the system's basic tools (no virtualenv activated)."""
    folders = [
        f for f in ("/usr/local/sbin", "/usr/sbin", "/usr/bin", "/sbin", "/bin") if not (Path(f) / "python").exists()
    ]
    return {"PATH": os.pathsep.join(folders), "VIRTUAL_ENV": ""}


def test_a_main_class_fails_with_the_hint_and_a_module_under_src_works(tmp_path: Path) -> None:
    env = _no_python_on_path()
    spec = (
        _project(tmp_path / "main", SCRIPT.format(model=MODEL_CLASS)) if (tmp_path / "main").mkdir() is None else None
    )
    result = subprocess_train(spec, env)
    assert result.returncode == 1, result.stdout + result.stderr
    assert result.stderr.splitlines()[0].startswith("[1/1] train ... FAILED in ")
    assert result.stderr.split("\n", 1)[1] == (
        "error: train.command: the model it wrote refers to 'Model' defined in the training script itself (its "
        "module `__main__`), which no other program can import, so mlspec cannot load the model\n"
        "  hint: define Model in a module under src/ (e.g. src/model.py), import it from there in the training "
        "script, and pickle the model again; or save it with cloudpickle, which stores __main__ classes by value\n"
    )

    spec = (
        _project(tmp_path / "module", SCRIPT.format(model="from model import Model"), MODEL_CLASS)
        if (tmp_path / "module").mkdir() is None
        else None
    )
    result = subprocess_train(spec, env)
    assert result.returncode == 0, result.stdout + result.stderr
    evaluated = run_mlspec("evaluate", str(spec), cwd=spec.parent, env=env)
    assert evaluated.returncode == 0, evaluated.stdout + evaluated.stderr


def subprocess_train(spec: Path, env: dict[str, str]):
    assert sys.executable  # mlspec itself is started by absolute path, as a console script would be
    return run_mlspec("train", str(spec), cwd=spec.parent, env=env)
