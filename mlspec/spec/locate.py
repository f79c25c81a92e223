"""Which spec a command means when it is given none: `./mlproject.yaml`, else the nearest one above the working
folder up to the repository root (the folder holding `.git`), so a command run from `src/` or `data/` of a project
finds the project's spec. Outside a git repository only the working folder is looked in (a spec in some folder
above, such as the home folder, is not a project's). When none is found the error lists every folder looked in."""

from __future__ import annotations

import os
from pathlib import Path

from mlspec.errors import SpecError
from mlspec.repo_root import repository_root

SPEC_NAME = "mlproject.yaml"


def folders_to_search(start: Path) -> list[Path]:
    """``start`` and its parents up to the repository root (only ``start`` outside a repository)."""
    current = start.resolve()
    root = repository_root(current)
    if root is None:
        return [current]
    found = [current]
    for folder in current.parents:
        if not folder.is_relative_to(root):
            break
        found.append(folder)
    return found


def locate_spec(start: Path | None = None) -> str:
    """The spec path to use (relative to the working folder when above it), or SpecError naming where it looked."""
    here = Path.cwd() if start is None else start
    searched = folders_to_search(here)
    for folder in searched:
        candidate = folder / SPEC_NAME
        if candidate.is_file():
            return SPEC_NAME if folder == here.resolve() else os.path.relpath(candidate, here)
    places = ", ".join(str(f) for f in searched)
    scope = (
        "up to the repository root" if repository_root(here) is not None else "not in a git repository, so only here"
    )
    raise SpecError(
        f"no {SPEC_NAME} found: looked in {places} ({scope})",
        hint=f"give the spec's path (e.g. `mlspec run path/to/{SPEC_NAME}`), run from the project's folder, "
        "or create one with `mlspec init`",
    )
