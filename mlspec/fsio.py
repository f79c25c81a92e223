"""Atomic file writes: a reader sees the old file or the new one, never half of one."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from mlspec.errors import MlspecError


class WriteError(MlspecError):
    """A file cannot be written where it was asked for (a folder is in the way, a file where a folder
    should be, no permission)."""


def ensure_dir(path: str | os.PathLike[str]) -> Path:
    """``path`` as an existing folder (created with its parents); WriteError when a file is in the way."""
    folder = Path(path)
    if folder.is_dir():  # the common case, one stat: an existing folder's parents are folders too
        return folder
    blocker = next((p for p in (folder, *folder.parents) if p.exists() and not p.is_dir()), None)
    if blocker is not None:
        raise WriteError(
            f"cannot create folder {display_path(folder)}: {display_path(blocker)} is a file",
            hint="give a folder path, or move that file away",
        )
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise WriteError(
            f"cannot create folder {display_path(folder)}: {exc.strerror or exc}",
            hint="check the path and its permissions",
        ) from None
    return folder


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes) -> Path:
    """Write ``data`` to a temp file in the same directory, fsync, then rename over ``path``.
    WriteError (not a traceback) when ``path`` is a folder or cannot be written."""
    target = Path(path)
    if target.is_dir():
        raise WriteError(
            f"cannot write {display_path(target)}: it is a folder",
            hint="give a file path (for example inside that folder)",
        )
    ensure_dir(target.parent)
    try:
        return _replace(target, data)
    except OSError as exc:
        raise WriteError(
            f"cannot write {display_path(target)}: {exc.strerror or exc}", hint="check the path and its permissions"
        ) from None


def _replace(target: Path, data: bytes) -> Path:
    import tempfile  # here, not at the top: `mlspec validate`'s start-up writes nothing

    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if target.exists():
            os.chmod(tmp, target.stat().st_mode & 0o777)
        else:
            os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    return target


def atomic_write_text(path: str | os.PathLike[str], text: str) -> Path:
    return atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_json(path: str | os.PathLike[str], data: Any) -> Path:
    return atomic_write_text(path, json.dumps(data, indent=2, sort_keys=True, default=str) + "\n")


def display_path(path: str | os.PathLike[str]) -> str:
    """``path`` relative to the working directory when it is below it, else as given."""
    target = Path(path)
    try:
        return str(target.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(target)
