"""Data and pipeline faults of issue 13: duplicate CSV headers, label classes of the task, predictions of
the wrong length, a byte flip the stat cache must see, and `status` on a corrupt latest record."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mlspec.cli import main
from mlspec.errors import DataError
from mlspec.pipeline import metrics
from mlspec.pipeline.data import DataFileRef, check_task_labels, read_data_file
from mlspec.pipeline.fingerprint import StatCache
from mlspec.spec import load_spec
from mlspec.state.layout import StateLayout

SPEC = """\
apiVersion: mlspec/v1
name: tiny
data: {train: data/train.csv, label: y}
train: {command: "python src/train.py"}
evaluate: {task: TASK}
"""


def _project(tmp_path: Path, task: str = "binary", labels: str = "0,1,0,1") -> Path:
    (tmp_path / "data").mkdir()
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "train.py").write_text("")
    rows = "".join(f"{i},{label}\n" for i, label in enumerate(labels.split(",")))
    (tmp_path / "data" / "train.csv").write_text("a,y\n" + rows)
    (tmp_path / "mlproject.yaml").write_text(SPEC.replace("TASK", task))
    return tmp_path / "mlproject.yaml"


def test_a_repeated_csv_header_is_a_data_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "t.csv").write_text("x,y,x\n1,2,3\n")
    with pytest.raises(DataError) as caught:
        read_data_file(DataFileRef("train", "data.train", "t.csv", tmp_path / "t.csv"))
    assert str(caught.value) == (
        "data.train: t.csv has more than one column named 'x'\n  hint: give every column of the header a different name"
    )


@pytest.mark.parametrize(
    "task, labels, message",
    [
        (
            "binary",
            "1,1,1,1",
            "evaluate.task is binary, which needs exactly 2 classes of 'y' in the training rows, but "
            "data/train.csv (data.train) has 1: 1",
        ),
        (
            "binary",
            "0,1,2,0",
            "evaluate.task is binary, which needs exactly 2 classes of 'y' in the training rows, but "
            "data/train.csv (data.train) has 3: 0, 1, 2",
        ),
        ("multiclass", "a,a,a,a", "evaluate.task is multiclass, which needs at least 2 classes"),
    ],
)
def test_label_classes_must_fit_the_task(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, task: str, labels: str, message: str
) -> None:
    monkeypatch.chdir(tmp_path)
    loaded = load_spec(_project(tmp_path, task, labels))
    train = pd.read_csv(tmp_path / "data" / "train.csv")
    ref = DataFileRef("train", "data.train", "data/train.csv", tmp_path / "data" / "train.csv")
    with pytest.raises(DataError) as caught:
        check_task_labels(loaded, train, ref)
    assert message in caught.value.message


def test_two_classes_and_regression_pass(tmp_path: Path) -> None:
    loaded = load_spec(_project(tmp_path, "binary", "0,1,0,1"))
    ref = DataFileRef("train", "data.train", "data/train.csv", tmp_path / "data" / "train.csv")
    check_task_labels(loaded, pd.read_csv(tmp_path / "data" / "train.csv"), ref)


class _Short:
    def predict(self, X: pd.DataFrame) -> np.ndarray:
        return np.zeros(len(X) - 1)


def test_predictions_of_the_wrong_length_are_refused() -> None:
    with pytest.raises(metrics.PredictionShapeError) as caught:
        metrics.predict(_Short(), pd.DataFrame({"a": [1, 2, 3]}), "regression", None)
    assert str(caught.value) == (
        "the model's predict returned 2 rows for 3 input rows\n  hint: predict must return "
        "one prediction per row of the table it is given, in the same order"
    )


def test_the_stat_cache_sees_a_byte_flip_that_keeps_size_mtime_and_inode(tmp_path: Path) -> None:
    data = tmp_path / "d.csv"
    data.write_bytes(b"a,b\n1,2\n")
    old = 1_000_000_000
    os.utime(data, ns=(old * 10**9, old * 10**9))
    cache = StatCache(StateLayout(tmp_path).stat_cache)
    first, _ = cache.digest(data)
    inode = data.stat().st_ino
    with open(data, "r+b") as handle:  # same inode, same size
        handle.seek(4)
        handle.write(b"9")
    os.utime(data, ns=(old * 10**9, old * 10**9))  # mtime put back
    assert data.stat().st_ino == inode
    assert cache.digest(data)[0] != first


def test_status_names_a_corrupt_latest_record(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    _project(tmp_path)
    runs = tmp_path / ".mlspec" / "runs"
    (runs / "r1").mkdir(parents=True)
    (runs / "r1" / "record.json").write_text('{"run_id": ')
    (runs / "latest").write_text("r1\n")
    assert main(["status", "mlproject.yaml"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("the latest run cannot be used: run record .mlspec/runs/r1/record.json is corrupt: ")
    assert "no runs yet" not in out


@pytest.mark.parametrize(
    "labels, message, hint",
    [
        (
            "rust,blight,healthy,rust",
            "evaluate.task is regression, which needs numbers in 'y', but data/train.csv (data.train) has 4 training "
            "rows of text there: 'blight', 'healthy', 'rust'",
            "set evaluate.task to multiclass if 'y' holds classes, or fix those values",
        ),
        (
            "1.5,2.5,n/a?,3",
            "evaluate.task is regression, which needs numbers in 'y', but data/train.csv (data.train) has 1 training "
            "row of text there: 'n/a?'",
            "set evaluate.task to multiclass if 'y' holds classes, or fix those values",
        ),
        ("yes,no,yes,no", "has 4 training rows of text there: 'no', 'yes'", "set evaluate.task to binary"),
    ],
)
def test_a_regression_label_of_text_is_a_data_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, labels: str, message: str, hint: str
) -> None:
    # with text labels every regression metric was n/a and `mlspec run` still passed
    monkeypatch.chdir(tmp_path)
    loaded = load_spec(_project(tmp_path, "regression", labels))
    train = pd.read_csv(tmp_path / "data" / "train.csv")
    ref = DataFileRef("train", "data.train", "data/train.csv", tmp_path / "data" / "train.csv")
    with pytest.raises(DataError) as caught:
        check_task_labels(loaded, train, ref)
    assert message in caught.value.message
    assert caught.value.hint is not None and caught.value.hint.startswith(hint)


def test_a_regression_label_of_numbers_with_gaps_passes(tmp_path: Path) -> None:
    loaded = load_spec(_project(tmp_path, "regression", "1.5,,3,4e3"))
    ref = DataFileRef("train", "data.train", "data/train.csv", tmp_path / "data" / "train.csv")
    check_task_labels(loaded, pd.read_csv(tmp_path / "data" / "train.csv"), ref)
    check_task_labels(loaded, pd.DataFrame({"y": ["1.5", "2", None]}), ref)  # numbers read as text
