"""A small synthetic binary project (clean data that passes deepchecks' default suites), run once per session."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests.helpers import init_repo, run_mlspec

FEATURES = ["f1", "f2", "f3", "f4", "f5"]

SPEC = """\
apiVersion: mlspec/v1
name: synth
data:
  train: data/train.csv
  test: data/test.csv
  label: outcome
train:
  entrypoint: src/train.py:train
  params: {n_estimators: 20, max_depth: 4}
  seed: 7
evaluate:
  task: binary
  metrics: [roc_auc, accuracy, f1]
tests:
  data:
    suites: [data_integrity, train_test_validation]
    n_samples: 2000
  model:
    suites: [model_evaluation]
    checks:
      - name: SingleDatasetPerformance
        params: {scorers: [roc_auc]}
        conditions:
          - {name: greater_than, params: {threshold: 0.7}}
gates:
  - {metric: balanced_accuracy, min: 0.5}
environments:
  - name: staging
"""

TRAIN_PY = """\
from sklearn.ensemble import RandomForestClassifier


def train(X, y, params):
    print("training on", len(X), "rows")
    model = RandomForestClassifier(n_estimators=params["n_estimators"], max_depth=params["max_depth"],
                                   random_state=params["seed"], n_jobs=1)
    return model.fit(X, y)
"""


def make_frame(rows: int, seed: int) -> pd.DataFrame:
    """Independent features, a noisy label depending on several of them (no single feature leaks it)."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({name: rng.normal(0, 1, rows).round(6) for name in FEATURES})
    score = frame["f1"] + frame["f2"] - frame["f3"] + frame["f4"] + rng.normal(0, 1.0, rows)
    frame["outcome"] = (score > 0).astype(int)
    return frame


def write_project(root: Path, spec: str = SPEC, train_py: str = TRAIN_PY) -> Path:
    (root / "data").mkdir(parents=True, exist_ok=True)
    (root / "src").mkdir(exist_ok=True)
    make_frame(1500, 1).to_csv(root / "data" / "train.csv", index=False)
    make_frame(1000, 2).to_csv(root / "data" / "test.csv", index=False)
    (root / "mlproject.yaml").write_text(spec)
    (root / "src" / "train.py").write_text(train_py)
    (root / ".gitignore").write_text(".mlspec/\n")
    return root


def clone_project(source: Path, target: Path) -> Path:
    """A copy with its .mlspec state (the BentoML store is shared by the session)."""
    shutil.copytree(source, target, ignore=shutil.ignore_patterns(".git", "__pycache__"))
    return target


@pytest.fixture(scope="session")
def clean_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, subprocess.CompletedProcess]:
    """The clean project in a git repository after one full `mlspec run`."""
    root = write_project(tmp_path_factory.mktemp("clean") / "synth")
    init_repo(root)
    result = run_mlspec("run", cwd=root)
    return root, result


@pytest.fixture(scope="session")
def trained(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project (no git) after `mlspec evaluate` (train + evaluate, no deepchecks)."""
    root = write_project(tmp_path_factory.mktemp("trained") / "synth")
    result = run_mlspec("evaluate", cwd=root)
    assert result.returncode == 0, result.stderr
    return root
