"""Training code of the example: called by mlspec as train(X, y, params)."""

from __future__ import annotations

from typing import Any

import pandas as pd
from sklearn.ensemble import RandomForestClassifier


def train(X: pd.DataFrame, y: pd.Series, params: dict[str, Any]) -> RandomForestClassifier:
    model = RandomForestClassifier(
        n_estimators=int(params.get("n_estimators", 100)),
        max_depth=params.get("max_depth"),
        random_state=int(params.get("seed", 0)),
        n_jobs=1,
    )
    return model.fit(X, y)
