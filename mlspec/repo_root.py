"""The repository a folder is in: the one helper that finds a repository's top level, for every command.

Two ways to find it, chosen by the caller:
- by default, the nearest folder at or above ``start`` holding `.git` (a folder or, in worktrees, a file),
  without starting git nor importing subprocess (`mlspec validate` and `render` ask once per spec);
- ``ask_git=True``: `git rev-parse --show-toplevel` (through `mlspec.git`), for code that goes on to run git
  there. git that cannot run raises ``GitError``, unless ``git_errors=False`` (then None: a fact for the record,
  or the working tree's file when git is missing).

What happens outside a repository is explicit too: None by default, ``start`` itself with ``fallback=True``,
an ``MlspecError`` naming the folder (with the caller's ``hint``) with ``required=True``.
`Project.repository_root()` is this with ``fallback=True``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal, overload

from mlspec.errors import MlspecError

__all__ = ["repository_root"]


@overload
def repository_root(
    start: Path,
    *,
    ask_git: bool = ...,
    git_errors: bool = ...,
    fallback: Literal[True],
    required: bool = ...,
    hint: str = ...,
) -> Path: ...
@overload
def repository_root(
    start: Path,
    *,
    ask_git: bool = ...,
    git_errors: bool = ...,
    fallback: bool = ...,
    required: Literal[True],
    hint: str = ...,
) -> Path: ...
@overload
def repository_root(
    start: Path,
    *,
    ask_git: bool = ...,
    git_errors: bool = ...,
    fallback: bool = ...,
    required: bool = ...,
    hint: str = ...,
) -> Path | None: ...
def repository_root(
    start: Path,
    *,
    ask_git: bool = False,
    git_errors: bool = True,
    fallback: bool = False,
    required: bool = False,
    hint: str = "",
) -> Path | None:
    """The top-level folder of the repository ``start`` is in (resolved); see the module's text for the options."""
    top = _asked_git(start, git_errors) if ask_git else _nearest_git_folder(start)
    if top is not None:
        return top
    if required:
        raise MlspecError(f"{start} is not inside a git repository", hint=hint or None)
    return start.resolve() if fallback else None


def _nearest_git_folder(start: Path) -> Path | None:
    current = start.resolve()
    for folder in (current, *current.parents):
        if (folder / ".git").exists():
            return folder
    return None


def _asked_git(start: Path, git_errors: bool) -> Path | None:
    from mlspec.git import GitError, output

    try:
        top = output("rev-parse", "--show-toplevel", cwd=start)
    except GitError:
        if git_errors:
            raise
        return None
    return Path(top).resolve() if top else None
