"""The one guard for paths that come from files mlspec reads.

A spec (`data.train`, the entrypoint's file, path globs), a deploy file (`model.artifact`), a run
record (`run_id`, `model.path`) or an artifact reference (`gh-artifact:1/../x`) is written by
contributors, so every path read from one is resolved here once, symbolic links first, and refused
when it leaves the folder it belongs to: the repository, the project folder or the state folder.
"""

from __future__ import annotations

import os
from pathlib import Path

from mlspec.errors import MlspecError, shown


class PathEscapeError(MlspecError):
    """A path read from a spec, deploy file, record or artifact reference leaves its folder."""


def escapes(path: Path, boundary: Path) -> bool:
    """True when ``path`` (symlinks resolved) is not ``boundary`` or below it."""
    resolved, limit = path.resolve(), boundary.resolve()
    return resolved != limit and not resolved.is_relative_to(limit)


def inside(
    base: Path,
    value: str | os.PathLike[str],
    *,
    key: str,
    boundary: Path | None = None,
    boundary_name: str = "the project folder",
    where: str = "",
) -> Path:
    """``value`` (relative to ``base``, or absolute) resolved, symlinks first; PathEscapeError naming
    ``key`` and the path when it is outside ``boundary`` (default ``base``)."""
    raw = Path(value)
    candidate = raw if raw.is_absolute() else base / raw
    limit = boundary if boundary is not None else base
    if escapes(candidate, limit):
        prefix = f"{where}: " if where else ""
        raise PathEscapeError(
            f"{prefix}{key}: {shown(str(value))} leads outside {boundary_name}",
            hint=f"give a path inside {boundary_name} (relative paths start at {_describe(base)}); "
            "symbolic links must not lead out of it either",
        )
    return candidate.resolve()


def safe_name(value: str, *, key: str, where: str = "") -> str:
    """``value`` when it is one plain path segment (a run id, a file name): no '/', '\\', '.' or '..'."""
    if not value or value in (".", "..") or "/" in value or "\\" in value or "\x00" in value:
        prefix = f"{where}: " if where else ""
        raise PathEscapeError(
            f"{prefix}{key}: {shown(value)} is not a plain name (no '/', '\\', '.' or '..')",
            hint="the file was edited by hand or written by something else than mlspec; restore it or run again",
        )
    return value


def _describe(base: Path) -> str:
    try:
        return str(base.resolve().relative_to(Path.cwd().resolve())) or "."
    except ValueError:
        return str(base)
