"""Text features are categorical in the data tests even when the spec does not list them: deepchecks given an
explicit (empty) `cat_features` list used to leave them out of drift and new-category checks while showing
those checks as passed."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from mlspec.pipeline.data import load_tables, to_datasets
from mlspec.spec.validate import load_spec
from tests.pipeline.test_data import messy_sales, project


def _undeclared(tmp_path: Path) -> Path:
    spec = project(tmp_path, "{method: random, test_size: 0.25}")
    spec.write_text(spec.read_text().replace("  categorical: [region]\n", ""))
    return spec


def test_text_features_are_categorical_without_a_declaration(tmp_path: Path) -> None:
    tables = load_tables(load_spec(_undeclared(tmp_path)))
    assert tables.features == ["customer_id", "region", "size", "discount"]
    assert tables.categorical == ["region"]  # the numeric ones stay numeric
    # an ID (400 customers) is no category: left out, and the report says so
    assert list(tables.text_features) == ["customer_id"] and 300 < tables.text_features["customer_id"] <= 400
    (note,) = tables.text_note()
    assert note.startswith(
        "text features with too many distinct values to be categories, left out of drift and "
        "category checks: customer_id ("
    ) and note.endswith("list one under data.categorical to test it as a category")


def test_declared_categoricals_keep_their_place_beside_the_text_ones(tmp_path: Path) -> None:
    spec = project(tmp_path, "{method: random, test_size: 0.25}")
    spec.write_text(spec.read_text().replace("  categorical: [region]\n", "  categorical: [discount]\n"))
    tables = load_tables(load_spec(spec))
    assert tables.categorical == ["region", "discount"]  # in the table's order
    assert list(tables.text_features) == ["customer_id"]


@pytest.mark.slow  # runs deepchecks' FeatureDrift
def test_drift_of_an_undeclared_text_feature_is_found(tmp_path: Path) -> None:
    from deepchecks.tabular.checks import FeatureDrift

    frame = messy_sales(2000)
    frame = frame.iloc[pd.to_datetime(frame["sold_at"], format="mixed").argsort()].reset_index(drop=True)
    frame.loc[frame.index[1400:], "region"] = "north"  # the latest rows (the time split's test set) all in one region
    spec = project(tmp_path, "{method: time, test_size: 0.25}", frame=frame)
    spec.write_text(spec.read_text().replace("  categorical: [region]\n", ""))
    tables = load_tables(load_spec(spec))
    train, test = to_datasets(tables)
    assert set(train.cat_features) == {"region"}
    result = FeatureDrift().add_condition_drift_score_less_than().run(train, test)
    assert "region" in result.value and result.value["region"]["Drift score"] > 0.2
    assert not all(c.is_pass() for c in result.conditions_results)
