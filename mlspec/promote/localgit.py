"""Local git for promotion without a token: commit one file on a branch without touching the
user's working tree, index or current branch (plumbing with a temporary index), then push.

Every git call uses an argument list (never a shell); branch names come from validated spec names.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from pathlib import Path

from mlspec.errors import MlspecError

_FALLBACK_IDENTITY = {"GIT_AUTHOR_NAME": "mlspec", "GIT_AUTHOR_EMAIL": "mlspec@localhost",
                      "GIT_COMMITTER_NAME": "mlspec", "GIT_COMMITTER_EMAIL": "mlspec@localhost"}


def run_git(*args: str, cwd: Path, env: dict[str, str] | None = None, input_text: str | None = None,
            check: bool = True) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", **(env or {})}
    result = subprocess.run(["git", *args], cwd=cwd, env=full_env, input=input_text, capture_output=True,
                            text=True, check=False)
    if check and result.returncode != 0:
        raise MlspecError(f"git {args[0]} failed in {cwd}: {result.stderr.strip() or result.stdout.strip()}")
    return result


def toplevel(path: Path) -> Path:
    result = run_git("rev-parse", "--show-toplevel", cwd=path, check=False)
    if result.returncode != 0:
        raise MlspecError(f"{path} is not inside a git repository",
                          hint="promotion commits deploy/<env>.yaml on a branch: run `git init` and commit the project")
    return Path(result.stdout.strip()).resolve()


def repo_relative(path: Path, top: Path) -> str:
    """`path` as a repository path (posix, relative to the git top-level)."""
    return path.resolve().relative_to(top).as_posix()


def rev(ref: str, cwd: Path) -> str | None:
    result = run_git("rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}", cwd=cwd, check=False)
    return result.stdout.strip() if result.returncode == 0 else None


def show(ref: str, path: str, cwd: Path) -> str | None:
    result = run_git("show", f"{ref}:{path}", cwd=cwd, check=False)
    return result.stdout if result.returncode == 0 else None


def current_branch(cwd: Path) -> str | None:
    result = run_git("symbolic-ref", "--quiet", "--short", "HEAD", cwd=cwd, check=False)
    return result.stdout.strip() if result.returncode == 0 else None


def is_ancestor(ancestor: str, descendant: str, cwd: Path) -> bool:
    return run_git("merge-base", "--is-ancestor", ancestor, descendant, cwd=cwd, check=False).returncode == 0


def _identity_env(cwd: Path) -> dict[str, str]:
    if run_git("config", "user.email", cwd=cwd, check=False).returncode == 0:
        return {}
    return dict(_FALLBACK_IDENTITY)


def commit_file(top: Path, *, branch: str, parent: str, path: str, text: str, message: str,
                old: str | None, extra: dict[str, str] | None = None) -> str:
    """Commit `text` at `path` (and the files of `extra`, path -> text) on top of `parent` in one commit and point
    refs/heads/<branch> at it (compare-and-swap against `old`). The working tree, the index and HEAD stay as
    they are."""
    files = {path: text, **(extra or {})}
    with tempfile.TemporaryDirectory(prefix="mlspec-index-") as folder:
        env = {"GIT_INDEX_FILE": str(Path(folder) / "index")}
        run_git("read-tree", parent, cwd=top, env=env)
        for name, content in files.items():
            blob = run_git("hash-object", "-w", "--stdin", cwd=top, input_text=content).stdout.strip()
            run_git("update-index", "--add", "--cacheinfo", f"100644,{blob},{name}", cwd=top, env=env)
        tree = run_git("write-tree", cwd=top, env=env).stdout.strip()
    commit = run_git("commit-tree", tree, "-p", parent, "-m", message, cwd=top, env=_identity_env(top)).stdout.strip()
    run_git("update-ref", "-m", "mlspec promote", f"refs/heads/{branch}", commit, old or "0" * 40, cwd=top)
    return commit


def has_remote(top: Path, name: str = "origin") -> bool:
    result = run_git("remote", cwd=top, check=False)
    return name in result.stdout.split()


def push(top: Path, branch: str, *, force: bool, remote: str = "origin") -> None:
    args = ["push", "--quiet"]
    if force:
        args.append("--force")
    args += [remote, f"refs/heads/{branch}:refs/heads/{branch}"]
    result = run_git(*args, cwd=top, check=False)
    if result.returncode != 0:
        raise MlspecError(f"git push of {branch} to {remote} failed: {result.stderr.strip()}",
                          hint=f"the branch was updated locally; push it yourself with `git push {remote} {branch}`")
