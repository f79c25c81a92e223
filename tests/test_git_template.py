"""tests/git_template.py: init_repo's second repository of the same tree is a copy of the first, and behaves as
one made by git: its own remote, a clean status, and a different tree gets its own commit."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.helpers import git, init_repo


def _tree(root: Path, text: str) -> Path:
    (root / "src").mkdir(parents=True)
    (root / "src" / "train.py").write_text(text)
    (root / "run.sh").write_text("#!/bin/sh\n")
    (root / "run.sh").chmod(0o755)
    return root


def test_a_second_repository_of_the_same_tree_is_a_copy_with_its_own_remote(tmp_path: Path) -> None:
    first = init_repo(_tree(tmp_path / "a", "x = 1\n"), remote=tmp_path / "a.git")
    second = init_repo(_tree(tmp_path / "b", "x = 1\n"), remote=tmp_path / "b.git")
    assert git("rev-parse", "HEAD", cwd=second) == git("rev-parse", "HEAD", cwd=first)
    assert git("remote", "get-url", "origin", cwd=second) == str(tmp_path / "b.git")
    assert git("status", "--porcelain", cwd=second) == ""
    assert git("rev-parse", "origin/main", cwd=second) == git("rev-parse", "HEAD", cwd=second)
    assert git("config", "user.email", cwd=second) == "test@mlspec.invalid"
    (second / "src" / "train.py").write_text("x = 2\n")
    git("commit", "-qam", "change", cwd=second)
    git("push", "-q", "origin", "main", cwd=second)
    pushed = subprocess.run(
        ["git", "rev-parse", "main"], cwd=tmp_path / "b.git", capture_output=True, text=True, check=True
    ).stdout.strip()
    assert pushed == git("rev-parse", "HEAD", cwd=second)
    untouched = subprocess.run(
        ["git", "rev-parse", "main"], cwd=tmp_path / "a.git", capture_output=True, text=True, check=True
    ).stdout.strip()
    assert untouched == git("rev-parse", "HEAD", cwd=first)


def test_another_tree_or_mode_gets_its_own_commit(tmp_path: Path) -> None:
    base = init_repo(_tree(tmp_path / "a", "x = 1\n"))
    other = init_repo(_tree(tmp_path / "b", "x = 3\n"))
    assert git("rev-parse", "HEAD^{tree}", cwd=other) != git("rev-parse", "HEAD^{tree}", cwd=base)
    mode = _tree(tmp_path / "c", "x = 1\n")
    (mode / "run.sh").chmod(0o644)
    init_repo(mode)
    assert git("rev-parse", "HEAD^{tree}", cwd=mode) != git("rev-parse", "HEAD^{tree}", cwd=base)
    assert git("ls-files", "-s", "run.sh", cwd=mode).startswith("100644")
    assert git("status", "--porcelain", cwd=mode) == ""
