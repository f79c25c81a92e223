"""Where the repository is and which specs it holds.

The repository root is the git top-level of a spec (found by looking for `.git` upwards, without
starting a git process per spec), or the spec's own folder outside git. Discovery lists files with
`git ls-files --cached --others --exclude-standard` (`mlspec.git`), so .gitignore is respected.
"""

from __future__ import annotations

import os
from pathlib import Path

from mlspec.git import listed_files
from mlspec.repo_root import repository_root

SPEC_NAME = "mlproject.yaml"
SKIP_DIRS = {".venv", "venv", "node_modules", "__pycache__"}


class RepositoryRoots:
    """`repository_root` of many spec paths, looked up once per spec folder."""

    def __init__(self) -> None:
        self._known: dict[Path, Path] = {}  # spec folder -> its repository root

    def of(self, spec_path: Path) -> Path:
        folder = spec_path.parent
        root = self._known.get(folder)
        if root is None:
            root = self._known[folder] = repository_root(spec_path.resolve().parent, fallback=True)
        return root


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
    if repository_root(root) is not None:
        listed = _git_listed_specs(root)
        if listed is not None:
            return listed
    return _walked_specs(root)


def specs_under(folder: Path) -> list[str]:
    """Inside a git repository, every spec under ``folder``, relative to it, as `discover_specs` finds them
    (.gitignore respected); outside one, none (`mlspec validate` does not walk an arbitrary folder)."""
    if repository_root(folder) is None:
        return []
    return [os.path.relpath(p, folder.resolve()) for p in discover_specs(folder)]
