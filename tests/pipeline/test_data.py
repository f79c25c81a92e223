"""Time and group splits of one source table (issue 14 item 1), on generated messy data: string
categoricals, missing values, datetimes written as text, repeated customer ids."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mlspec.errors import DataError
from mlspec.pipeline.data import load_tables
from mlspec.spec.validate import load_spec
from tests.helpers import run_mlspec

TRAIN_PY = """
from sklearn.ensemble import HistGradientBoostingRegressor
from sklearn.compose import make_column_transformer
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OrdinalEncoder


def train(X, y, params):
    cats = [c for c in X.columns if X[c].dtype == object]
    encode = make_column_transformer(
        (OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=-1, encoded_missing_value=-1), cats),
        remainder="passthrough")
    return make_pipeline(encode, HistGradientBoostingRegressor(random_state=0)).fit(X, y)
"""


def messy_sales(n: int = 3000, seed: int = 0) -> pd.DataFrame:
    """Sales rows over two years: several rows per customer and per day, ~10% missing values, a text
    datetime column in mixed formats, string categoricals."""
    rng = np.random.default_rng(seed)
    days = pd.Timestamp("2023-01-01") + pd.to_timedelta(rng.integers(0, 730, n), unit="D")
    hours = pd.to_timedelta(rng.integers(0, 24, n), unit="h")
    when = days + hours
    text = [t.strftime("%Y-%m-%d %H:%M:%S") if i % 3 else t.strftime("%Y-%m-%dT%H:%M") for i, t in enumerate(when)]
    customer = rng.integers(0, 400, n)
    region = rng.choice(["north", "south", "east", "west"], n).astype(object)
    region[rng.random(n) < 0.1] = None
    size = rng.normal(50, 10, n)
    price = 30 + 2.0 * size + rng.normal(0, 5, n) + (customer % 7)
    size[rng.random(n) < 0.15] = np.nan
    return pd.DataFrame(
        {
            "sold_at": text,
            "customer_id": [f"C{c:04d}" for c in customer],
            "region": region,
            "size": size.round(2),
            "discount": rng.choice([0.0, 0.1, 0.2, np.nan], n),
            "price": price.round(2),
        }
    )


def project(tmp_path: Path, split: str, *, datetime: str | None = "sold_at", frame: pd.DataFrame | None = None) -> Path:
    (tmp_path / "data").mkdir()
    (tmp_path / "src").mkdir()
    (frame if frame is not None else messy_sales()).to_csv(tmp_path / "data" / "sales.csv", index=False)
    (tmp_path / "src" / "train.py").write_text(TRAIN_PY)
    dt = f"  datetime: {datetime}\n" if datetime else ""
    (tmp_path / "mlproject.yaml").write_text(
        "apiVersion: mlspec/v1\nname: sales\ndata:\n  source: data/sales.csv\n  label: price\n"
        f"  categorical: [region]\n{dt}  split: {split}\n"
        "train:\n  entrypoint: src/train.py:train\nevaluate:\n  task: regression\n"
    )
    return tmp_path / "mlproject.yaml"


def test_time_split_by_fraction_keeps_equal_times_together_and_is_recorded(tmp_path: Path) -> None:
    spec = project(tmp_path, "{method: time, test_size: 0.25}")
    tables = load_tables(load_spec(spec))
    train_t = pd.to_datetime(tables.train["sold_at"], format="mixed")
    test_t = pd.to_datetime(tables.test["sold_at"], format="mixed")
    assert train_t.max() < test_t.min()
    assert abs(len(tables.test) / 3000 - 0.25) < 0.01
    assert tables.split["method"] == "time" and tables.split["column"] == "sold_at"
    assert tables.split["rows"] == {"train": len(tables.train), "test": len(tables.test)}
    assert tables.split["train_until"] == str(train_t.max()) and tables.split["test_from"] == str(test_t.min())
    assert "sold_at" not in tables.features and "customer_id" in tables.features


def test_time_split_at_a_cutoff(tmp_path: Path) -> None:
    spec = project(tmp_path, "{method: time, cutoff: '2024-07-01'}")
    tables = load_tables(load_spec(spec))
    assert pd.to_datetime(tables.train["sold_at"], format="mixed").max() < pd.Timestamp("2024-07-01")
    assert pd.to_datetime(tables.test["sold_at"], format="mixed").min() >= pd.Timestamp("2024-07-01")
    assert tables.split["cutoff"] == "2024-07-01"


def test_time_split_names_rows_without_a_time(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    frame = messy_sales()
    frame.loc[[4, 9], "sold_at"] = None
    frame.loc[17, "sold_at"] = "not a date"
    spec = project(tmp_path, "{method: time}", frame=frame)
    with pytest.raises(DataError) as info:
        load_tables(load_spec(spec))
    assert info.value.message == (
        "data.datetime: the time split orders rows by 'sold_at', but 3 rows of "
        "data/sales.csv (data.source) have no time there: rows 5, 10, 18"
    )


def test_group_split_never_shares_a_customer_and_is_reproducible(tmp_path: Path) -> None:
    frame = messy_sales()
    frame.loc[frame.sample(frac=0.05, random_state=1).index, "customer_id"] = None  # rows without a group
    spec = project(
        tmp_path, "{method: group, column: customer_id, test_size: 0.3, seed: 7}", datetime=None, frame=frame
    )
    first = load_tables(load_spec(spec))
    second = load_tables(load_spec(spec))
    train_ids = set(first.train["customer_id"].dropna())
    test_ids = set(first.test["customer_id"].dropna())
    assert train_ids and test_ids and not train_ids & test_ids
    assert first.split["test_rows"] == second.split["test_rows"]
    assert first.split["groups"]["test"] > 0 and first.split["missing_group_rows"] == int(
        frame["customer_id"].isna().sum()
    )
    assert "customer_id" not in first.features
    other = (
        project(
            tmp_path / "other",
            "{method: group, column: customer_id, test_size: 0.3, seed: 8}",
            datetime=None,
            frame=frame,
        )
        if (tmp_path / "other").mkdir() is None
        else None
    )
    assert load_tables(load_spec(other)).split["test_rows"] != first.split["test_rows"]


@pytest.mark.slow  # runs deepchecks' default data suites: `make test-fast` skips it
def test_time_split_passes_the_default_data_tests_and_lands_in_the_record(tmp_path: Path) -> None:
    """A datetime dataset split by time passes DateTrainTestLeakageOverlap/Duplicates with their default
    thresholds; the run record and the report say how the data was split."""
    spec = project(tmp_path, "{method: time, test_size: 0.2}")
    result = run_mlspec("test", "data", str(spec), cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    runs = tmp_path / ".mlspec" / "runs"
    record = json.loads(next(runs.glob("*/record.json")).read_text())
    checks = {c["name"]: c for c in record["tests"]["data"]["checks"]}
    for name in ("DateTrainTestLeakageOverlap", "DateTrainTestLeakageDuplicates"):
        assert [c["category"] for c in checks[name]["conditions"]] == ["PASS"], checks[name]
    assert record["split"]["method"] == "time" and record["split"]["rows"]["test"] == 600


def test_group_split_warns_when_its_share_of_rows_is_far_from_test_size(tmp_path: Path) -> None:
    """test_size is a share of groups: one huge customer among small ones moves the share of rows far from it."""
    frame = messy_sales(n=2000)
    frame.loc[:1499, "customer_id"] = "C-BIG"  # 75% of the rows in one group; the rest in ~400 small ones
    spec = project(
        tmp_path, "{method: group, column: customer_id, test_size: 0.2, seed: 1}", datetime=None, frame=frame
    )
    tables = load_tables(load_spec(spec))
    share = len(tables.test) / len(frame)
    assert not 0.1 <= share <= 0.3, share  # the big group landed on one side: far from 0.2
    warning = tables.split["warning"]
    assert warning.startswith(
        f"data.split: the group split holds out {share:.1%} of the rows ({len(tables.test):,} of 2,000)"
    )
    assert "test_size 0.2, which is the share of groups" in warning

    even = messy_sales(n=2000)  # ~400 customers of similar size: the share of rows follows test_size
    spec = (
        project(
            tmp_path / "even",
            "{method: group, column: customer_id, test_size: 0.2, seed: 1}",
            datetime=None,
            frame=even,
        )
        if (tmp_path / "even").mkdir() is None
        else None
    )
    assert "warning" not in load_tables(load_spec(spec)).split


def test_group_share_limits() -> None:
    from mlspec.pipeline.data import group_share_warning

    groups = {"train": 8, "test": 2}
    assert group_share_warning(100, 1000, 0.2, groups) is None  # 10%: half of test_size, the edge
    assert group_share_warning(300, 1000, 0.2, groups) is None  # 30%: one and a half times
    assert group_share_warning(99, 1000, 0.2, groups) is not None
    assert group_share_warning(301, 1000, 0.2, groups) is not None


@pytest.mark.slow  # trains (and saves the model to BentoML's store)
def test_the_group_share_warning_reaches_the_run_and_its_record(tmp_path: Path) -> None:
    frame = messy_sales(n=2000)
    frame.loc[:1499, "customer_id"] = "C-BIG"
    spec = project(
        tmp_path, "{method: group, column: customer_id, test_size: 0.2, seed: 1}", datetime=None, frame=frame
    )
    result = run_mlspec("train", cwd=spec.parent)
    assert result.returncode == 0, result.stderr
    assert "  warning: data.split: the group split holds out " in result.stderr
    latest = (spec.parent / ".mlspec" / "runs" / "latest").read_text().strip()
    record = json.loads((spec.parent / ".mlspec" / "runs" / latest / "record.json").read_text())
    assert any(w.startswith("data.split: the group split holds out ") for w in record["warnings"])
