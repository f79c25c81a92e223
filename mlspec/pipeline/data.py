"""Loading the spec's tables: CSV/Parquet, train/test or one source with a seeded split, column roles,
and wrapping as deepchecks Datasets. Every failure names the spec key and the file."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mlspec.errors import DataError
from mlspec.fsio import display_path
from mlspec.tables import feature_columns, read_file

if TYPE_CHECKING:
    from mlspec.spec import LoadedSpec
    from mlspec.state.record import DataRole


@dataclass
class DataFileRef:
    role: DataRole
    key: str  # spec key, e.g. "data.train"
    relative: str  # as written in the spec
    path: Path  # a URL's local copy (`.mlspec/cache/remote/<key>/<name>`) for a URL
    url: str | None = None  # an fsspec URL (s3://, gs://, https://) as written in the spec
    fingerprint: Any = None  # datasource.Fingerprint known without reading the file (DVC hash, object version)


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
    split: dict[str, Any] | None = None  # how one table was split (method, column, rows...), for the record
    text_features: dict[str, int] = field(
        default_factory=dict
    )  # undeclared text features not categorical: distinct values
    positive_class: Any = None  # binary tasks: the label value that is positive (mlspec.pipeline.labels)

    def text_note(self) -> list[str]:
        """The report's note on text features the checks do not treat as categories (IDs, free text)."""
        if not self.text_features:
            return []
        named = ", ".join(f"{c} ({n:,} distinct values)" for c, n in self.text_features.items())
        return [
            f"text features with too many distinct values to be categories, left out of drift and category checks: "
            f"{named}; list one under data.categorical to test it as a category"
        ]

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


def data_files(loaded: LoadedSpec) -> list[DataFileRef]:
    """The files the spec names, in role order (no reading of tables: a DVC file's hash or a URL's
    version is looked up, see mlspec.datasource)."""
    from mlspec import datasource as sources
    from mlspec.repo_root import repository_root
    from mlspec.state.layout import StateLayout

    data = loaded.spec.data
    refs = []
    roles: tuple[DataRole, ...] = ("train", "test", "source")
    for role in roles:
        relative = getattr(data, role)
        if relative and sources.is_url(relative):
            found = sources.url_fingerprint(relative, f"data.{role}")
            local = sources.cache_path(StateLayout(loaded.root).remote_cache, relative, found)
            refs.append(DataFileRef(role, f"data.{role}", relative, local, url=relative, fingerprint=found))
        elif relative:
            path = loaded.resolve(relative, key=f"data.{role}")
            tracked = sources.dvc_fingerprint(path, repository_root(loaded.root, fallback=True))
            refs.append(DataFileRef(role, f"data.{role}", relative, path, fingerprint=tracked))
    return refs


def read_data_file(ref: DataFileRef, declared_format: str = "auto") -> Any:
    """Read one table (a URL downloaded first); DataError naming the spec key and file when it cannot be used."""
    shown = display_path(ref.path)
    if ref.url:
        from mlspec.datasource import download

        download(ref.url, ref.path, ref.key)
        shown = ref.url
    elif not ref.path.exists() and ref.fingerprint is not None:
        raise DataError(
            f"{ref.key}: file {shown} is tracked by DVC ({ref.fingerprint.origin}) but is not in the workspace",
            hint="fetch it with `mlspec pull` (or `dvc pull`)",
        )
    if not ref.path.exists():
        raise DataError(
            f"{ref.key}: file {shown} does not exist",
            hint=f"create it, or fix `{ref.key}` in the spec (paths are relative to the spec's folder)",
        )
    if ref.path.is_dir():
        raise DataError(f"{ref.key}: {shown} is a folder; give a CSV or Parquet file")
    frame = read_file(ref.path, declared_format, key=ref.key, shown=shown)
    if len(frame) == 0:
        raise DataError(f"{ref.key}: {shown} has a header but no rows", hint="the table needs data rows")
    return frame


def check_task_labels(loaded: LoadedSpec, train: Any, ref: DataFileRef) -> None:
    """A binary task needs exactly 2 label classes in the training rows, a multiclass task at least 2."""
    task = loaded.spec.evaluate.task
    label = loaded.spec.data.label
    if task == "regression":
        _check_numeric_label(label, train[label], ref)
        return
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


def _check_numeric_label(label: str, values: Any, ref: DataFileRef) -> None:
    """A regression's label must be numbers: with text in it every metric is n/a (and a run still passed)."""
    import pandas as pd

    present = values.dropna()
    if pd.api.types.is_numeric_dtype(present) or pd.api.types.is_bool_dtype(present):
        return
    text = present[pd.to_numeric(present, errors="coerce").isna()]
    if text.empty:
        return
    examples = sorted({str(v) for v in text.unique()})
    listed = ", ".join(repr(v[:40]) for v in examples[:5]) + (", ..." if len(examples) > 5 else "")
    classes = present.nunique()
    other = "binary" if classes == 2 else "multiclass"
    raise DataError(
        f"data.label: evaluate.task is regression, which needs numbers in {label!r}, but "
        f"{display_path(ref.path)} ({ref.key}) has {len(text)} training row{'' if len(text) == 1 else 's'} of text there: "
        f"{listed}",
        hint=f"set evaluate.task to {other} if {label!r} holds classes, or fix those values",
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


def _check_columns(loaded: LoadedSpec, frame: Any, ref: DataFileRef, *, need_label: bool = True) -> None:
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


def load_tables(loaded: LoadedSpec) -> Tables:
    """Both tables, split when the spec gives one source; columns checked against the spec."""
    spec = loaded.spec
    data = spec.data
    refs = data_files(loaded)
    frames: dict[str, Any] = {}
    for ref in refs:
        frame = read_data_file(ref, data.format)
        frame.columns = [str(c) for c in frame.columns]
        _check_columns(loaded, frame, ref)
        frames[ref.role] = frame
    rows = {role: len(frame) for role, frame in frames.items()}
    split = None
    if "test" in frames:
        train, test = frames["train"], frames["test"]
        missing = [c for c in train.columns if c not in test.columns]
        if missing:
            ref = next(r for r in refs if r.role == "test")
            raise _missing_column("data.test", missing[0], test, ref)
    else:
        role = "train" if "train" in frames else "source"
        train, test, split = split_with_details(loaded, frames[role], next(r for r in refs if r.role == role))
    check_labels(refs, train, test, data.label)
    check_task_labels(loaded, train, refs[0])
    from mlspec.pipeline.labels import resolve_positive_class

    positive = resolve_positive_class(loaded, train[data.label], f"{display_path(refs[0].path)} ({refs[0].key})")
    features = feature_columns(data, train.columns)
    if not features:
        raise DataError(f"data: {display_path(refs[0].path)} has no feature columns besides the label {data.label!r}")
    categorical, text_features = categorical_features(train, features, list(data.categorical))
    return Tables(
        train=train,
        test=test,
        label=data.label,
        features=features,
        categorical=categorical,
        text_features=text_features,
        datetime=data.datetime,
        index=data.index,
        files=refs,
        rows=rows,
        split=split,
        positive_class=positive,
    )


def split_table(loaded: LoadedSpec, frame: Any, ref: DataFileRef) -> tuple[Any, Any]:
    """Train and test rows of one table by `data.split` (random, time or group); the split used is kept
    in ``frame.attrs``-free form by :func:`split_details` for the run record."""
    train, test, _ = split_with_details(loaded, frame, ref)
    return train, test


def split_with_details(loaded: LoadedSpec, frame: Any, ref: DataFileRef) -> tuple[Any, Any, dict[str, Any]]:
    split = loaded.spec.data.split
    if split.method == "time":
        train, test, details = _time_split(loaded, frame, ref)
    elif split.method == "group":
        train, test, details = _group_split(loaded, frame, ref)
    else:
        train, test, details = _random_split(loaded, frame, ref)
    if len(train) == 0 or len(test) == 0:
        side = "training" if len(train) == 0 else "test"
        raise DataError(
            f"data.split: the {split.method} split of {display_path(ref.path)} ({len(frame):,} rows) leaves no {side} rows",
            hint="change data.split.cutoff or data.split.test_size so both sides get rows",
        )
    details = {
        "method": split.method,
        **details,
        "rows": {"train": len(train), "test": len(test)},
        "test_rows": _rows_digest(test),
    }
    return train.sort_index(), test.sort_index(), details


def _rows_digest(test: Any) -> str:
    """Which rows of the file are held out (their 0-based positions), as a short digest: equal runs hold
    out equal rows."""
    import hashlib

    positions = ",".join(str(int(i)) for i in sorted(test.index))
    return "sha256:" + hashlib.sha256(positions.encode()).hexdigest()[:16]


def _random_split(loaded: LoadedSpec, frame: Any, ref: DataFileRef) -> tuple[Any, Any, dict[str, Any]]:
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
    return train, test, {"test_size": split.test_size, "seed": split.seed, "stratified": stratify is not None}


def _split_column(loaded: LoadedSpec, frame: Any, ref: DataFileRef) -> tuple[str, str]:
    data = loaded.spec.data
    key = "data.split.column" if data.split.column else "data.datetime"
    column = data.split.column or data.datetime
    if column is None:  # unreachable after validation: the spec requires a column for time and group splits
        raise DataError(f"data.split: a {data.split.method} split needs data.split.column or data.datetime")
    if column not in frame.columns:
        raise _missing_column(key, column, frame, ref)
    return key, column


def _times(series: Any) -> Any:
    """The column as datetimes (parsed when stored as text); values that are no time become NaT."""
    import warnings

    import pandas as pd
    import pandas.api.types as t

    if t.is_datetime64_any_dtype(series):
        return series
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return pd.to_datetime(series, errors="coerce", format="mixed")
        except (TypeError, ValueError):
            return pd.to_datetime(series.astype(str), errors="coerce", utc=True, format="mixed")


def _time_split(loaded: LoadedSpec, frame: Any, ref: DataFileRef) -> tuple[Any, Any, dict[str, Any]]:
    import pandas as pd

    from mlspec.spec.models import parse_cutoff

    split = loaded.spec.data.split
    key, column = _split_column(loaded, frame, ref)
    times = _times(frame[column])
    bad = sorted(int(i) for i in frame.index[times.isna().to_numpy()])
    if bad:
        shown = ", ".join(str(r + 1) for r in bad[:SHOWN_ROWS])
        more = f" (first {SHOWN_ROWS} shown)" if len(bad) > SHOWN_ROWS else ""
        raise DataError(
            f"{key}: the time split orders rows by {column!r}, but {len(bad):,} row{'s' if len(bad) != 1 else ''} of "
            f"{display_path(ref.path)} ({ref.key}) ha{'ve' if len(bad) != 1 else 's'} no time there: "
            f"row{'s' if len(bad) != 1 else ''} {shown}{more}",
            hint="fill in or drop those rows (rows are numbered from 1, the first row after the header), "
            "or split by another column",
        )
    if split.cutoff is not None:
        cut = pd.Timestamp(parse_cutoff(split.cutoff))
        tz = getattr(times.dt, "tz", None)
        if tz is not None and cut.tzinfo is None:
            cut = cut.tz_localize(tz)
        elif tz is None and cut.tzinfo is not None:
            cut = cut.tz_convert("UTC").tz_localize(None)
        how: dict[str, Any] = {"cutoff": split.cutoff}
    else:
        ordered = times.sort_values(kind="mergesort")
        n_test = max(1, int(round(len(frame) * split.test_size)))
        cut = ordered.iloc[len(frame) - n_test]  # rows at this time or later test, so equal times stay together
        how = {"test_size": split.test_size}
    in_test = (times >= cut).to_numpy()
    train, test = frame[~in_test], frame[in_test]
    details = {
        "column": column,
        **how,
        "train_until": str(times[~in_test].max()) if (~in_test).any() else None,
        "test_from": str(times[in_test].min()) if in_test.any() else None,
    }
    return train, test, details


def _group_split(loaded: LoadedSpec, frame: Any, ref: DataFileRef) -> tuple[Any, Any, dict[str, Any]]:
    import numpy as np
    from sklearn.model_selection import GroupShuffleSplit

    split = loaded.spec.data.split
    key, column = _split_column(loaded, frame, ref)
    values = frame[column]
    # rows without a group each form a group of their own; everything else is compared as text
    groups = np.where(values.isna().to_numpy(), ["\0row:" + str(i) for i in range(len(frame))], values.astype(str))
    n_groups = len(set(groups))
    if n_groups < 2:
        raise DataError(
            f"{key}: the group split needs at least 2 groups, but {column!r} in {display_path(ref.path)} "
            f"({ref.key}) has {n_groups}",
            hint="split by a column with several groups (e.g. a customer id), or use `method: random`",
        )
    splitter = GroupShuffleSplit(n_splits=1, test_size=split.test_size, random_state=split.seed)
    train_pos, test_pos = next(splitter.split(frame, groups=groups))
    train, test = frame.iloc[train_pos], frame.iloc[test_pos]
    group_counts = {"train": len(set(groups[train_pos])), "test": len(set(groups[test_pos]))}
    details: dict[str, Any] = {
        "column": column,
        "test_size": split.test_size,
        "seed": split.seed,
        "groups": group_counts,
        "missing_group_rows": int(values.isna().sum()),
    }
    warning = group_share_warning(len(test), len(frame), split.test_size, group_counts)
    if warning:
        details["warning"] = warning
    return train, test, details


# a group split's test share of rows is "far" from test_size outside test_size x [LOW, HIGH] (spec reference: Split)
GROUP_SHARE_LOW, GROUP_SHARE_HIGH = 0.5, 1.5


def group_share_warning(test_rows: int, rows: int, test_size: float, groups: dict[str, int]) -> str | None:
    """The run's warning when the group split's test share of rows is far from ``test_size`` (a share of groups)."""
    share = test_rows / rows if rows else 0.0
    if test_size * GROUP_SHARE_LOW <= share <= test_size * GROUP_SHARE_HIGH:
        return None
    return (
        f"data.split: the group split holds out {share:.1%} of the rows ({test_rows:,} of {rows:,}) for "
        f"test_size {test_size:g}, which is the share of groups ({groups['test']} of "
        f"{groups['train'] + groups['test']} groups): the groups differ in size. Metrics on a test set this "
        "size may mislead; try another data.split.seed or test_size, or a column with more, evener groups"
    )


def to_datasets(tables: Tables, n_samples: int | None = None, seed: int = 0) -> tuple[Any, Any]:
    """deepchecks Datasets of the train and test tables with the spec's column roles; a table longer
    than ``n_samples`` is sampled (seeded) first, so the tests' time and memory stay bounded."""
    from mlspec.pipeline.dc_compat import import_deepchecks

    import_deepchecks()  # the first import of deepchecks in a run: without the grammar it does not need
    from deepchecks.tabular import Dataset

    from mlspec.pipeline.labels import deepchecks_names, plain

    classes = [plain(c) for c in tables.train[tables.label].dropna().unique()]
    names = deepchecks_names(classes, getattr(tables, "positive_class", None))

    def wrap(frame: Any) -> Any:
        if n_samples is not None and len(frame) > n_samples:
            frame = frame.sample(n_samples, random_state=seed).sort_index()
        columns = [*tables.features, tables.label]
        columns += [c for c in (tables.index, tables.datetime) if c and c not in columns]
        frame = frame[columns]
        if names:  # deepchecks scores the last of the sorted labels as positive: see labels.deepchecks_names
            frame = frame.assign(**{tables.label: frame[tables.label].map(lambda v: names.get(plain(v), v))})
        if tables.datetime and tables.datetime not in tables.features:
            # text times in mixed formats (2024-01-31 and 2024-01-31T12:00) parse here; deepchecks would fail
            frame = frame.assign(**{tables.datetime: _times(frame[tables.datetime])})
        return Dataset(
            frame,
            label=tables.label,
            features=tables.features,
            cat_features=[c for c in tables.categorical if c in tables.features],
            index_name=tables.index,
            datetime_name=tables.datetime,
        )

    return wrap(tables.train), wrap(tables.test)


# A text feature is a category when it has at most 150 distinct values (deepchecks' own cap for text categories,
# deepchecks.utils.type_inference.is_categorical) and each value repeats on average (distinct <= half the rows
# with a value): IDs and free text are not categories.
MAX_TEXT_CATEGORIES = 150


def categorical_features(frame: Any, features: list[str], declared: list[str]) -> tuple[list[str], dict[str, int]]:
    """The declared categorical features plus every text feature with few enough distinct values to be a
    category; and the text features left out (IDs, free text: name -> distinct values), for the report.

    deepchecks given an explicit `cat_features` list treats every other feature as numeric and silently leaves
    text columns out of drift and new-category checks ("passed for 2 columns out of 2"), so the list must
    name the text categories even when the spec does not."""
    from mlspec.columns import STRING, column_kind

    chosen, left_out = set(declared), {}
    categorical = []
    for column in features:
        if column in chosen:
            categorical.append(column)
        elif column_kind(frame[column]) == STRING:
            values = frame[column].dropna()
            distinct = int(values.nunique())
            if distinct <= MAX_TEXT_CATEGORIES and 2 * distinct <= len(values):
                categorical.append(column)
            else:
                left_out[column] = distinct
    return categorical, left_out


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
