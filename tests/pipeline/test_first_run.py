"""Projects made with `mlspec init` from scikit-learn's bundled datasets pass their first run with mlspec's default
conditions, and a project with one planted defect fails its data tests on that defect and only that.

Each project is `mlspec init`'s scaffold with its data, label and task swapped (and the one check the scaffold
configures for its breast-cancer geometry removed, so the defaults alone are tested), trained with a small forest."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn import datasets
from sklearn.model_selection import train_test_split

from mlspec.state.record import RunStore
from tests.helpers import run_mlspec

pytestmark = pytest.mark.slow

REGRESSOR = """\
from sklearn.ensemble import RandomForestRegressor


def train(X, y, params):
    return RandomForestRegressor(n_estimators=int(params.get("n_estimators", 100)), max_depth=params.get("max_depth"),
                                 random_state=int(params.get("seed", 0))).fit(X, y)
"""


def _bundled(name: str) -> tuple[pd.DataFrame, str]:
    loaders = {
        "iris": datasets.load_iris,
        "wine": datasets.load_wine,
        "diabetes": datasets.load_diabetes,
        "digits": datasets.load_digits,
    }
    bunch = loaders[name]()
    frame = pd.DataFrame(
        bunch.data, columns=[str(c).replace(" (cm)", "").replace(" ", "_") for c in bunch.feature_names]
    )
    frame["target"] = bunch.target
    if name == "digits":  # 3 pixels are 0 in every image: a real constant column, which a project leaves out
        frame = frame.loc[:, frame.nunique() > 1]
    return frame.round(6), "regression" if name == "diabetes" else "multiclass"


def _synthetic(name: str) -> tuple[pd.DataFrame, str]:
    classes = 3 if name == "synthetic-multiclass" else 2
    X, y = datasets.make_classification(600, 8, n_informative=4, n_classes=classes, class_sep=1.2, random_state=3)
    frame = pd.DataFrame(X, columns=[f"x{i}" for i in range(8)]).round(6)
    names = ["alpha", "beta", "gamma"] if classes == 3 else ["stayed", "churned"]
    frame["target"] = np.array(names)[y]
    return frame, "multiclass" if classes == 3 else "binary"


def make_project(root: Path, name: str, mutate: Callable[[pd.DataFrame, pd.DataFrame], tuple] | None = None) -> Path:
    """`mlspec init` in ``root``, then this dataset instead of breast cancer."""
    result = run_mlspec("init", str(root))
    assert result.returncode == 0, result.stderr
    spec = (root / "mlproject.yaml").read_text()
    start = spec.index("      # mlspec's defaults fail only a near-copy")
    end = spec.index("  model:\n")
    spec = spec[:start].rstrip() + "\n" + spec[end:] if "checks:" in spec[start - 20 : start] else spec
    spec = spec.replace("    checks:\n  model:", "  model:")
    spec = spec.replace("n_estimators: 100", "n_estimators: 40")
    if name == "breast-cancer":
        return root  # the scaffold as it is
    frame, task = _synthetic(name) if name.startswith("synthetic") else _bundled(name)
    stratify = None if task == "regression" else frame["target"]
    train, test = train_test_split(frame, test_size=0.25, random_state=7, stratify=stratify)
    if mutate is not None:
        train, test = mutate(train.reset_index(drop=True), test.reset_index(drop=True))
    train.to_csv(root / "data" / "train.csv", index=False)
    test.to_csv(root / "data" / "test.csv", index=False)
    spec = spec.replace("label: benign", "label: target").replace("task: binary", f"task: {task}")
    if name == "synthetic-binary":
        spec = spec.replace("  task: binary", "  task: binary\n  positive_class: churned")
    metric = {"multiclass": "roc_auc_ovr", "regression": "r2", "binary": "roc_auc"}[task]
    floor = {"multiclass": "0.9", "regression": "0.2", "binary": "0.85"}[task]
    spec = spec.replace("{metric: roc_auc, min: 0.9}", f"{{metric: {metric}, min: {floor}}}")
    spec = spec.replace("{metric: roc_auc, min_delta", f"{{metric: {metric}, min_delta")
    (root / "mlproject.yaml").write_text(spec)
    if task == "regression":
        (root / "src" / "train.py").write_text(REGRESSOR)
    return root


def failing(root: Path, kind: str) -> set[str]:
    outcome = RunStore(root).latest().tests[kind]
    return {c.name for c in outcome.checks if outcome.fails(c)}


@pytest.mark.parametrize(
    "name", ["breast-cancer", "iris", "wine", "diabetes", "digits", "synthetic-multiclass", "synthetic-binary"]
)
def test_a_healthy_project_passes_its_first_run_with_the_defaults(tmp_path: Path, name: str) -> None:
    root = make_project(tmp_path / name, name)
    result = run_mlspec("run", cwd=root, timeout=1500)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    record = RunStore(root).latest()
    for kind in ("data", "model"):
        outcome = record.tests[kind]
        assert outcome.passed and outcome.verdict() == "passed", (kind, outcome.counts_text(), failing(root, kind))
    gate = run_mlspec("gate", "--env", "staging", cwd=root)
    assert gate.returncode == 0, gate.stdout + gate.stderr


def _duplicates(train: pd.DataFrame, test: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    return pd.concat([train, train.sample(frac=0.15, random_state=1)], ignore_index=True), test


def _leak(train: pd.DataFrame, test: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    code = {"alpha": 10.0, "beta": 20.0, "gamma": 30.0}  # e.g. a "review_grade" column filled in from the label
    return train.assign(review_grade=train["target"].map(code)), test.assign(review_grade=test["target"].map(code))


def _constant(train: pd.DataFrame, test: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    return train.assign(batch=1), test.assign(batch=1)


def _label_noise(train: pd.DataFrame, test: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Some rows labelled twice, differently (two annotators disagreeing)."""
    again = train.sample(frac=0.04, random_state=2)
    flipped = again.assign(target=again["target"].map({"alpha": "beta", "beta": "gamma", "gamma": "alpha"}))
    return pd.concat([train, flipped], ignore_index=True), test


@pytest.mark.parametrize(
    ("defect", "mutate", "expected"),
    [
        ("duplicates", _duplicates, {"DataDuplicates"}),
        ("leakage", _leak, {"FeatureLabelCorrelation", "FeatureLabelCorrelationChange"}),
        ("constant", _constant, {"IsSingleValue"}),
        ("label-noise", _label_noise, {"ConflictingLabels"}),
    ],
)
def test_a_planted_defect_fails_the_data_tests_on_that_defect_only(
    tmp_path: Path, defect: str, mutate: Callable[..., tuple], expected: set[str]
) -> None:
    root = make_project(tmp_path / defect, "synthetic-multiclass", mutate)
    result = run_mlspec("test", "data", cwd=root, timeout=900)
    assert result.returncode == 1, result.stdout[-2000:] + result.stderr[-2000:]
    assert failing(root, "data") == expected
