"""Tables, in one place for the pipeline and the monitor: the format of a file, reading one CSV/Parquet file
(the pipeline's data files) or a folder of them (the monitor's current and reference data), the xxh3_128
digest of a file's bytes (the run record's data digests and deploy lineage), and the feature columns a spec
implies for a table."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mlspec.errors import DataError
from mlspec.fsio import display_path

if TYPE_CHECKING:
    from collections.abc import Iterable

    from mlspec.spec.models import Data

TABLE_SUFFIXES = (".csv", ".parquet", ".pq")
DIGEST_PREFIX = "xxh3_128:"
CHUNK = 4 * 1024 * 1024


@dataclass
class Table:
    """A loaded table with where it came from and a content digest of its files."""

    frame: Any  # pandas.DataFrame
    path: Path
    files: list[Path] = field(default_factory=list)
    digest: str = ""

    @property
    def rows(self) -> int:
        return int(len(self.frame))


def hash_file(path: Path, chunk: int = CHUNK) -> str:
    """xxh3_128 of the file's bytes, read in fixed-size chunks into one reused buffer."""
    import xxhash

    hasher = xxhash.xxh3_128()
    buffer = bytearray(chunk)
    view = memoryview(buffer)
    with open(path, "rb", buffering=0) as handle:
        while True:
            n = handle.readinto(buffer)
            if not n:
                break
            hasher.update(view[:n])
    return DIGEST_PREFIX + hasher.hexdigest()


def hash_bytes(data: bytes) -> str:
    import xxhash

    return DIGEST_PREFIX + xxhash.xxh3_128_hexdigest(data)


file_digest = hash_file  # the monitor's name for it: the same digest as the run record's


def files_digest(files: list[Path], root: Path) -> str:
    """One file: its own digest. A folder: digest over (relative name, file digest) pairs in order."""
    if len(files) == 1 and files[0] == root:
        return file_digest(root)
    import xxhash

    hasher = xxhash.xxh3_128()
    for path in files:
        hasher.update(str(path.relative_to(root)).encode("utf-8") + b"\0")
        hasher.update(file_digest(path).encode("ascii") + b"\n")
    return DIGEST_PREFIX + hasher.hexdigest()


def file_format(path: Path, declared: str = "auto") -> str:
    """The declared format, else parquet for a .parquet/.pq suffix (anywhere: `x.parquet.gz`), else CSV
    (pandas infers a compression such as `.csv.gz`); a file that is not CSV then fails to read as CSV."""
    if declared in ("csv", "parquet"):
        return declared
    suffixes = [s.lower() for s in path.suffixes]
    if ".parquet" in suffixes or ".pq" in suffixes:
        return "parquet"
    return "csv"


def read_file(path: Path, fmt: str = "auto", *, key: str = "", shown: str | None = None) -> Any:
    """One CSV/Parquet file as a DataFrame. ``key`` (a spec key such as `data.train`) starts every error
    message; ``shown`` is how the file is named in them (a URL for a downloaded copy). A CSV header that
    repeats a column is refused (pandas would silently rename the second `x` to `x.1`)."""
    import pandas as pd

    shown = shown or display_path(path)
    where = f"{key}: " if key else ""
    if not path.exists():
        raise DataError(f"{where}file {shown} does not exist")
    kind = file_format(path, fmt)
    try:
        frame = pd.read_parquet(path) if kind == "parquet" else pd.read_csv(path, low_memory=False)
    except pd.errors.EmptyDataError:
        raise DataError(f"{where}{shown} is empty (no header, no rows)") from None
    except Exception as exc:  # noqa: BLE001 - any reader failure is a user-facing data problem
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        other = "CSV" if kind == "parquet" else "Parquet"
        raise DataError(
            f"{where}cannot read {shown} as {kind.upper()}: {reason}",
            hint=f"check the file is valid {kind.upper()} (or set data.format if it is {other})",
        ) from None
    if kind == "csv":
        _check_unique_header(path, where, shown)
    return frame


def _check_unique_header(path: Path, where: str, shown: str) -> None:
    import pandas as pd

    header = [str(c) for c in pd.read_csv(path, header=None, nrows=1, dtype=str).iloc[0].tolist()]
    repeated = sorted({c for c in header if header.count(c) > 1})
    if repeated:
        names = ", ".join(repr(c)[:60] for c in repeated[:5]) + (
            f" and {len(repeated) - 5} more" if len(repeated) > 5 else ""
        )
        raise DataError(
            f"{where}{shown} has more than one column named {names}",
            hint="give every column of the header a different name",
        )


def table_files(path: Path) -> list[Path]:
    """The table files at ``path``: the file itself, or every CSV/Parquet file below the folder, sorted."""
    if path.is_file():
        return [path]
    if path.is_dir():
        files = sorted(
            p
            for p in path.rglob("*")
            if p.is_file()
            and p.suffix.lower() in TABLE_SUFFIXES
            and not any(part.startswith(".") for part in p.relative_to(path).parts)
        )
        if not files:
            raise DataError(f"{display_path(path)}: the folder holds no .csv or .parquet files")
        return files
    raise DataError(f"{display_path(path)} not found", hint="give a CSV/Parquet file or a folder of them")


def read_table(path: Path, fmt: str = "auto") -> Table:
    """Read a file, or concatenate every table of a folder (all must have the same columns)."""
    import pandas as pd

    files = table_files(path)
    frames = [read_file(file, fmt) for file in files]
    first = list(frames[0].columns)
    for file, frame in zip(files[1:], frames[1:], strict=True):
        columns = list(frame.columns)
        if set(columns) != set(first):
            missing = [c for c in first if c not in columns]
            extra = [c for c in columns if c not in first]
            parts = []
            if missing:
                parts.append("missing " + ", ".join(repr(c) for c in missing))
            if extra:
                parts.append("extra " + ", ".join(repr(c) for c in extra))
            raise DataError(
                f"{display_path(file)}: its columns differ from {display_path(files[0])} ({'; '.join(parts)})",
                hint="every file of a folder must have the same columns",
            )
    frame = frames[0] if len(frames) == 1 else pd.concat([f[first] for f in frames], ignore_index=True)
    return Table(frame=frame, path=path, files=files, digest=files_digest(files, path))


def feature_columns(data: Data, columns: Iterable[Any]) -> list[str]:
    """data.features when given, else every column except the label, index and datetime columns and the
    column a time or group split is made on (the pipeline trains without it, so the monitor compares without it)."""
    if data.features:
        return list(data.features)
    skip = {data.label, data.index, data.datetime, data.split.column if data.split.method != "random" else None}
    return [str(c) for c in columns if str(c) not in skip]
