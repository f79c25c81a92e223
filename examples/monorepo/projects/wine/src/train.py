"""Wine cultivar classifier: a scaled logistic regression, called by mlspec as train(X, y, params)."""

from __future__ import annotations

from typing import Any

import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler


def train(X: pd.DataFrame, y: pd.Series, params: dict[str, Any]) -> Pipeline:
    model = make_pipeline(StandardScaler(), LogisticRegression(C=float(params.get("C", 1.0)), max_iter=1000))
    return model.fit(X, y)
