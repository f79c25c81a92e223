"""mlspec/tables.py: the one table reader, file digest and feature-column rule of the pipeline and the monitor.

Where the two former copies disagreed, these tests say which behaviour won."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlspec import tables
from mlspec.errors import DataError
from mlspec.pipeline.data import DataFileRef, read_data_file
from mlspec.pipeline.fingerprint import StatCache
from mlspec.spec.models import Data


def test_a_folder_file_with_a_repeated_column_is_refused_as_the_pipeline_refuses_it(tmp_path: Path) -> None:
    """The pipeline's check won: the monitor used to read `x,x` silently as columns `x` and `x.1`."""
    folder = tmp_path / "current"
    folder.mkdir()
    (folder / "a.csv").write_text("x,y\n1,2\n")
    (folder / "b.csv").write_text("x,x\n1,2\n")
    with pytest.raises(DataError) as caught:
        tables.read_table(folder)
    assert (
        str(caught.value)
        == f"{folder / 'b.csv'} has more than one column named 'x'\n  hint: give every column of the header a different name"
    )


def test_an_unknown_extension_is_read_as_csv_and_a_non_csv_file_says_so(tmp_path: Path) -> None:
    """The pipeline's rule won: the monitor used to refuse any suffix but .csv/.parquet/.pq, so a `.csv.gz`
    or `.txt` current batch could not be given; now it is read as CSV and a file that is not CSV says so."""
    assert tables.file_format(Path("batch.csv.gz")) == "csv"
    assert tables.file_format(Path("batch.parquet.gz")) == "parquet"
    assert tables.file_format(Path("batch.txt"), "parquet") == "parquet"
    text = tmp_path / "batch.txt"
    text.write_text("a,b\n1,2\n3,4\n")
    assert tables.read_table(text).rows == 2
    binary = tmp_path / "batch.bin"
    binary.write_bytes(b"PAR1\x00\x01")
    with pytest.raises(DataError) as caught:
        tables.read_table(binary, "parquet")
    assert str(caught.value).startswith(f"cannot read {binary} as PARQUET: ")
    assert str(caught.value).endswith("\n  hint: check the file is valid PARQUET (or set data.format if it is CSV)")


def test_the_pipeline_reader_keeps_its_spec_key_in_every_message(tmp_path: Path) -> None:
    empty = tmp_path / "t.csv"
    empty.write_text("")
    ref = DataFileRef("train", "data.train", "t.csv", empty)
    with pytest.raises(DataError) as caught:
        read_data_file(ref)
    assert str(caught.value) == f"data.train: {empty} is empty (no header, no rows)"
    empty.write_text("a,b\n")
    with pytest.raises(DataError) as caught:
        read_data_file(ref)
    assert str(caught.value) == f"data.train: {empty} has a header but no rows\n  hint: the table needs data rows"


def test_one_digest_for_the_run_record_and_the_deploy_lineage(tmp_path: Path) -> None:
    """The monitor compares its reference digest with the lineage the pipeline wrote: one function makes both."""
    data = tmp_path / "train.csv"
    data.write_bytes(b"a,b\n" + b"1,2\n" * 100_000)
    digest, size = StatCache(tmp_path / "stat.json").digest(data)
    assert size == data.stat().st_size
    assert tables.file_digest(data) == digest == tables.hash_bytes(data.read_bytes())
    assert tables.read_table(data).digest == digest
    assert digest.startswith("xxh3_128:")


def test_feature_columns_leave_out_label_index_datetime_and_the_split_column() -> None:
    """The pipeline's rule won: the monitor's copy kept a time/group split column the model never saw."""
    columns = ["id", "ts", "store", "x", "y", "label"]
    grouped = Data.model_validate(
        {
            "train": "t.csv",
            "label": "label",
            "index": "id",
            "datetime": "ts",
            "split": {"method": "group", "column": "store"},
        }
    )
    assert tables.feature_columns(grouped, columns) == ["x", "y"]
    random = Data.model_validate({"train": "t.csv", "label": "label", "split": {"method": "random"}})
    assert tables.feature_columns(random, columns) == ["id", "ts", "store", "x", "y"]
    declared = Data.model_validate({"train": "t.csv", "label": "label", "features": ["y", "x"]})
    assert tables.feature_columns(declared, columns) == ["y", "x"]
