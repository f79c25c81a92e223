"""Loading the spec's tables: CSV/Parquet, train/test or one source with a seeded split, column roles,
and wrapping as deepchecks Datasets. Every failure names the spec key and the file."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mlspec.errors import DataError
from mlspec.fsio import display_path


@dataclass
class DataFileRef:
    role: str  # "train", "test" or "source"
    key: str  # spec key, e.g. "data.train"
    relative: str  # as written in the spec
    path: Path


@dataclass
class Tables:
    """Train and test tables with the roles of their columns."""

    train: Any  # pandas.DataFrame
    test: Any
    label: str
    features: list[str]
    categorical: list[str]
    datetime: str | None
    index: str | None
    files: list[DataFileRef]
    rows: dict[str, int] = field(default_factory=dict)  # role -> rows of the file as read

    @property
    def X_train(self) -> Any:
        return self.train[self.features]

    @property
    def y_train(self) -> Any:
        return self.train[self.label]

    @property
    def X_test(self) -> Any:
        return self.test[self.features]

    @property
    def y_test(self) -> Any:
        return self.test[self.label]


def data_files(loaded: Any) -> list[DataFileRef]:
    """The files the spec names, in role order (no reading)."""
    data = loaded.spec.data
    refs = []
    for role in ("train", "test", "source"):
        relative = getattr(data, role)
        if relative:
            refs.append(DataFileRef(role, f"data.{role}", relative, loaded.resolve(relative, key=f"data.{role}")))
    return refs


def file_format(path: Path, declared: str) -> str:
    if declared != "auto":
        return declared
    suffixes = [s.lower() for s in path.suffixes]
    if ".parquet" in suffixes or ".pq" in suffixes:
        return "parquet"
    return "csv"


def read_table(ref: DataFileRef, declared_format: str = "auto") -> Any:
    """Read one table; DataError naming the spec key and file when it cannot be used."""
    import pandas as pd

    shown = display_path(ref.path)
    if not ref.path.exists():
        raise DataError(
            f"{ref.key}: file {shown} does not exist",
            hint=f"create it, or fix `{ref.key}` in the spec (paths are relative to the spec's folder)",
        )
    if ref.path.is_dir():
        raise DataError(f"{ref.key}: {shown} is a folder; give a CSV or Parquet file")
    fmt = file_format(ref.path, declared_format)
    try:
        if fmt == "parquet":
            frame = pd.read_parquet(ref.path)
        else:
            frame = pd.read_csv(ref.path, low_memory=False)
    except pd.errors.EmptyDataError:
        raise DataError(f"{ref.key}: {shown} is empty (no header, no rows)") from None
    except Exception as exc:  # noqa: BLE001 - any reader failure is a user-facing data problem
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        other = "CSV" if fmt == "parquet" else "Parquet"
        raise DataError(
            f"{ref.key}: cannot read {shown} as {fmt.upper()}: {reason}",
            hint=f"check the file is valid {fmt.upper()} (or set data.format if it is {other})",
        ) from None
    if len(frame) == 0:
        raise DataError(f"{ref.key}: {shown} has a header but no rows", hint="the table needs data rows")
    if fmt == "csv":
        _check_unique_header(ref)
    return frame


def _check_unique_header(ref: DataFileRef) -> None:
    """pandas silently renames a repeated CSV column `x` to `x.1`: refuse the file instead."""
    import pandas as pd

    header = [str(c) for c in pd.read_csv(ref.path, header=None, nrows=1, dtype=str).iloc[0].tolist()]
    repeated = sorted({c for c in header if header.count(c) > 1})
    if repeated:
        names = ", ".join(repr(c)[:60] for c in repeated[:5]) + (f" and {len(repeated) - 5} more" if len(repeated) > 5 else "")
        raise DataError(
            f"{ref.key}: {display_path(ref.path)} has more than one column named {names}",
            hint="give every column of the header a different name",
        )


def check_task_labels(loaded: Any, train: Any, ref: DataFileRef) -> None:
    """A binary task needs exactly 2 label classes in the training rows, a multiclass task at least 2."""
    task = loaded.spec.evaluate.task
    if task == "regression":
        return
    label = loaded.spec.data.label
    classes = sorted(map(str, train[label].dropna().unique()))
    wanted_ok = len(classes) == 2 if task == "binary" else len(classes) >= 2
    if wanted_ok:
        return
    listed = ", ".join(c[:40] for c in classes[:5]) + (", ..." if len(classes) > 5 else "")
    need = "exactly 2" if task == "binary" else "at least 2"
    other = "multiclass" if task == "binary" and len(classes) > 2 else "regression" if len(classes) > 20 else None
    raise DataError(
        f"data.label: evaluate.task is {task}, which needs {need} classes of {label!r} in the training rows, "
        f"but {display_path(ref.path)} ({ref.key}) has {len(classes)}: {listed}",
        hint=(f"set evaluate.task to {other}, or fix the labels" if other else "fix the labels of the training data"),
    )


def _missing_column(key: str, column: str, frame: Any, ref: DataFileRef) -> DataError:
    available = [str(c) for c in frame.columns]
    close = difflib.get_close_matches(column, available, n=1)
    suggestion = f"; did you mean {close[0]!r}?" if close else ""
    listed = ", ".join(available[:30]) + (f", ... ({len(available)} in all)" if len(available) > 30 else "")
    return DataError(
        f"{key}: column {column!r} is not in {display_path(ref.path)} ({ref.key}){suggestion}\n"
        f"  available columns: {listed}"
    )


def _check_columns(loaded: Any, frame: Any, ref: DataFileRef, *, need_label: bool = True) -> None:
    data = loaded.spec.data
    columns = set(map(str, frame.columns))
    wanted: list[tuple[str, str]] = []
    if need_label:
        wanted.append(("data.label", data.label))
    wanted += [(f"data.categorical[{i}]", c) for i, c in enumerate(data.categorical)]
    wanted += [(f"data.features[{i}]", c) for i, c in enumerate(data.features or [])]
    if data.datetime:
        wanted.append(("data.datetime", data.datetime))
    if data.index:
        wanted.append(("data.index", data.index))
    for key, column in wanted:
        if column not in columns:
            raise _missing_column(key, column, frame, ref)


def feature_columns(loaded: Any, frame: Any) -> list[str]:
    data = loaded.spec.data
    if data.features:
        return list(data.features)
    skip = {data.label, data.index, data.datetime}
    return [str(c) for c in frame.columns if str(c) not in skip]


def load_tables(loaded: Any) -> Tables:
    """Both tables, split when the spec gives one source; columns checked against the spec."""
    spec = loaded.spec
    data = spec.data
    refs = data_files(loaded)
    frames: dict[str, Any] = {}
    for ref in refs:
        frame = read_table(ref, data.format)
        frame.columns = [str(c) for c in frame.columns]
        _check_columns(loaded, frame, ref)
        frames[ref.role] = frame
    rows = {role: len(frame) for role, frame in frames.items()}
    if "test" in frames:
        train, test = frames["train"], frames["test"]
        missing = [c for c in train.columns if c not in test.columns]
        if missing:
            ref = next(r for r in refs if r.role == "test")
            raise _missing_column("data.test", missing[0], test, ref)
    else:
        role = "train" if "train" in frames else "source"
        train, test = split_table(loaded, frames[role], next(r for r in refs if r.role == role))
    check_labels(refs, train, test, data.label)
    check_task_labels(loaded, train, refs[0])
    features = feature_columns(loaded, train)
    if not features:
        raise DataError(f"data: {display_path(refs[0].path)} has no feature columns besides the label {data.label!r}")
    return Tables(
        train=train,
        test=test,
        label=data.label,
        features=features,
        categorical=list(data.categorical),
        datetime=data.datetime,
        index=data.index,
        files=refs,
        rows=rows,
    )


def split_table(loaded: Any, frame: Any, ref: DataFileRef) -> tuple[Any, Any]:
    from sklearn.model_selection import train_test_split

    spec = loaded.spec
    split = spec.data.split
    stratify = None
    if split.stratify and spec.evaluate.task != "regression":
        counts = frame[spec.data.label].value_counts()
        if counts.min() >= 2:
            stratify = frame[spec.data.label]
    try:
        train, test = train_test_split(frame, test_size=split.test_size, random_state=split.seed, stratify=stratify)
    except ValueError as exc:
        raise DataError(f"data.split: cannot split {display_path(ref.path)} ({len(frame)} rows): {exc}") from None
    return train.sort_index(), test.sort_index()


def to_datasets(tables: Tables, n_samples: int | None = None, seed: int = 0) -> tuple[Any, Any]:
    """deepchecks Datasets of the train and test tables with the spec's column roles; a table longer
    than ``n_samples`` is sampled (seeded) first, so the tests' time and memory stay bounded."""
    from deepchecks.tabular import Dataset

    def wrap(frame: Any) -> Any:
        if n_samples is not None and len(frame) > n_samples:
            frame = frame.sample(n_samples, random_state=seed).sort_index()
        columns = [*tables.features, tables.label]
        columns += [c for c in (tables.index, tables.datetime) if c and c not in columns]
        return Dataset(
            frame[columns],
            label=tables.label,
            features=tables.features,
            cat_features=[c for c in tables.categorical if c in tables.features],
            index_name=tables.index,
            datetime_name=tables.datetime,
        )

    return wrap(tables.train), wrap(tables.test)


def column_dtypes(frame: Any, columns: list[str]) -> dict[str, str]:
    """Feature -> "int" | "float" | "str" | "bool" (the model contract's dtypes)."""
    import pandas.api.types as t

    result = {}
    for column in columns:
        series = frame[column]
        if t.is_bool_dtype(series):
            result[column] = "bool"
        elif t.is_integer_dtype(series):
            result[column] = "int"
        elif t.is_float_dtype(series):
            result[column] = "float"
        else:
            result[column] = "str"
    return result


SHOWN_ROWS = 5


def _bad_label_rows(series: Any) -> list[int]:
    """0-based positions in the file of rows whose label is missing or not a finite number."""
    import numpy as np
    import pandas.api.types as t

    bad = series.isna()
    if t.is_numeric_dtype(series) and not t.is_bool_dtype(series):
        bad = bad | ~np.isfinite(series.astype("float64"))
    return sorted(int(i) for i in series.index[bad.to_numpy()])


def label_problems(refs: list[DataFileRef], train: Any, test: Any, label: str) -> list[str]:
    """One line per data file whose label column has missing or non-finite values: the row count and the
    first rows (numbered from 1, the first data row after the header), so the user can find them."""
    roles = {ref.role: ref for ref in refs}
    if "test" in roles:
        parts = [(roles["train"], [train]), (roles["test"], [test])]
    else:
        parts = [(roles.get("source") or roles["train"], [train, test])]
    lines = []
    for ref, frames in parts:
        rows = sorted(r for frame in frames for r in _bad_label_rows(frame[label]))
        if rows:
            shown = ", ".join(str(r + 1) for r in rows[:SHOWN_ROWS])
            more = f" (first {SHOWN_ROWS} shown)" if len(rows) > SHOWN_ROWS else ""
            lines.append(
                f"{ref.key} {ref.relative}: {len(rows):,} row{'s' if len(rows) != 1 else ''} with a missing or "
                f"non-finite label {label!r}: row{'s' if len(rows) != 1 else ''} {shown}{more}"
            )
    return lines


def check_labels(refs: list[DataFileRef], train: Any, test: Any, label: str) -> None:
    """Raise DataError when a label is missing or not finite: the data tests fail with the rows, before
    deepchecks, and training never sees them (it would fail inside the user's code)."""
    lines = label_problems(refs, train, test, label)
    if lines:
        raise DataError(
            "data: every row needs a label\n" + "\n".join("  - " + line for line in lines),
            hint="fill in or drop those rows (rows are numbered from 1, the first row after the header)",
        )
