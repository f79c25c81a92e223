"""Content fingerprints of files: xxh3_128 (`mlspec.tables.hash_file`) with a stat cache, so unchanged large files are not re-read.

The cache (`StateLayout.stat_cache`, `.mlspec/cache/stat.json`) maps a path to (size, mtime_ns, inode, ctime_ns) and the digest
seen then. ctime is in the key because a write that restores size and mtime (`touch -r`, a byte flip
with the old timestamp put back) cannot restore it.
A file whose mtime is within a couple of seconds of the moment it was hashed is not cached ("racily
clean", as git calls it): a write in the same timestamp tick could otherwise go unnoticed.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

from mlspec.fsio import atomic_write_text
from mlspec.tables import hash_file

RACY_SECONDS = 2.0


def _stamp(st: os.stat_result) -> list[int]:
    """What must be unchanged for a cached digest to stay valid."""
    return [st.st_size, st.st_mtime_ns, st.st_ino, st.st_ctime_ns]


class StatCache:
    """Digests of files keyed by absolute path, valid while (size, mtime_ns, inode, ctime_ns) are unchanged."""

    def __init__(self, path: Path) -> None:
        self.path = path  # the cache file: StateLayout.stat_cache
        self._entries: dict[str, dict[str, Any]] | None = None
        self._dirty = False

    def _load(self) -> dict[str, dict[str, Any]]:
        if self._entries is None:
            try:
                data = json.loads(self.path.read_text("utf-8"))
                self._entries = data if isinstance(data, dict) else {}
            except (OSError, ValueError):
                self._entries = {}
        return self._entries

    def digest(self, path: Path) -> tuple[str, int]:
        """(digest, size) of ``path``; raises FileNotFoundError/OSError like open()."""
        st = os.stat(path)
        key = str(Path(path).resolve())
        entries = self._load()
        entry = entries.get(key)
        stamp = _stamp(st)
        if entry and entry.get("stat") == stamp:
            return str(entry["digest"]), st.st_size
        digest = hash_file(path)
        if time.time() - st.st_mtime_ns / 1e9 > RACY_SECONDS:
            entries[key] = {"stat": stamp, "digest": digest}
            self._dirty = True
        else:
            entries.pop(key, None)
        return digest, st.st_size

    def extra(self, path: Path, name: str) -> Any:
        """A value remembered for the file's current content (e.g. its row count), or None."""
        entry = self._load().get(str(Path(path).resolve()))
        try:
            st = os.stat(path)
        except OSError:
            return None
        if entry and entry.get("stat") == _stamp(st):
            return entry.get(name)
        return None

    def remember(self, path: Path, name: str, value: Any) -> None:
        entry = self._load().get(str(Path(path).resolve()))
        if entry is not None and entry.get(name) != value:
            entry[name] = value
            self._dirty = True

    def save(self) -> None:
        if self._dirty and self._entries is not None:
            atomic_write_text(self.path, json.dumps(self._entries, indent=0, sort_keys=True) + "\n")
            self._dirty = False
