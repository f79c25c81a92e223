"""Reading the current and reference tables: one CSV/Parquet file or a folder of them."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mlspec.errors import DataError
from mlspec.fsio import display_path

TABLE_SUFFIXES = (".csv", ".parquet", ".pq")
DIGEST_PREFIX = "xxh3_128:"


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


def file_digest(path: Path) -> str:
    """xxh3_128 of the file's bytes, the same form as the run record's data digests."""
    import xxhash

    hasher = xxhash.xxh3_128()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            hasher.update(chunk)
    return DIGEST_PREFIX + hasher.hexdigest()


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


def _format_of(path: Path, fmt: str) -> str:
    if fmt in ("csv", "parquet"):
        return fmt
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return "csv"
    if suffix in (".parquet", ".pq"):
        return "parquet"
    raise DataError(
        f"{display_path(path)}: cannot tell the format from the extension {suffix or '(none)'!r}",
        hint="use a .csv or .parquet file",
    )


def read_file(path: Path, fmt: str = "auto") -> Any:
    import pandas as pd

    kind = _format_of(path, fmt)
    try:
        if kind == "csv":
            return pd.read_csv(path, low_memory=False)
        return pd.read_parquet(path)
    except FileNotFoundError:
        raise DataError(f"{display_path(path)} not found") from None
    except (ValueError, OSError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise DataError(f"{display_path(path)}: cannot read the table: {exc}") from None


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
