"""init_repo's copies: the first repository made of a given tree (git init, config, add, commit, and the bare remote
pushed to) is kept, and a later tree with the same files gets a copy of its .git and remote instead of 8 git
processes (70 ms of CPU each time; the gate and promote tests make one per test). The copy is the same repository:
the same commit, identity and branch; origin points at the caller's remote, and the index is refreshed for the
caller's files."""

from __future__ import annotations

import atexit
import hashlib
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

_KEPT: dict[str, Path] = {}
_FOLDER: Path | None = None


def tree_digest(work: Path, *, with_remote: bool) -> str:
    """What git would commit of ``work``: every path, its mode bits and content (a symlink's target)."""
    digest = hashlib.sha256(b"remote" if with_remote else b"local")
    for folder, dirs, files in os.walk(work):
        dirs[:] = sorted(d for d in dirs if not (folder == str(work) and d == ".git"))
        for name in sorted(files + [d for d in dirs if os.path.islink(os.path.join(folder, d))]):
            path = Path(folder, name)
            digest.update(str(path.relative_to(work)).encode() + b"\0")
            if path.is_symlink():
                digest.update(b"link\0" + os.readlink(path).encode())
            else:
                digest.update(oct(path.stat().st_mode).encode() + b"\0" + path.read_bytes())
            digest.update(b"\0")
    return digest.hexdigest()


def _folder() -> Path:
    global _FOLDER
    if _FOLDER is None:
        _FOLDER = Path(tempfile.mkdtemp(prefix="mlspec-test-repos-"))
        atexit.register(shutil.rmtree, _FOLDER, True)
    return _FOLDER


def copy_kept(key: str, work: Path, remote: Path | None) -> bool:
    """Give ``work`` (and ``remote``) the repository kept under ``key``; False when there is none yet."""
    kept = _KEPT.get(key)
    if kept is None:
        return False
    shutil.copytree(kept / "git", work / ".git", symlinks=True)
    if remote is not None:
        shutil.copytree(kept / "remote.git", remote, symlinks=True)
        config = work / ".git" / "config"
        old_url = (kept / "remote-url").read_text("utf-8")
        config.write_text(config.read_text("utf-8").replace(f"url = {old_url}\n", f"url = {remote}\n"), "utf-8")
    # the index holds the kept tree's file times and inodes: git compares the caller's files by content once
    subprocess.run(["git", "update-index", "-q", "--refresh"], cwd=work, capture_output=True, check=False)
    return True


def keep(key: str, work: Path, remote: Path | None) -> None:
    """Keep the repository init_repo just made of ``work`` (before the test changes anything)."""
    kept = _folder() / key
    shutil.copytree(work / ".git", kept / "git", symlinks=True)
    if remote is not None:
        shutil.copytree(remote, kept / "remote.git", symlinks=True)
        (kept / "remote-url").write_text(str(remote), "utf-8")
    _KEPT[key] = kept
