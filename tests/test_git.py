"""mlspec/git.py is the one way mlspec runs git: one deadline, one error type, and no other module starts git."""

from __future__ import annotations

import os
import re
import stat
import time
from pathlib import Path

import pytest

from mlspec import git
from mlspec.errors import MlspecError
from mlspec.repo_root import repository_root

PACKAGE = Path(__file__).resolve().parent.parent / "mlspec"


def _fake_git(folder: Path, script: str) -> dict[str, str]:
    folder.mkdir()
    fake = folder / "git"
    fake.write_text("#!/bin/sh\n" + script + "\n", encoding="utf-8")
    fake.chmod(fake.stat().st_mode | stat.S_IXUSR)
    return {"PATH": f"{folder}{os.pathsep}{os.environ['PATH']}"}


def test_a_git_past_the_deadline_is_stopped_with_its_helpers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # the fake git leaves a child holding the output pipe, as a push's ssh helper would
    env = _fake_git(tmp_path / "bin", "sleep 30 &\nsleep 30")
    monkeypatch.setenv("PATH", env["PATH"])
    monkeypatch.setenv(git.TIMEOUT_VARIABLE, "1")
    started = time.monotonic()
    with pytest.raises(git.GitError) as caught:
        git.run("push", "origin", "main", cwd=tmp_path)
    assert time.monotonic() - started < 10
    assert str(caught.value) == (
        f"git push in {tmp_path} did not finish within 1 s\n  hint: set {git.TIMEOUT_VARIABLE} for a longer deadline"
    )
    assert isinstance(caught.value, MlspecError)


def test_facts_are_none_and_commands_raise_when_git_cannot_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    assert git.fact("rev-parse", "HEAD", cwd=tmp_path) is None
    assert git.listed_files(tmp_path) is None
    assert git.is_ignored(tmp_path, ".mlspec/runs/latest") is None
    with pytest.raises(git.GitError, match=r"^git status could not run in "):
        git.run("status", cwd=tmp_path)


def test_answers_in_a_repository(tmp_path: Path) -> None:
    assert repository_root(tmp_path, ask_git=True) is None and repository_root(tmp_path) is None
    git.run("init", "-q", "-b", "main", cwd=tmp_path)
    (tmp_path / ".gitignore").write_text(".mlspec/\n", encoding="utf-8")
    (tmp_path / "a.txt").write_text("a\n", encoding="utf-8")
    assert repository_root(tmp_path, ask_git=True) == tmp_path.resolve() == repository_root(tmp_path)
    assert git.is_ignored(tmp_path, ".mlspec/runs/latest") is True
    assert sorted(git.listed_files(tmp_path) or []) == [".gitignore", "a.txt"]
    assert git.rev("HEAD", tmp_path) is None
    with pytest.raises(git.GitError, match=r"^git show failed in "):
        git.run("show", "HEAD:a.txt", cwd=tmp_path)


def test_a_bad_deadline_setting_is_a_usage_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(git.TIMEOUT_VARIABLE, "nan")
    with pytest.raises(MlspecError, match=git.TIMEOUT_VARIABLE) as caught:
        git.run("status", cwd=tmp_path)
    assert caught.value.exit_code == 2


def test_no_module_but_mlspec_git_starts_git() -> None:
    starts = re.compile(r"""\[\s*["']git["']""")
    found = [
        f"{path.relative_to(PACKAGE.parent)}:{number}"
        for path in sorted(PACKAGE.rglob("*.py"))
        if path.name != "git.py" or path.parent != PACKAGE
        for number, line in enumerate(path.read_text("utf-8").splitlines(), 1)
        if starts.search(line)
    ]
    assert found == []
