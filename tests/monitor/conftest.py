"""A small synthetic churn project (numeric + categorical features, binary label) with a model in the
(isolated) BentoML store and deploy/production.yaml naming it, built once per session."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.github_standin.fixtures import github_standin  # noqa: F401

TRAIN_ROWS = 4000
HOLDOUT_ROWS = 2000
FEATURES = ["income", "age", "tenure", "plan"]
PLAN_P = [0.5, 0.3, 0.2]

SPEC = """\
apiVersion: mlspec/v1
name: churn
data:
  train: data/train.csv
  label: churned
  categorical: [plan]
train:
  entrypoint: src/train.py:train
evaluate:
  task: binary
environments:
  - name: staging
  - name: production
    requires: staging
triggers:
  drift:
    current: data/current.csv
    environment: production
    n_samples: 5000
    thresholds: {feature: 0.2, max_drifted_features: 0}
"""

TRAIN_PY = """\
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler


def train(X, y, params):
    encode = ColumnTransformer([("num", StandardScaler(), ["income", "age", "tenure"]),
                                ("cat", OneHotEncoder(handle_unknown="ignore"), ["plan"])])
    return make_pipeline(encode, LogisticRegression(max_iter=500)).fit(X, y)
"""


def make_table(rows: int, seed: int):
    """Churn-like data: churn depends on income, tenure and plan."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    income = rng.normal(50_000, 12_000, rows).round(2)
    age = rng.integers(18, 80, rows)
    tenure = rng.exponential(24, rows).round(1)
    plan = rng.choice(["basic", "plus", "pro"], size=rows, p=PLAN_P)
    logit = -0.00004 * (income - 50_000) - 0.04 * (tenure - 24) + np.where(plan == "basic", 0.6, -0.3)
    churned = (rng.random(rows) < 1 / (1 + np.exp(-logit))).astype(int)
    return pd.DataFrame({"income": income, "age": age, "tenure": tenure, "plan": plan, "churned": churned})


@dataclass
class ChurnProject:
    root: Path
    holdout: Path  # same distribution as train.csv, never seen by the model
    model_tag: str

    @property
    def spec(self) -> str:
        return str(self.root / "mlproject.yaml")

    def copy(self, destination: Path) -> ChurnProject:
        target = destination / "churn"
        shutil.copytree(self.root, target, ignore=shutil.ignore_patterns(".mlspec"))
        return ChurnProject(target, self.holdout, self.model_tag)


def _save_model(train_file: Path, train_frame, train_digest: str) -> str:
    import importlib.util

    from mlspec.state.model_store import save_model

    spec = importlib.util.spec_from_file_location("churn_train", train_file)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    model = module.train(train_frame[FEATURES], train_frame["churned"], {})
    # Saved as `mlspec train` saves it (mlspec.state.model_store), so prediction drift loads what CT produces.
    return save_model(
        "churn",
        model,
        labels={"project": "churn"},
        metadata={
            "project": "churn",
            "run_id": "test-run",
            "task": "binary",
            "label": "churned",
            "features": FEATURES,
            "dtypes": {"income": "float", "age": "int", "tenure": "float", "plan": "str"},
            "categorical": ["plan"],
            "classes": [0, 1],
            "data": {"train": train_digest},
            "params": {},
            "git_commit": "0" * 40,
            "spec_digest": "test",
        },
    )


@pytest.fixture(scope="session")
def churn_project(tmp_path_factory: pytest.TempPathFactory) -> ChurnProject:
    from mlspec.state.deploy import DeployedModel, Deployment, write_deployment
    from mlspec.tables import file_digest

    root = tmp_path_factory.mktemp("monitor") / "churn"
    (root / "data").mkdir(parents=True)
    (root / "src").mkdir()
    (root / "mlproject.yaml").write_text(SPEC)
    (root / "src" / "train.py").write_text(TRAIN_PY)
    table = make_table(TRAIN_ROWS + HOLDOUT_ROWS, seed=11)
    train, holdout = table.iloc[:TRAIN_ROWS], table.iloc[TRAIN_ROWS:].reset_index(drop=True)
    train.to_csv(root / "data" / "train.csv", index=False)
    holdout_path = root.parent / "holdout.csv"
    holdout.to_csv(holdout_path, index=False)
    digest = file_digest(root / "data" / "train.csv")
    tag = _save_model(root / "src" / "train.py", train, digest)
    write_deployment(
        root,
        Deployment(
            project="churn",
            environment="production",
            model=DeployedModel(tag=tag, version=tag.split(":", 1)[1]),
            lineage={"run_id": "test-run", "data": {"train": digest}},
        ),
    )
    return ChurnProject(root, holdout_path, tag)


@pytest.fixture(scope="session")
def shifted_current(churn_project: ChurnProject) -> Path:
    """The held-out rows with income moved by 4 standard deviations and the plan mix reversed."""
    import numpy as np
    import pandas as pd

    frame = pd.read_csv(churn_project.holdout)
    frame["income"] = frame["income"] + 4 * 12_000
    rng = np.random.default_rng(5)
    frame["plan"] = rng.choice(["basic", "plus", "pro"], size=len(frame), p=PLAN_P[::-1])
    path = churn_project.holdout.parent / "shifted.csv"
    frame.to_csv(path, index=False)
    return path


@pytest.fixture(scope="session")
def income_only_shift(churn_project: ChurnProject) -> Path:
    import pandas as pd

    frame = pd.read_csv(churn_project.holdout)
    frame["income"] = frame["income"] + 4 * 12_000
    path = churn_project.holdout.parent / "income-shifted.csv"
    frame.to_csv(path, index=False)
    return path
