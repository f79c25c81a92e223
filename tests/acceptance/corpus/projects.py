"""The corpus: realistic projects generated, deterministically, from data scikit-learn ships (``load_*`` only) or
seeded synthetic data. Each is what a team would commit: a spec close to `mlspec init`'s defaults, training code
under `src/`, data files. `write_project` writes one into a folder; the loop (`tests/acceptance/corpus/loop.py`) makes it a
git repository and runs it.

Run ``python -m tests.acceptance.corpus.projects DEST`` to write every project into DEST to look at them."""

from __future__ import annotations

import sys
import textwrap
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

SEED = 20261204


@dataclass(frozen=True)
class Project:
    name: str
    covers: str  # what the project is in the corpus for (the README's table)
    files: Callable[[], dict[str, str]]  # path -> text, everything but the spec
    spec: Callable[[], str]
    # a binary project whose positive class is not 1/True: the label the metrics treat as positive
    positive: Any = None
    spec_changes: str = ""  # what the spec adds to `mlspec init`'s defaults, and why
    tags: tuple[str, ...] = field(default=())


def _positive_line(label: str) -> str:
    return f"  positive_class: {label}\n"


def _csv(frame: pd.DataFrame) -> str:
    return frame.to_csv(index=False, lineterminator="\n")


def _split(frame: pd.DataFrame, test_size: float, seed: int, stratify: str | None = None) -> tuple[str, str]:
    from sklearn.model_selection import train_test_split

    train, test = train_test_split(
        frame, test_size=test_size, random_state=seed, stratify=frame[stratify] if stratify else None
    )
    return _csv(train), _csv(test)


def _spec(
    name: str,
    data: str,
    train: str,
    evaluate: str,
    gates: str,
    tests: str = "",
) -> str:
    """`mlspec init`'s layout: the data, train and evaluate sections of the project, the default suites, an absolute
    gate plus a not-worse-than-the-champion gate, staging then production."""
    tests = tests or "  data:\n    suites: [data_integrity, train_test_validation]\n"
    return (
        f"apiVersion: mlspec/v1\nname: {name}\n"
        f"data:\n{textwrap.indent(textwrap.dedent(data).strip(), '  ')}\n"
        f"train:\n{textwrap.indent(textwrap.dedent(train).strip(), '  ')}\n"
        f"evaluate:\n{evaluate}"
        f"tests:\n{tests}  model:\n    suites: [model_evaluation]\n"
        f"gates:\n{textwrap.indent(textwrap.dedent(gates).strip(), '  ')}\n"
        "environments:\n  - name: staging\n  - name: production\n    requires: staging\n"
    )


def _code(text: str) -> str:
    return textwrap.dedent(text).lstrip()


# --- 1. churn, yes/no labels, a text column with gaps, a Pipeline with a ColumnTransformer ---------------------


def _churn_frame(rng: np.random.Generator, n: int) -> pd.DataFrame:
    tenure = rng.integers(1, 72, n)
    plan = rng.choice(["basic", "plus", "pro"], n, p=[0.5, 0.3, 0.2])
    charges = np.round(30 + 15 * (plan == "plus") + 35 * (plan == "pro") + rng.normal(0, 15, n), 2).clip(5)
    calls = rng.poisson(1.5, n)
    region = rng.choice(["north", "south", "east", "west", "central"], n).astype(object)
    logit = 1.2 - 0.06 * tenure + 0.5 * calls + 0.012 * charges + 0.4 * (region == "south")
    churn = rng.random(n) < 1 / (1 + np.exp(-logit))
    return pd.DataFrame(
        {
            "tenure_months": tenure,
            "plan": plan,
            "monthly_charges": charges,
            "support_calls": calls,
            "region": region,
            "churn": churn,
        }
    )


def _churn_yes_no_files() -> dict[str, str]:
    rng = np.random.default_rng(SEED + 1)
    frame = _churn_frame(rng, 1500)
    frame["region"] = frame["region"].where(rng.random(len(frame)) > 0.08)  # gaps in train and in test
    frame["churn"] = np.where(frame["churn"], "yes", "no")
    train, test = _split(frame, 0.25, 1, stratify="churn")
    return {
        "data/train.csv": train,
        "data/test.csv": test,
        "src/train.py": _code(
            '''
            """Churn model: a scikit-learn Pipeline with a ColumnTransformer (scaled numbers, one-hot plan and region;
            a missing region is its own category)."""

            from __future__ import annotations

            from typing import Any

            import pandas as pd
            from sklearn.compose import ColumnTransformer
            from sklearn.impute import SimpleImputer
            from sklearn.linear_model import LogisticRegression
            from sklearn.pipeline import Pipeline, make_pipeline
            from sklearn.preprocessing import OneHotEncoder, StandardScaler

            NUMERIC = ["tenure_months", "monthly_charges", "support_calls"]
            CATEGORICAL = ["plan", "region"]


            def train(X: pd.DataFrame, y: pd.Series, params: dict[str, Any]) -> Pipeline:
                columns = ColumnTransformer(
                    [
                        ("numbers", StandardScaler(), NUMERIC),
                        (
                            "categories",
                            make_pipeline(
                                SimpleImputer(strategy="constant", fill_value="unknown"),
                                OneHotEncoder(handle_unknown="ignore"),
                            ),
                            CATEGORICAL,
                        ),
                    ]
                )
                model = Pipeline([("columns", columns), ("classifier", LogisticRegression(C=float(params["C"]), max_iter=1000))])
                return model.fit(X, y)
            '''
        ),
    }


def _churn_yes_no_spec() -> str:
    return _spec(
        "churn-yes-no",
        """
        train: data/train.csv
        test: data/test.csv
        label: churn
        categorical: [plan, region]
        """,
        "entrypoint: src/train.py:train\nparams: {C: 1.0}",
        "  task: binary\n" + _positive_line('"yes"'),
        """
        - {metric: roc_auc, min: 0.7}
        - {metric: roc_auc, min_delta: 0.0, allow_missing_champion: true}
        """,
    )


# --- 2. churned/stayed labels, a group split by customer, a helper module beside the entrypoint ----------------


def _churn_stayed_files() -> dict[str, str]:
    rng = np.random.default_rng(SEED + 2)
    customers = 400
    per_customer = 3
    base = _churn_frame(rng, customers)
    rows = []
    for i, customer in base.iterrows():
        for month in range(per_customer):
            rows.append(
                {
                    "customer_id": f"C{10000 + int(i)}",
                    "tenure_months": int(customer["tenure_months"]) + month,
                    "plan": customer["plan"],
                    "monthly_charges": round(float(customer["monthly_charges"]) + rng.normal(0, 1.5), 2),
                    "support_calls": int(rng.poisson(1.5)) + int(customer["support_calls"] > 2),
                    "status": "churned" if customer["churn"] else "stayed",
                }
            )
    frame = pd.DataFrame(rows)
    return {
        "data/customers.csv": _csv(frame),
        "src/features.py": _code(
            '''
            """Feature engineering shared by training and serving: the entrypoint imports it (`from features import ...`)."""

            from __future__ import annotations

            import numpy as np
            import pandas as pd
            from sklearn.base import BaseEstimator, TransformerMixin


            class TenureBuckets(BaseEstimator, TransformerMixin):
                """Adds the tenure in years (a bucket) and the charges per support call."""

                def fit(self, X: pd.DataFrame, y: object = None) -> "TenureBuckets":
                    return self

                def transform(self, X: pd.DataFrame) -> pd.DataFrame:
                    out = X.copy()
                    out["tenure_years"] = np.floor(out["tenure_months"] / 12)
                    out["charges_per_call"] = out["monthly_charges"] / (1 + out["support_calls"])
                    return out
            '''
        ),
        "src/train.py": _code(
            '''
            """Churn per customer-month; customers never straddle train and test (a group split)."""

            from __future__ import annotations

            from typing import Any

            import pandas as pd
            from features import TenureBuckets
            from sklearn.compose import ColumnTransformer
            from sklearn.ensemble import RandomForestClassifier
            from sklearn.pipeline import Pipeline
            from sklearn.preprocessing import OneHotEncoder


            def train(X: pd.DataFrame, y: pd.Series, params: dict[str, Any]) -> Pipeline:
                columns = ColumnTransformer(
                    [("plan", OneHotEncoder(handle_unknown="ignore"), ["plan"])], remainder="passthrough"
                )
                forest = RandomForestClassifier(
                    n_estimators=int(params["n_estimators"]), min_samples_leaf=5, random_state=int(params["seed"])
                )
                return Pipeline([("features", TenureBuckets()), ("columns", columns), ("forest", forest)]).fit(X, y)
            '''
        ),
    }


def _churn_stayed_spec() -> str:
    return _spec(
        "churn-stayed",
        """
        source: data/customers.csv
        split: {method: group, column: customer_id, test_size: 0.25, seed: 7}
        label: status
        categorical: [plan]
        """,
        "entrypoint: src/train.py:train\nparams: {n_estimators: 100}",
        "  task: binary\n" + _positive_line("churned"),
        """
        - {metric: roc_auc, min: 0.7}
        - {metric: roc_auc, min_delta: 0.0, allow_missing_champion: true}
        """,
    )


# --- 3. breast cancer: binary 0/1, an ID column, the `command:` form -------------------------------------------


def _breast_cancer_files() -> dict[str, str]:
    from sklearn.datasets import load_breast_cancer

    bunch = load_breast_cancer(as_frame=True)
    frame = bunch.frame.rename(columns=lambda c: c.replace(" ", "_")).rename(columns={"target": "benign"})
    rng = np.random.default_rng(SEED + 3)
    frame.insert(0, "patient_id", rng.choice(np.arange(100000, 999999), len(frame), replace=False))
    train, test = _split(frame, 0.25, 3, stratify="benign")
    return {
        "data/train.csv": train,
        "data/test.csv": test,
        "src/train.py": _code(
            '''
            """Trained by `train.command`: reads the tables and params mlspec names in the environment, writes the
            pickled model to $MLSPEC_MODEL_OUT."""

            from __future__ import annotations

            import json
            import os
            import pickle

            import pandas as pd
            from sklearn.ensemble import RandomForestClassifier

            LABEL, ID = "benign", "patient_id"


            def main() -> None:
                table = pd.read_csv(os.environ["MLSPEC_TRAIN"])
                params = json.loads(open(os.environ["MLSPEC_PARAMS"]).read())
                X, y = table.drop(columns=[LABEL, ID]), table[LABEL]
                model = RandomForestClassifier(
                    n_estimators=int(params["n_estimators"]),
                    max_depth=int(params["max_depth"]),
                    random_state=int(os.environ["MLSPEC_SEED"]),
                ).fit(X, y)
                with open(os.environ["MLSPEC_MODEL_OUT"], "wb") as out:
                    pickle.dump(model, out)


            if __name__ == "__main__":
                main()
            '''
        ),
    }


def _breast_cancer_spec() -> str:
    # the same two configured checks `mlspec init` writes for this very dataset
    tests = """\
  data:
    suites: [data_integrity, train_test_validation]
    checks:
      - name: FeatureFeatureCorrelation
        conditions:
          - {name: max_number_of_pairs_above_threshold, params: {threshold: 0.99, n_pairs: 9}}
      - name: FeatureLabelCorrelationChange
        conditions:
          - {name: feature_pps_in_train_less_than, params: {threshold: 0.9}}
          - {name: feature_pps_difference_less_than, params: {threshold: 0.3}}
"""
    return _spec(
        "breast-cancer-ids",
        """
        train: data/train.csv
        test: data/test.csv
        label: benign
        index: patient_id
        """,
        "command: python src/train.py\nparams: {n_estimators: 100, max_depth: 6}",
        "  task: binary\n",
        """
        - {metric: roc_auc, min: 0.9}
        - {metric: roc_auc, min_delta: 0.0, allow_missing_champion: true}
        """,
        tests,
    )


# --- 4. fraud: boolean labels, 1:50 imbalance, HistGradientBoosting --------------------------------------------


def _fraud_files() -> dict[str, str]:
    from sklearn.datasets import make_classification

    X, y = make_classification(
        n_samples=5100,
        n_features=6,
        n_informative=4,
        n_redundant=0,
        weights=[50 / 51],
        class_sep=1.5,
        flip_y=0,
        random_state=SEED % 2**31,
    )
    names = ["amount_z", "account_age_z", "velocity_z", "distance_z", "device_score", "hour_z"]
    frame = pd.DataFrame(np.round(X, 5), columns=names)
    frame["is_fraud"] = y.astype(bool)
    train, test = _split(frame, 0.3, 4, stratify="is_fraud")
    return {
        "data/train.csv": train,
        "data/test.csv": test,
        "src/train.py": _code(
            '''
            """Fraud: one transaction in 51 is fraud; HistGradientBoosting with balanced class weights."""

            from __future__ import annotations

            from typing import Any

            import pandas as pd
            from sklearn.ensemble import HistGradientBoostingClassifier


            def train(X: pd.DataFrame, y: pd.Series, params: dict[str, Any]) -> HistGradientBoostingClassifier:
                model = HistGradientBoostingClassifier(
                    max_iter=int(params["max_iter"]),
                    learning_rate=float(params["learning_rate"]),
                    class_weight="balanced",
                    early_stopping=False,
                    random_state=int(params["seed"]),
                )
                return model.fit(X, y)
            '''
        ),
    }


def _fraud_spec() -> str:
    return _spec(
        "fraud-imbalanced",
        """
        train: data/train.csv
        test: data/test.csv
        label: is_fraud
        """,
        "entrypoint: src/train.py:train\nparams: {max_iter: 100, learning_rate: 0.1}",
        "  task: binary\n  metrics: [roc_auc, average_precision, f1, recall]\n",
        """
        - {metric: average_precision, min: 0.3}
        - {metric: average_precision, min_delta: 0.0, allow_missing_champion: true}
        """,
    )


# --- 5. wine lots: multiclass string labels, a text column with gaps, a package under src/ --------------------


def _wine_files() -> dict[str, str]:
    from sklearn.datasets import load_wine

    bunch = load_wine(as_frame=True)
    frame = bunch.frame.rename(columns={"od280/od315_of_diluted_wines": "od280_od315"})
    cultivars = np.array(["barolo", "grignolino", "barbera"])
    frame["cultivar"] = cultivars[frame.pop("target").to_numpy()]
    rng = np.random.default_rng(SEED + 5)
    home = {"barolo": "piedmont-langhe", "grignolino": "piedmont-monferrato", "barbera": "piedmont-asti"}
    others = np.array(sorted(home.values()))
    region = np.where(rng.random(len(frame)) < 0.7, frame["cultivar"].map(home), rng.choice(others, len(frame)))
    frame["region"] = pd.Series(region, dtype=object).where(rng.random(len(frame)) > 0.12)
    return {
        "data/lots.csv": _csv(frame),
        "src/winelab/__init__.py": '"""Wine lot classification: the model code, a package under src/."""\n',
        "src/winelab/model.py": _code(
            '''
            """The lot classifier: chemistry scaled, the region one-hot (a missing region is "unknown")."""

            from __future__ import annotations

            from sklearn.compose import ColumnTransformer, make_column_selector
            from sklearn.impute import SimpleImputer
            from sklearn.linear_model import LogisticRegression
            from sklearn.pipeline import Pipeline, make_pipeline
            from sklearn.preprocessing import OneHotEncoder, StandardScaler


            def build(C: float) -> Pipeline:
                columns = ColumnTransformer(
                    [
                        ("chemistry", StandardScaler(), make_column_selector(dtype_include="number")),
                        (
                            "region",
                            make_pipeline(
                                SimpleImputer(strategy="constant", fill_value="unknown"),
                                OneHotEncoder(handle_unknown="ignore"),
                            ),
                            ["region"],
                        ),
                    ]
                )
                return Pipeline([("columns", columns), ("classifier", LogisticRegression(C=C, max_iter=2000))])
            '''
        ),
        "src/train.py": _code(
            '''
            """Entrypoint: the model lives in the winelab package beside this file."""

            from __future__ import annotations

            from typing import Any

            import pandas as pd
            from sklearn.pipeline import Pipeline
            from winelab.model import build


            def train(X: pd.DataFrame, y: pd.Series, params: dict[str, Any]) -> Pipeline:
                return build(float(params["C"])).fit(X, y)
            '''
        ),
    }


def _wine_spec() -> str:
    return _spec(
        "wine-lots",
        """
        source: data/lots.csv
        split: {method: random, test_size: 0.3, seed: 5}
        label: cultivar
        categorical: [region]
        """,
        "entrypoint: src/train.py:train\nparams: {C: 0.5}",
        "  task: multiclass\n",
        """
        - {metric: accuracy, min: 0.85}
        - {metric: accuracy, min_delta: 0.0, allow_missing_champion: true}
        """,
    )


# --- 6. digits: multiclass integers, the two-argument train(df, params) form --------------------------------------


def _digits_files() -> dict[str, str]:
    from sklearn.datasets import load_digits

    bunch = load_digits(as_frame=True)
    frame = bunch.frame.rename(columns={"target": "digit"})
    # the border pixels that are 0 in every image carry nothing: a team drops them before committing the table
    frame = frame.loc[:, frame.nunique() > 1]
    train, test = _split(frame, 0.25, 6, stratify="digit")
    return {
        "data/train.csv": train,
        "data/test.csv": test,
        "src/train.py": _code(
            '''
            """Digits, trained by train(df, params): the table with its label column."""

            from __future__ import annotations

            from typing import Any

            import pandas as pd
            from sklearn.ensemble import RandomForestClassifier


            def train(df: pd.DataFrame, params: dict[str, Any]) -> RandomForestClassifier:
                X, y = df.drop(columns=["digit"]), df["digit"]
                forest = RandomForestClassifier(n_estimators=int(params["n_estimators"]), random_state=int(params["seed"]))
                return forest.fit(X, y)
            '''
        ),
    }


def _digits_spec() -> str:
    return _spec(
        "digits",
        """
        train: data/train.csv
        test: data/test.csv
        label: digit
        """,
        "entrypoint: src/train.py:train\nparams: {n_estimators: 100}",
        "  task: multiclass\n",
        """
        - {metric: accuracy, min: 0.9}
        - {metric: accuracy, min_delta: 0.0, allow_missing_champion: true}
        """,
    )


# --- 7. diabetes: regression with outliers ------------------------------------------------------------------------


def _diabetes_files() -> dict[str, str]:
    from sklearn.datasets import load_diabetes

    frame = load_diabetes(as_frame=True, scaled=False).frame.rename(columns={"target": "progression"})
    rng = np.random.default_rng(SEED + 7)
    outliers = rng.choice(len(frame), 12, replace=False)  # ~3% of the labels are recording errors, 4x too high
    frame.loc[outliers, "progression"] *= 4
    train, test = _split(frame, 0.25, 7)
    return {
        "data/train.csv": train,
        "data/test.csv": test,
        "src/train.py": _code(
            '''
            """Disease progression; a Huber loss so that the mis-recorded outliers pull the fit less."""

            from __future__ import annotations

            from typing import Any

            import pandas as pd
            from sklearn.linear_model import HuberRegressor
            from sklearn.pipeline import Pipeline, make_pipeline
            from sklearn.preprocessing import StandardScaler


            def train(X: pd.DataFrame, y: pd.Series, params: dict[str, Any]) -> Pipeline:
                model = make_pipeline(StandardScaler(), HuberRegressor(epsilon=float(params["epsilon"]), max_iter=1000))
                return model.fit(X, y)
            '''
        ),
    }


def _diabetes_spec() -> str:
    return _spec(
        "diabetes-outliers",
        """
        train: data/train.csv
        test: data/test.csv
        label: progression
        categorical: [sex]
        """,
        "entrypoint: src/train.py:train\nparams: {epsilon: 1.35}",
        "  task: regression\n  metrics: [mae, rmse, median_ae, r2]\n",
        """
        - {metric: median_ae, max: 60}
        - {metric: mae, min_delta: 0.0, allow_missing_champion: true}
        """,
    )


# --- 8. houses: numeric missing values, HistGradientBoosting regression ----------------------------------------


def _houses_files() -> dict[str, str]:
    rng = np.random.default_rng(SEED + 8)
    n = 1600
    sqft = np.round(rng.normal(1700, 450, n).clip(400, 5000))
    bedrooms = rng.integers(1, 6, n)
    year = rng.integers(1920, 2024, n)
    lot = np.round(rng.lognormal(8.5, 0.5, n))
    garage = rng.integers(0, 4, n).astype(float)
    price = 50_000 + 120 * sqft + 9_000 * bedrooms + 600 * (year - 1920) + 2.0 * lot + 7_000 * garage
    price = np.round(price * rng.lognormal(0, 0.1, n), -2)
    frame = pd.DataFrame(
        {
            "sqft": sqft,
            "bedrooms": bedrooms,
            "year_built": year,
            "lot_size": lot,
            "garage_spaces": garage,
            "price": price,
        }
    )
    frame["lot_size"] = frame["lot_size"].where(rng.random(n) > 0.15)  # not surveyed
    frame["garage_spaces"] = frame["garage_spaces"].where(rng.random(n) > 0.1)
    train, test = _split(frame, 0.25, 8)
    return {
        "data/train.csv": train,
        "data/test.csv": test,
        "src/train.py": _code(
            '''
            """House prices; HistGradientBoosting handles the missing lot sizes and garages itself."""

            from __future__ import annotations

            from typing import Any

            import pandas as pd
            from sklearn.ensemble import HistGradientBoostingRegressor


            def train(X: pd.DataFrame, y: pd.Series, params: dict[str, Any]) -> HistGradientBoostingRegressor:
                model = HistGradientBoostingRegressor(
                    max_iter=int(params["max_iter"]), early_stopping=False, random_state=int(params["seed"])
                )
                return model.fit(X, y)
            '''
        ),
    }


def _houses_spec() -> str:
    return _spec(
        "houses-missing",
        """
        train: data/train.csv
        test: data/test.csv
        label: price
        """,
        "entrypoint: src/train.py:train\nparams: {max_iter: 150}",
        "  task: regression\n",
        """
        - {metric: r2, min: 0.6}
        - {metric: rmse, min_delta: 0.0, allow_missing_champion: true}
        """,
    )


# --- 9. daily demand: a datetime column and a time split -----------------------------------------------------


def _demand_files() -> dict[str, str]:
    rng = np.random.default_rng(SEED + 9)
    days = pd.date_range("2024-01-01", periods=365, freq="D")
    rows = []
    for store in ["s01", "s02", "s03", "s04"]:
        level = {"s01": 40, "s02": 55, "s03": 30, "s04": 70}[store]
        for day in days:
            promo = int(rng.random() < 0.2)
            temperature = round(18 + rng.normal(0, 5), 1)  # a mild climate: no season for the time split to cut
            weekend = int(day.dayofweek >= 5)
            units = level * (1 + 0.3 * promo + 0.25 * weekend) + 0.5 * temperature + rng.normal(0, 4)
            rows.append(
                {
                    "sold_at": day.strftime("%Y-%m-%d"),
                    "store": store,
                    "day_of_week": int(day.dayofweek),
                    "promo": promo,
                    "temperature": temperature,
                    "units": round(max(units, 0.0), 1),
                }
            )
    return {
        "data/sales.csv": _csv(pd.DataFrame(rows)),
        "src/train.py": _code(
            '''
            """Units sold per store and day; trained on the past, tested on the latest weeks."""

            from __future__ import annotations

            from typing import Any

            import pandas as pd
            from sklearn.compose import ColumnTransformer
            from sklearn.ensemble import RandomForestRegressor
            from sklearn.pipeline import Pipeline
            from sklearn.preprocessing import OneHotEncoder


            def train(X: pd.DataFrame, y: pd.Series, params: dict[str, Any]) -> Pipeline:
                columns = ColumnTransformer([("store", OneHotEncoder(handle_unknown="ignore"), ["store"])], remainder="passthrough")
                forest = RandomForestRegressor(
                    n_estimators=int(params["n_estimators"]), min_samples_leaf=3, random_state=int(params["seed"])
                )
                return Pipeline([("columns", columns), ("forest", forest)]).fit(X, y)
            '''
        ),
    }


def _demand_spec() -> str:
    return _spec(
        "daily-demand",
        """
        source: data/sales.csv
        datetime: sold_at
        split: {method: time, test_size: 0.2}
        label: units
        categorical: [store]
        """,
        "entrypoint: src/train.py:train\nparams: {n_estimators: 80}",
        "  task: regression\n",
        """
        - {metric: r2, min: 0.7}
        - {metric: rmse, min_delta: 0.0, allow_missing_champion: true}
        """,
    )


# --- 10. merchant risk: a categorical with 700 values -------------------------------------------------------------


def _merchant_files() -> dict[str, str]:
    rng = np.random.default_rng(SEED + 10)
    merchants = np.array([f"m{i:04d}" for i in range(700)])
    risk = rng.normal(-2.2, 1.6, len(merchants))
    n = 6000
    which = rng.integers(0, len(merchants), n)
    amount = np.round(rng.lognormal(3.5, 0.8, n), 2)
    hour = rng.integers(0, 24, n)
    country = rng.choice(["de", "fr", "it", "es", "nl"], n)
    logit = risk[which] + 1.2 * (amount > 80) + 1.2 * ((hour < 6) | (hour > 21))
    frame = pd.DataFrame(
        {
            "merchant": merchants[which],
            "country": country,
            "amount": amount,
            "hour": hour,
            "chargeback": (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int),
        }
    )
    train, test = _split(frame, 0.25, 10, stratify="chargeback")
    return {
        "data/train.csv": train,
        "data/test.csv": test,
        "src/train.py": _code(
            '''
            """Chargebacks; the 700 merchants are target-encoded, the countries one-hot. The risk is higher at night
            and on large amounts: the hour of the day is a periodic spline (23:00 is next to 00:00), the amount a
            spline of its logarithm (a linear term in the hour cannot rise at both ends of the day)."""

            from __future__ import annotations

            from typing import Any

            import numpy as np
            import pandas as pd
            from sklearn.compose import ColumnTransformer
            from sklearn.linear_model import LogisticRegression
            from sklearn.pipeline import Pipeline, make_pipeline
            from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, SplineTransformer, TargetEncoder


            def train(X: pd.DataFrame, y: pd.Series, params: dict[str, Any]) -> Pipeline:
                columns = ColumnTransformer(
                    [
                        ("merchant", TargetEncoder(random_state=int(params["seed"])), ["merchant"]),
                        ("country", OneHotEncoder(handle_unknown="ignore"), ["country"]),
                        ("hour", SplineTransformer(n_knots=7, extrapolation="periodic"), ["hour"]),
                        ("amount", make_pipeline(FunctionTransformer(np.log1p), SplineTransformer(n_knots=5)), ["amount"]),
                    ]
                )
                classifier = LogisticRegression(C=float(params["C"]), max_iter=1000)
                return Pipeline([("columns", columns), ("classifier", classifier)]).fit(X, y)
            '''
        ),
    }


def _merchant_spec() -> str:
    return _spec(
        "merchant-risk",
        """
        train: data/train.csv
        test: data/test.csv
        label: chargeback
        categorical: [merchant, country]
        """,
        "entrypoint: src/train.py:train\nparams: {C: 1.0}",
        "  task: binary\n",
        """
        - {metric: roc_auc, min: 0.65}
        - {metric: roc_auc, min_delta: 0.0, allow_missing_champion: true}
        """,
    )


# --- 11. iris: multiclass string labels, an ID column, a small table --------------------------------------------


def _iris_files() -> dict[str, str]:
    from sklearn.datasets import load_iris

    bunch = load_iris(as_frame=True)
    frame = bunch.frame.rename(columns=lambda c: c.replace(" (cm)", "_cm").replace(" ", "_"))
    frame["species"] = np.asarray(bunch.target_names)[frame.pop("target").to_numpy()]
    rng = np.random.default_rng(SEED + 11)
    frame.insert(0, "flower_id", [f"F-{i:05d}" for i in rng.choice(99999, len(frame), replace=False)])
    return {
        "data/flowers.csv": _csv(frame),
        "src/train.py": _code(
            '''
            """Iris species from the four measurements."""

            from __future__ import annotations

            from typing import Any

            import pandas as pd
            from sklearn.neighbors import KNeighborsClassifier
            from sklearn.pipeline import Pipeline, make_pipeline
            from sklearn.preprocessing import StandardScaler


            def train(X: pd.DataFrame, y: pd.Series, params: dict[str, Any]) -> Pipeline:
                return make_pipeline(StandardScaler(), KNeighborsClassifier(n_neighbors=int(params["n_neighbors"]))).fit(X, y)
            '''
        ),
    }


def _iris_spec() -> str:
    return _spec(
        "iris-ids",
        """
        source: data/flowers.csv
        split: {method: random, test_size: 0.3, seed: 11}
        label: species
        index: flower_id
        """,
        "entrypoint: src/train.py:train\nparams: {n_neighbors: 7}",
        "  task: multiclass\n",
        """
        - {metric: accuracy, min: 0.85}
        - {metric: accuracy, min_delta: 0.0, allow_missing_champion: true}
        """,
    )


# --- 12. support tickets: text with gaps, the `command:` form with a package under src/ -------------------------


def _tickets_files() -> dict[str, str]:
    rng = np.random.default_rng(SEED + 12)
    words = {
        "urgent": ["outage", "down", "cannot login", "payment failed", "data loss", "security"],
        "normal": ["invoice", "slow page", "export", "password reset", "billing question", "sync"],
        "low": ["feature request", "typo", "dark mode", "feedback", "question", "documentation"],
    }
    rows = []
    for _ in range(1400):
        priority = rng.choice(["urgent", "normal", "low"], p=[0.2, 0.5, 0.3])
        own = words[priority]
        other = words[rng.choice([k for k in words if k != priority])]
        subject = " ".join(rng.choice(own if rng.random() < 0.8 else other, 2))
        channel = (
            rng.choice(["email", "chat", "phone"], p=[0.5, 0.3, 0.2])
            if priority != "urgent"
            else rng.choice(["email", "chat", "phone"], p=[0.2, 0.3, 0.5])
        )
        rows.append(
            {
                "subject": subject if rng.random() > 0.1 else None,  # empty subjects happen
                "channel": channel if rng.random() > 0.07 else None,
                "account_age_days": int(rng.integers(1, 2000)),
                "priority": priority,
            }
        )
    frame = pd.DataFrame(rows)
    train, test = _split(frame, 0.25, 12, stratify="priority")
    return {
        "data/train.csv": train,
        "data/test.csv": test,
        "src/ticketing/__init__.py": '"""Support ticket triage: the model code."""\n',
        "src/ticketing/text.py": _code(
            '''
            """The ticket model: words of the subject, the channel, the account's age."""

            from __future__ import annotations

            import numpy as np
            import pandas as pd
            from sklearn.compose import ColumnTransformer
            from sklearn.feature_extraction.text import TfidfVectorizer
            from sklearn.impute import SimpleImputer
            from sklearn.linear_model import LogisticRegression
            from sklearn.pipeline import Pipeline, make_pipeline
            from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, StandardScaler


            def subject_text(column: pd.DataFrame) -> np.ndarray:
                """The subject as text, "" where it is missing."""
                return column.iloc[:, 0].fillna("").astype(str).to_numpy()


            def build(C: float) -> Pipeline:
                columns = ColumnTransformer(
                    [
                        ("subject", make_pipeline(FunctionTransformer(subject_text), TfidfVectorizer()), ["subject"]),
                        (
                            "channel",
                            make_pipeline(
                                SimpleImputer(strategy="constant", fill_value="none"), OneHotEncoder(handle_unknown="ignore")
                            ),
                            ["channel"],
                        ),
                        ("age", StandardScaler(), ["account_age_days"]),
                    ]
                )
                return Pipeline([("columns", columns), ("classifier", LogisticRegression(C=C, max_iter=2000))])
            '''
        ),
        "src/train.py": _code(
            '''
            """Trained by `train.command`; the model's code is the ticketing package beside this script."""

            from __future__ import annotations

            import json
            import os
            import pickle

            import pandas as pd
            from ticketing.text import build


            def main() -> None:
                table = pd.read_csv(os.environ["MLSPEC_TRAIN"])
                params = json.loads(open(os.environ["MLSPEC_PARAMS"]).read())
                model = build(float(params["C"])).fit(table.drop(columns=["priority"]), table["priority"])
                with open(os.environ["MLSPEC_MODEL_OUT"], "wb") as out:
                    pickle.dump(model, out)


            if __name__ == "__main__":
                main()
            '''
        ),
    }


def _tickets_spec() -> str:
    return _spec(
        "support-tickets",
        """
        train: data/train.csv
        test: data/test.csv
        label: priority
        categorical: [channel]
        """,
        "command: python src/train.py\nparams: {C: 2.0}",
        "  task: multiclass\n",
        """
        - {metric: f1_macro, min: 0.6}
        - {metric: f1_macro, min_delta: 0.0, allow_missing_champion: true}
        """,
    )


PROJECTS: dict[str, Project] = {
    p.name: p
    for p in [
        Project(
            "churn-yes-no",
            "binary string labels `yes`/`no`; a text column (`region`) with gaps in train and test; scikit-learn "
            "Pipeline with a ColumnTransformer",
            _churn_yes_no_files,
            _churn_yes_no_spec,
            positive="yes",
            spec_changes='`categorical: [plan, region]`; `evaluate.positive_class: "yes"` (required for labels '
            "other than 0/1 or booleans)",
        ),
        Project(
            "churn-stayed",
            "binary string labels `churned`/`stayed` (the positive class is not the alphabetically last); a group "
            "split by customer; a helper module imported from the entrypoint (`from features import TenureBuckets`)",
            _churn_stayed_files,
            _churn_stayed_spec,
            positive="churned",
            spec_changes="`data.source` + `split: {method: group, column: customer_id}`; "
            "`evaluate.positive_class: churned`",
        ),
        Project(
            "breast-cancer-ids",
            "binary 0/1 (`load_breast_cancer`); an ID column (`data.index: patient_id`); the `command:` form",
            _breast_cancer_files,
            _breast_cancer_spec,
            positive=1,
            spec_changes="`data.index`; `train.command`; the two configured checks `mlspec init` writes for this dataset",
        ),
        Project(
            "fraud-imbalanced",
            "boolean labels (`True`/`False`); a 1:50 imbalanced label; HistGradientBoostingClassifier",
            _fraud_files,
            _fraud_spec,
            positive=True,
            spec_changes="`evaluate.metrics` and gates on `average_precision` (accuracy and ROC AUC flatter a 1:50 "
            "label)",
        ),
        Project(
            "wine-lots",
            "multiclass string labels (`load_wine` cultivars); a text column with gaps; a package under `src/` "
            "(`from winelab.model import build`); a random split of one table; small test set (54 rows)",
            _wine_files,
            _wine_spec,
            spec_changes="`data.source` + `split`; `categorical: [region]`",
        ),
        Project(
            "digits",
            "multiclass integer labels (`load_digits`); the two-argument `train(df, params)` form; 61 features",
            _digits_files,
            _digits_spec,
            spec_changes="none (gates on accuracy instead of roc_auc, the task's metric)",
        ),
        Project(
            "diabetes-outliers",
            "regression with outliers (`load_diabetes`, 12 labels recorded 4x too high); a Huber loss",
            _diabetes_files,
            _diabetes_spec,
            spec_changes="`categorical: [sex]`; regression metrics and gates (`median_ae` ceiling, robust to the "
            "outliers)",
        ),
        Project(
            "houses-missing",
            "regression with numeric missing values (15% of `lot_size`, 10% of `garage_spaces`); "
            "HistGradientBoostingRegressor",
            _houses_files,
            _houses_spec,
            spec_changes="regression gates (`r2` floor, `rmse` not worse)",
        ),
        Project(
            "daily-demand",
            "a datetime column (`data.datetime: sold_at`) with a time split; regression; ColumnTransformer",
            _demand_files,
            _demand_spec,
            spec_changes="`data.source`, `data.datetime`, `split: {method: time}`; `categorical: [store]`",
        ),
        Project(
            "merchant-risk",
            "binary 0/1; a high-cardinality categorical (`merchant`, 700 values) target-encoded in a ColumnTransformer",
            _merchant_files,
            _merchant_spec,
            positive=1,
            spec_changes="`categorical: [merchant, country]`",
        ),
        Project(
            "iris-ids",
            "multiclass string labels (`load_iris`); a string ID column (`data.index: flower_id`); 150 rows",
            _iris_files,
            _iris_spec,
            spec_changes="`data.source` + `split`; `data.index`",
        ),
        Project(
            "support-tickets",
            "multiclass string labels; free text (`subject`) and a categorical (`channel`) with gaps in train and "
            "test; the `command:` form importing a package under `src/` (`from ticketing.text import build`)",
            _tickets_files,
            _tickets_spec,
            spec_changes="`train.command`; `categorical: [channel]`; gate on `f1_macro`",
        ),
    ]
}


def write_project(name: str, destination: Path) -> Path:
    """The project's files (spec, code, data, .gitignore) in ``destination`` (created); returns it."""
    project = PROJECTS[name]
    destination.mkdir(parents=True, exist_ok=True)
    files = {
        **project.files(),
        "mlproject.yaml": project.spec(),
        ".gitignore": ".mlspec/\n__pycache__/\n",
        "deploy/.gitkeep": "",
    }
    for relative, text in files.items():
        path = destination / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return destination


if __name__ == "__main__":  # pragma: no cover - a convenience for looking at the corpus
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "corpus-projects")
    for each in PROJECTS:
        print(write_project(each, target / each))
