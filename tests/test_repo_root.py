"""mlspec/repo_root.py: the one helper that finds the repository's top level, with each caller's failure
behaviour an explicit option (None, the start folder, or an error naming the folder)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from mlspec import git
from mlspec.errors import MlspecError
from mlspec.promote.localgit import NOT_A_REPOSITORY_HINT, toplevel
from mlspec.repo_root import repository_root


def test_repository_root_is_the_git_top_level_or_the_folder(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "a" / "b").mkdir(parents=True)
    assert repository_root(tmp_path / "a" / "b", fallback=True) == tmp_path.resolve()


def test_outside_a_repository_none_the_folder_or_the_error(tmp_path: Path) -> None:
    assert repository_root(tmp_path) is None
    assert repository_root(tmp_path, ask_git=True) is None
    assert repository_root(tmp_path, fallback=True) == tmp_path.resolve()
    with pytest.raises(MlspecError) as raised:
        repository_root(tmp_path, ask_git=True, required=True, hint="run `git init`")
    assert raised.value.message == f"{tmp_path} is not inside a git repository"
    assert raised.value.hint == "run `git init`"


def test_promotion_outside_git_keeps_its_error(tmp_path: Path) -> None:
    with pytest.raises(MlspecError) as raised:
        toplevel(tmp_path)
    assert raised.value.message == f"{tmp_path} is not inside a git repository"
    assert raised.value.hint == NOT_A_REPOSITORY_HINT
    assert NOT_A_REPOSITORY_HINT.startswith("promotion commits deploy/<env>.yaml on a branch")


def test_git_that_cannot_run_raises_unless_told_not_to(tmp_path: Path) -> None:
    gone = tmp_path / "gone"  # git cannot start in a folder that does not exist
    with pytest.raises(git.GitError):
        repository_root(gone, ask_git=True)
    assert repository_root(gone, ask_git=True, git_errors=False) is None


def test_looking_for_dot_git_starts_no_git(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    code = (
        "import sys; from pathlib import Path; from mlspec.repo_root import repository_root; "
        f"assert repository_root(Path({str(tmp_path)!r})) is not None; "
        "print('subprocess' in sys.modules, 'mlspec.git' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.split() == ["False", "False"]
