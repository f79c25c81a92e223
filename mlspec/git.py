"""The one way mlspec runs git: an argument list (never a shell), no terminal prompts, no stdin, its own
process group, and one deadline for every call (`MLSPEC_GIT_TIMEOUT_SECONDS`, default 60 s; past it the
whole group is killed, including a push's ssh or https helper).

Errors: git that cannot start (not installed, folder gone) or runs past the deadline raises ``GitError``;
so does a refused command when the caller asks for ``check``. Questions git answers with a non-zero exit
("is this a repository?", "does this ref exist?") return None or False instead. Callers for whom git is
optional (the run record's commit, file discovery) use ``fact``, which answers None for every failure.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from mlspec.envvars import env_number
from mlspec.errors import MlspecError

TIMEOUT_VARIABLE = "MLSPEC_GIT_TIMEOUT_SECONDS"
DEFAULT_TIMEOUT_SECONDS = 60.0


class GitError(MlspecError):
    """git could not run, ran past its deadline, or refused a command the caller needed."""


def timeout_seconds() -> float:
    """The deadline of one git call."""
    return env_number(os.environ, TIMEOUT_VARIABLE, DEFAULT_TIMEOUT_SECONDS, minimum=1)


def run(
    *args: str, cwd: Path, env: dict[str, str] | None = None, input_text: str | None = None, check: bool = True
) -> subprocess.CompletedProcess[str]:
    """``git ARGS`` in ``cwd`` with stdout/stderr captured as text. ``env`` adds to the environment."""
    from mlspec.proc import run_captured

    full_env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", **(env or {})}
    seconds = timeout_seconds()
    try:
        result = run_captured(["git", *args], cwd=cwd, env=full_env, input_text=input_text, timeout_seconds=seconds)
    except subprocess.TimeoutExpired:
        raise GitError(
            f"git {args[0]} in {cwd} did not finish within {seconds:g} s",
            hint=f"set {TIMEOUT_VARIABLE} for a longer deadline",
        ) from None
    except OSError as exc:
        raise GitError(
            f"git {args[0]} could not run in {cwd}: {exc.strerror or exc}",
            hint="install git and run mlspec from an existing folder",
        ) from None
    if check and result.returncode != 0:
        raise GitError(f"git {args[0]} failed in {cwd}: {result.stderr.strip() or result.stdout.strip()}")
    return result


def output(*args: str, cwd: Path) -> str | None:
    """git's stripped stdout, or None when git answers with a non-zero exit (GitError when it cannot run)."""
    result = run(*args, cwd=cwd, check=False)
    return result.stdout.strip() if result.returncode == 0 else None


def fact(*args: str, cwd: Path) -> str | None:
    """Like ``output``, but None for every failure: for facts mlspec records when git can tell them."""
    try:
        return output(*args, cwd=cwd)
    except GitError:
        return None


def rev(ref: str, cwd: Path) -> str | None:
    """The commit ``ref`` names, or None when there is no such commit."""
    return output("rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}", cwd=cwd)


def show(ref: str, path: str, cwd: Path) -> str | None:
    """The text of ``path`` (a repository path) at ``ref``, unstripped, or None when it is not there."""
    result = run("show", f"{ref}:{path}", cwd=cwd, check=False)
    return result.stdout if result.returncode == 0 else None


def current_branch(cwd: Path) -> str | None:
    return output("symbolic-ref", "--quiet", "--short", "HEAD", cwd=cwd)


def is_ancestor(ancestor: str, descendant: str, cwd: Path) -> bool:
    return run("merge-base", "--is-ancestor", ancestor, descendant, cwd=cwd, check=False).returncode == 0


def listed_files(base: Path, *patterns: str) -> list[str] | None:
    """Tracked and untracked, not ignored files under ``base`` (what a commit would carry), relative to it,
    optionally limited to pathspecs; None outside a repository or without git."""
    try:
        result = run(
            "ls-files",
            "-z",
            "--cached",
            "--others",
            "--exclude-standard",
            *(("--", *patterns) if patterns else ()),
            cwd=base,
            check=False,
        )
    except GitError:
        return None
    if result.returncode != 0:
        return None
    return [name for name in result.stdout.split("\0") if name]


def is_ignored(root: Path, path: str) -> bool | None:
    """True/False when git answers whether ``path`` (relative to ``root``) is ignored, None outside a
    repository or without git."""
    try:
        code = run("check-ignore", "-q", path, cwd=root, check=False).returncode
    except GitError:
        return None
    return {0: True, 1: False}.get(code)
