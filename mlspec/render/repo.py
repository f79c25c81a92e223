"""Where the repository is and which specs it holds.

The repository root is the git top-level of a spec (found by looking for `.git` upwards, without
starting a git process per spec), or the spec's own folder outside git. Discovery lists files with
`git ls-files --cached --others --exclude-standard` (`mlspec.git`), so .gitignore is respected.
"""

from __future__ import annotations

import os
from pathlib import Path

from mlspec.git import find_root, listed_files

SPEC_NAME = "mlproject.yaml"
SKIP_DIRS = {".venv", "venv", "node_modules", "__pycache__"}


def git_root(start: Path) -> Path | None:
    """Nearest folder at or above ``start`` that contains `.git` (a folder or, in worktrees, a file)."""
    return find_root(start)


def repository_root(spec_path: Path) -> Path:
    folder = spec_path.resolve().parent
    return git_root(folder) or folder


class RepositoryRoots:
    """`repository_root` of many resolved spec paths: the folders already looked at are remembered, so
    specs side by side cost one `.git` check each instead of a path resolution and a walk to the root."""

    def __init__(self) -> None:
        self._known: dict[Path, Path | None] = {}  # resolved folder -> nearest folder with `.git` at or above it

    def of(self, spec_path: Path) -> Path:
        """The repository root of ``spec_path``, which must already be resolved (LoadedSpec.path is)."""
        folder = spec_path.parent
        return self._git_root(folder) or folder

    def _git_root(self, folder: Path) -> Path | None:
        walked = []
        current: Path | None = folder
        found: Path | None = None
        while current is not None:
            if current in self._known:
                found = self._known[current]
                break
            walked.append(current)
            if (current / ".git").exists():
                found = current
                break
            current = current.parent if current.parent != current else None
        for seen in walked:
            self._known[seen] = found
        return found


def _git_listed_specs(root: Path) -> list[Path] | None:
    names = listed_files(root, f"*{SPEC_NAME}")
    if names is None:
        return None
    found = {root / name for name in names if name.rsplit("/", 1)[-1] == SPEC_NAME}
    return sorted(p for p in found if p.is_file())


def _walked_specs(root: Path) -> list[Path]:
    found: list[Path] = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in SKIP_DIRS)
        if SPEC_NAME in files:
            found.append(Path(folder) / SPEC_NAME)
    return sorted(found)


def discover_specs(root: Path) -> list[Path]:
    """Every mlproject.yaml under ``root`` (git-aware when ``root`` is inside a repository)."""
    root = root.resolve()
    if git_root(root) is not None:
        listed = _git_listed_specs(root)
        if listed is not None:
            return listed
    return _walked_specs(root)
