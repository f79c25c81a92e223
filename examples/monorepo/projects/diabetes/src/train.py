"""Diabetes progression regressor: gradient boosting, called by mlspec as train(X, y, params)."""

from __future__ import annotations

from typing import Any

import pandas as pd
from sklearn.ensemble import GradientBoostingRegressor


def train(X: pd.DataFrame, y: pd.Series, params: dict[str, Any]) -> GradientBoostingRegressor:
    model = GradientBoostingRegressor(
        n_estimators=int(params.get("n_estimators", 100)),
        max_depth=int(params.get("max_depth", 3)),
        learning_rate=float(params.get("learning_rate", 0.1)),
        random_state=int(params.get("seed", 0)),
    )
    return model.fit(X, y)
