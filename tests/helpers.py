"""Plain helpers shared by the tests (fixtures live in conftest.py)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
SHARED = ROOT.parent / "shared"
# The commit tests tell mlspec it was built from (MLSPEC_SOURCE_COMMIT): rendered workflows pin
# mlspec's own actions to it, and the act tests map it to this working tree.
SOURCE_COMMIT = "4ec377297344a0a09eb9d276ebb8ec80ca60e6f1"
GITHUB_API_DESCRIPTION = SHARED / "github-api" / "github-rest-subset.deref.json"


def run_mlspec(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None, timeout: float = 600):
    """Run the CLI in a subprocess, as a user would; returns CompletedProcess with text output."""
    full_env = {**os.environ, **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "mlspec", *args],
        cwd=cwd,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def run_cli(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run the CLI's ``main`` in this process: what `run_mlspec` returns, without a Python start-up and the
    imports of pandas and matplotlib per call. For tests of a command's behaviour; tests of what a user sees
    of the process itself (exit status of ``python -m mlspec``, no traceback, files written) keep run_mlspec."""
    import contextlib
    import io

    from mlspec.cli import main

    out, err = io.StringIO(), io.StringIO()
    saved_env, saved_cwd = dict(os.environ), os.getcwd()
    try:
        os.environ.update(env or {})
        if cwd is not None:
            os.chdir(cwd)
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main(list(args))
            except SystemExit as exit_:  # argparse's usage errors
                code = exit_.code if isinstance(exit_.code, int) else 1
    finally:
        os.chdir(saved_cwd)
        os.environ.clear()
        os.environ.update(saved_env)
    return subprocess.CompletedProcess(["mlspec", *args], code, out.getvalue(), err.getvalue())


def git(*args: str, cwd: Path) -> str:
    result = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=True)
    return result.stdout.strip()


def init_repo(work: Path, *, remote: Path | None = None) -> Path:
    """Make ``work`` a git repository on branch main with everything committed; with ``remote``,
    create a bare repository there, add it as origin and push. A tree made before in this process gets a copy of
    that repository (tests/git_template.py)."""
    from tests import git_template

    fresh = not (work / ".git").exists() and (remote is None or not remote.exists())
    key = git_template.tree_digest(work, with_remote=remote is not None) if fresh else ""
    if fresh and git_template.copy_kept(key, work, remote):
        return work
    git("init", "-q", "-b", "main", cwd=work)
    git("config", "user.email", "test@mlspec.invalid", cwd=work)
    git("config", "user.name", "mlspec test", cwd=work)
    git("add", "-A", cwd=work)
    git("commit", "-q", "-m", "initial", cwd=work)
    if remote is not None:
        subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(remote)], check=True)
        git("remote", "add", "origin", str(remote), cwd=work)
        git("push", "-q", "origin", "main", cwd=work)
    if fresh:
        git_template.keep(key, work, remote)
    return work


def copy_example(name: str, destination: Path) -> Path:
    target = destination / name
    shutil.copytree(EXAMPLES / name, target, ignore=shutil.ignore_patterns(".mlspec", "__pycache__"))
    return target
