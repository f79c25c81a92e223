"""Issue 12 item 9: lineage without a commit records what is true, and such a run is never promoted."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from mlspec.errors import StageFailed
from mlspec.pipeline.changes import git_info
from mlspec.promote.commands import promote_loaded
from mlspec.spec import load_spec
from mlspec.state.record import GitInfo, RunRecord
from tests.helpers import EXAMPLES, git
from tests.promote.conftest import gate_report, make_record


def test_a_repository_before_its_first_commit_is_dirty_with_no_commit(tmp_path) -> None:
    (tmp_path / "train.py").write_text("print('hi')\n")
    git("init", "-q", "-b", "main", cwd=tmp_path)
    info = git_info(tmp_path)
    assert (info.commit, info.dirty) == (None, True)


def test_outside_git_the_working_tree_state_is_unknown_not_clean(tmp_path, monkeypatch) -> None:
    assert git_info(tmp_path).dirty is None  # not a repository
    git("init", "-q", "-b", "main", cwd=tmp_path)
    (tmp_path / "a.txt").write_text("a\n")
    git("add", "a.txt", cwd=tmp_path)
    subprocess.run(
        ["git", "-c", "user.email=t@t", "-c", "user.name=t", "commit", "-q", "-m", "a"], cwd=tmp_path, check=True
    )
    (tmp_path / "a.txt").write_text("changed\n")
    assert git_info(tmp_path).dirty is True
    empty = tmp_path / "no-git-here"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))  # git is absent
    info = git_info(tmp_path)
    assert (info.commit, info.dirty) == (None, None)


def test_old_records_without_dirty_read_as_unknown() -> None:
    assert GitInfo().dirty is None
    record = RunRecord.model_validate(
        {"run_id": "r", "project": "p", "spec_path": "s", "spec_digest": "d", "created": "c", "git": {"commit": None}}
    )
    assert record.git.dirty is None


def test_promote_refuses_a_run_without_a_commit(project) -> None:
    work = project.parents[1]
    fresh = work.parent / "fresh"
    shutil.copytree(
        EXAMPLES / "breast-cancer", fresh, ignore=shutil.ignore_patterns(".mlspec", "__pycache__", "deploy")
    )
    git("init", "-q", "-b", "main", cwd=fresh)
    record = make_record(project)
    record.git = git_info(fresh)  # what a run made before the first commit records
    assert record.git.commit is None and record.git.dirty is True
    branches = git("branch", "--list", cwd=work)
    with pytest.raises(StageFailed) as caught:
        promote_loaded(load_spec(project / "mlproject.yaml"), record, "staging", gate_report(True), environ={})
    assert caught.value.message == (
        f"run {record.run_id} records no git commit (it was made outside a git repository or before the first "
        "commit), so the code and spec its model came from cannot be traced: nothing was promoted"
    )
    assert (
        caught.value.hint
        == "commit the project (`git add` and `git commit`), rerun `mlspec run`, then promote that run"
    )
    assert git("branch", "--list", cwd=work) == branches
    assert not (project / ".mlspec" / "promotions").exists()
