"""Local git for promotion without a token: commit one file on a branch without touching the
user's working tree, index or current branch (plumbing with a temporary index), then push.

Every git call goes through `mlspec.git` (its deadline, its GitError); branch names come from validated
spec names. `run_git`, `rev`, `show`, `current_branch` and `is_ancestor` are `mlspec.git`'s, named here
for the promotion modules that import them from this module.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from mlspec.errors import MlspecError
from mlspec.git import current_branch, is_ancestor, rev, show
from mlspec.git import run as run_git
from mlspec.repo_root import repository_root

__all__ = [
    "branch_history",
    "commit_file",
    "current_branch",
    "has_remote",
    "is_ancestor",
    "push",
    "remote_branch",
    "repo_relative",
    "rev",
    "run_git",
    "show",
    "toplevel",
]

NOT_A_REPOSITORY_HINT = "promotion commits deploy/<env>.yaml on a branch: run `git init` and commit the project"
_FALLBACK_IDENTITY = {
    "GIT_AUTHOR_NAME": "mlspec",
    "GIT_AUTHOR_EMAIL": "mlspec@localhost",
    "GIT_COMMITTER_NAME": "mlspec",
    "GIT_COMMITTER_EMAIL": "mlspec@localhost",
}


def toplevel(path: Path) -> Path:
    """The repository promotion commits in (MlspecError naming ``path`` outside one)."""
    return repository_root(path, ask_git=True, required=True, hint=NOT_A_REPOSITORY_HINT)


def repo_relative(path: Path, top: Path) -> str:
    """`path` as a repository path (posix, relative to the git top-level)."""
    return path.resolve().relative_to(top).as_posix()


def _identity_env(cwd: Path) -> dict[str, str]:
    if run_git("config", "user.email", cwd=cwd, check=False).returncode == 0:
        return {}
    return dict(_FALLBACK_IDENTITY)


def commit_file(
    top: Path,
    *,
    branch: str,
    parent: str,
    path: str,
    text: str,
    message: str,
    old: str | None,
    extra: dict[str, str] | None = None,
) -> str:
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


def branch_history(top: Path, base: str, head: str) -> tuple[list[tuple[str, str, int]], list[str]]:
    """The commits ``head`` holds beyond ``base`` (sha, message, number of parents; oldest first) and the files they
    change together (against the merge base)."""
    done = run_git("log", "--reverse", "--format=%H %P%x00%B%x01", f"{base}..{head}", cwd=top)
    commits = []
    for entry in done.stdout.split("\x01"):
        entry = entry.lstrip("\n")
        if not entry.strip():
            continue
        shas, _, message = entry.partition("\x00")
        sha, *parents = shas.split()
        commits.append((sha, message, len(parents)))
    files = run_git("diff", "--name-only", "--no-renames", f"{base}...{head}", cwd=top).stdout.splitlines()
    return commits, [name for name in files if name]


def has_remote(top: Path, name: str = "origin") -> bool:
    result = run_git("remote", cwd=top, check=False)
    return name in result.stdout.split()


def remote_branch(top: Path, branch: str, remote: str = "origin") -> str | None:
    """The sha ``remote`` holds for ``branch`` (None: no such branch there); an unreachable remote is an error."""
    done = run_git("ls-remote", "--heads", remote, f"refs/heads/{branch}", cwd=top, check=False)
    if done.returncode != 0:
        raise MlspecError(
            f"cannot read {branch} on {remote}: {done.stderr.strip()}",
            hint=f"check that `git ls-remote {remote}` works, then run again",
        )
    for line in done.stdout.splitlines():
        sha, _, ref = line.partition("\t")
        if ref.strip() == f"refs/heads/{branch}":
            return sha.strip()
    return None


def push(top: Path, branch: str, *, force: bool, expect: str | None = None, remote: str = "origin") -> None:
    """Push ``branch``; with ``force``, only over the remote branch at ``expect`` (the local branch mlspec checked
    before rebuilding it; None: the remote branch must not exist), so someone else's push is never overwritten."""
    args = ["push", "--quiet"]
    if force:
        args.append(f"--force-with-lease=refs/heads/{branch}:{expect or ''}")
    args += [remote, f"refs/heads/{branch}:refs/heads/{branch}"]
    result = run_git(*args, cwd=top, check=False)
    if result.returncode != 0:
        raise MlspecError(
            f"git push of {branch} to {remote} failed: {result.stderr.strip()}",
            hint=f"the branch was updated locally; push it yourself with `git push {remote} {branch}`",
        )
