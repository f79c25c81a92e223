"""Ordinary projects through the local loop with a real `bentoml serve` on 127.0.0.1 (issue 22 items 2.1-2.3):

- text features with gaps in train and test, numeric gaps and a datetime column, with a helper module beside
  the entrypoint (`from features import RegionNormalizer`): `mlspec run` -> `mlspec test serving` passes (the
  missing text travels as null, not NaN) -> the gate row shows `p95 ... ms` -> the served service answers a
  row with null in every optional field, and refuses a wrong type and an extra field with a 400 naming it;
  the record and the report name the installed versions;
- a package under src/ (`from mypkg.features import X`) for the entrypoint and the `command:` form: train ->
  evaluate -> model tests -> build -> serve."""

from __future__ import annotations

import json
from importlib.metadata import version
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import requests

from tests.helpers import init_repo, run_mlspec
from tests.serve.conftest import free_port, start_server, stop_server, wait_ready

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("serve")]

FEATURES = '''\
"""Project code the model pickles an instance of."""

from sklearn.base import BaseEstimator, TransformerMixin


class RegionNormalizer(BaseEstimator, TransformerMixin):
    """Lower-cased region (gaps -> "unknown") one-hot against the regions of training; sizes with gaps -> 0."""

    def fit(self, X, y=None):
        self.regions_ = sorted(X["region"].fillna("unknown").str.lower().unique())
        return self

    def transform(self, X):
        region = X["region"].fillna("unknown").str.lower()
        out = X[["size", "age"]].fillna(0.0).astype(float)
        for name in self.regions_:
            out[f"region={name}"] = (region == name).astype(float)
        return out
'''

ENTRYPOINT = """\
{import_line}
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline


def train(df, params):
    X = df.drop(columns=["churned"])
    return make_pipeline(RegionNormalizer(), LogisticRegression(max_iter=1000)).fit(X, df["churned"])
"""

COMMAND = """\
import os
import pickle

import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

from mypkg.features import RegionNormalizer

train = pd.read_csv(os.environ["MLSPEC_TRAIN"])
X = train[["region", "size", "age"]]
model = make_pipeline(RegionNormalizer(), LogisticRegression(max_iter=1000)).fit(X, train["churned"])
with open(os.environ["MLSPEC_MODEL_OUT"], "wb") as handle:
    pickle.dump(model, handle)
"""

SPEC = """\
apiVersion: mlspec/v1
name: churn-lots
data:
  train: data/train.csv
  test: data/test.csv
  label: churned
  datetime: signed
{train}
evaluate:
  task: binary
  positive_class: churned
  metrics: [accuracy, f1]
tests:
  data: {{suites: []}}
  model:
    suites: []
    checks:
      - name: SingleDatasetPerformance
        params: {{scorers: [accuracy]}}
        conditions:
          - {{name: greater_than, params: {{threshold: 0.6}}}}
gates:
  - {{metric: accuracy, min: 0.6}}
serve:
  service: churn_lots
environments:
  - name: staging
"""


def _frame(n: int, seed: int) -> pd.DataFrame:
    """String labels (churned/stayed); `region` text with 15% gaps, `size` numeric with 20% gaps, `age`
    complete, `signed` a datetime column (the row's time, not a feature)."""
    rng = np.random.default_rng(seed)
    region = rng.choice(["North", "south", "East", "west"], n).astype(object)
    size = rng.normal(50, 10, n)
    age = rng.uniform(0, 40, n).round(1)
    score = (region == "North") * 1.5 + (size - 50) / 10 - (age - 20) / 20 + rng.normal(0, 0.5, n)
    frame = pd.DataFrame(
        {
            "region": region,
            "size": size.round(2),
            "age": age,
            "signed": pd.date_range("2025-01-01", periods=n, freq="6h").astype(str),
            "churned": np.where(score > 0.5, "churned", "stayed"),
        }
    )
    frame.loc[rng.random(n) < 0.15, "region"] = None
    frame.loc[rng.random(n) < 0.20, "size"] = np.nan
    return frame


def _project(root: Path, train: str, files: dict[str, str]) -> Path:
    (root / "data").mkdir(parents=True)
    train_frame, test_frame = _frame(500, 1), _frame(150, 2)
    assert train_frame["region"].isna().any() and test_frame["region"].isna().any()
    train_frame.to_csv(root / "data" / "train.csv", index=False)
    test_frame.to_csv(root / "data" / "test.csv", index=False)
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    (root / "mlproject.yaml").write_text(SPEC.format(train=train))
    init_repo(root)
    return root / "mlproject.yaml"


def _ok(result) -> str:  # noqa: ANN001 - CompletedProcess
    assert result.returncode == 0, result.stdout + result.stderr
    return str(result.stdout)


def _serve(spec: Path, log: Path):  # noqa: ANN202
    port = free_port()
    process = start_server(spec, port, log)
    url = f"http://127.0.0.1:{port}"
    wait_ready(url, process, log)
    return url, process


def test_text_gaps_and_a_helper_module_pass_servability_and_serve(tmp_path: Path) -> None:
    spec = _project(
        tmp_path / "lots",
        "train: {entrypoint: src/train.py:train}",
        {
            "src/features.py": FEATURES,
            "src/train.py": ENTRYPOINT.format(import_line="from features import RegionNormalizer"),
        },
    )
    root = spec.parent
    _ok(run_mlspec("run", str(spec), cwd=root))
    checked = run_mlspec("test", "serving", str(spec), cwd=root)
    _ok(checked)
    record_dir = root / ".mlspec" / "runs" / (root / ".mlspec" / "runs" / "latest").read_text().strip()
    figures = json.loads((record_dir / "servability.json").read_text())
    assert figures["verdict"] == "pass", figures
    assert figures["rows"] == 150 and figures["mismatches"] == 0 and figures["rejections"] == 0
    assert figures["latency_ms"]["answered"] == figures["latency_ms"]["requests"] == 100
    p95 = figures["latency_ms"]["p95"]

    gate = _ok(run_mlspec("gate", str(spec), cwd=root))
    assert f"p95 {p95:.1f} ms" in gate

    # lineage: the installed versions, mlspec under its distribution name
    record = json.loads((record_dir / "record.json").read_text())
    assert record["versions"]["mlspec"] == version("mlspec-gitops")
    assert record["versions"]["scikit-learn"] == version("scikit-learn")
    _ok(run_mlspec("report", str(spec), "--output", str(tmp_path / "report.md"), cwd=root))
    report = (tmp_path / "report.md").read_text()
    assert "not installed" not in report and f"mlspec {version('mlspec-gitops')}" in report

    url, process = _serve(spec, tmp_path / "serve.log")
    try:
        row = {"region": "North", "size": 51.5, "age": 12.0}
        nulls = {"region": None, "size": None, "age": 30.0}  # null in every optional field
        answer = requests.post(f"{url}/predict", json={"rows": [row, nulls]}, timeout=60)
        assert answer.status_code == 200, answer.text
        assert all(label in ("churned", "stayed") for label in answer.json())

        wrong = requests.post(f"{url}/predict", json={"rows": [{**row, "age": "old"}]}, timeout=60)
        assert wrong.status_code == 400, wrong.text
        assert wrong.json()["detail"][0]["loc"] == ["rows", 0, "age"]

        extra = requests.post(f"{url}/predict", json={"rows": [{**row, "colour": "red"}]}, timeout=60)
        assert extra.status_code == 400, extra.text
        assert extra.json()["detail"][0]["loc"] == ["rows", 0, "colour"]
    finally:
        stop_server(process)


@pytest.mark.parametrize(
    ("train", "files"),
    [
        (
            "train: {entrypoint: src/train.py:train}",
            {"src/train.py": ENTRYPOINT.format(import_line="from mypkg.features import RegionNormalizer")},
        ),
        ("train: {command: python src/fit.py}", {"src/fit.py": COMMAND}),
    ],
    ids=["entrypoint", "command"],
)
def test_a_package_under_src_trains_evaluates_tests_builds_and_serves(
    tmp_path: Path, train: str, files: dict[str, str]
) -> None:
    spec = _project(tmp_path / "pkg", train, {"src/mypkg/__init__.py": "", "src/mypkg/features.py": FEATURES, **files})
    root = spec.parent
    for stage in (("train",), ("evaluate",), ("test", "model"), ("build",)):
        _ok(run_mlspec(*stage, str(spec), cwd=root))
    bento = next((root / ".mlspec" / "service").iterdir())
    assert not (bento / "mypkg").exists()  # the model carries its helper code: the Bento needs no src/

    url, process = _serve(spec, tmp_path / "serve.log")
    try:
        answer = requests.post(
            f"{url}/predict_proba", json={"rows": [{"region": None, "size": None, "age": 3.0}]}, timeout=60
        )
        assert answer.status_code == 200, answer.text
        assert [c["label"] for c in answer.json()[0]] == ["churned", "stayed"]
    finally:
        stop_server(process)
