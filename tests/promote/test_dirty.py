"""Promoting a dirty run (issue 22 item 10): a run made with uncommitted changes records which tracked files differ,
and `mlspec promote` refuses it, naming them, unless `--allow-dirty`, which the deploy file and the pull request
record. CT promotes from a clean checkout, so neither the rendered workflows nor the promote action pass the flag."""

from __future__ import annotations

import pytest

from mlspec.errors import StageFailed
from mlspec.pipeline.changes import git_info
from mlspec.promote.commands import promote_loaded
from mlspec.spec import load_spec
from mlspec.state.deploy import parse_deployment
from mlspec.state.record import GitInfo
from tests.helpers import ROOT, git, run_cli
from tests.promote.conftest import PROJECT_DIR, gate_report, make_record

BRANCH = "mlspec/promote/breast-cancer/staging"
STAGING = f"{PROJECT_DIR}/deploy/staging.yaml"
TRAIN = f"{PROJECT_DIR}/src/train.py"
SPEC = f"{PROJECT_DIR}/mlproject.yaml"


def _dirty(project) -> GitInfo:
    """Edit the training code (unstaged) and the spec (staged), add an untracked file: what a run then records."""
    work = project.parents[1]
    (work / TRAIN).write_text((work / TRAIN).read_text() + "\n# tweak\n")
    (work / SPEC).write_text((work / SPEC).read_text() + "\n# tweak\n")
    git("add", SPEC, cwd=work)
    (project / "notes.txt").write_text("untracked: not part of any commit, not a change to one\n")
    return git_info(project)


def test_a_run_records_the_tracked_files_that_differ_from_its_commit(project) -> None:
    assert git_info(project).dirty_files == []
    info = _dirty(project)
    assert info.dirty is True and info.dirty_files == [SPEC, TRAIN]


def test_promote_refuses_a_dirty_run_and_names_the_files(project) -> None:
    work = project.parents[1]
    record = make_record(project)
    record.git = _dirty(project)
    with pytest.raises(StageFailed) as caught:
        promote_loaded(load_spec(project / "mlproject.yaml"), record, "staging", gate_report(True), environ={})
    assert caught.value.message == (
        f"run {record.run_id} was made with uncommitted changes to tracked files: {SPEC}, {TRAIN}; its model may not "
        f"be what commit {record.git.commit[:12]} trains: nothing was promoted (no branch, no pull request)"
    )
    assert "`--allow-dirty`" in caught.value.hint and "commit (or revert) those changes" in caught.value.hint
    assert git("branch", "--list", BRANCH, cwd=work) == ""
    assert not (project / ".mlspec" / "promotions").exists()


def test_an_older_record_without_the_file_list_is_refused_too(project) -> None:
    record = make_record(project)
    record.git = GitInfo(commit=record.git.commit, dirty=True)
    with pytest.raises(StageFailed, match="the run's record does not name them|this run's record does not name them"):
        promote_loaded(load_spec(project / "mlproject.yaml"), record, "staging", gate_report(True), environ={})


def test_allow_dirty_promotes_and_records_it(project, capsys) -> None:
    work = project.parents[1]
    record = make_record(project)
    record.git = _dirty(project)
    assert (
        promote_loaded(
            load_spec(project / "mlproject.yaml"), record, "staging", gate_report(True), environ={}, allow_dirty=True
        )
        == 0
    )
    deployment = parse_deployment(git("show", f"{BRANCH}:{STAGING}", cwd=work), STAGING)
    assert deployment.promoted["override"] == {"allow_dirty": True, "dirty_files": [SPEC, TRAIN]}
    assert deployment.lineage["dirty"] is True
    body = (project / ".mlspec" / "promotions" / "staging" / "pr-body.md").read_text()
    assert f"**Promoted from a run with uncommitted changes** to `{SPEC}`, `{TRAIN}`" in body
    assert "--allow-dirty" in capsys.readouterr().err


def test_the_cli_flag_is_documented_and_works(project) -> None:
    help_text = run_cli("promote", "--help").stdout
    assert "--allow-dirty" in help_text and "uncommitted changes" in help_text
    record = make_record(project, save=False)
    record.git = _dirty(project)
    from mlspec.state.record import RunStore

    RunStore(project).save(record)
    spec = str(project / "mlproject.yaml")
    env = {"GITHUB_TOKEN": "", "GH_TOKEN": "", "MLSPEC_PROMOTION_TOKEN": ""}
    refused = run_cli("promote", spec, "--env", "staging", env=env)
    assert refused.returncode == 1 and f"uncommitted changes to tracked files: {SPEC}, {TRAIN}" in refused.stderr
    allowed = run_cli("promote", spec, "--env", "staging", "--allow-dirty", env=env)
    assert allowed.returncode == 0, allowed.stderr
    for doc in ("README.md", "docs/github.md"):
        assert "--allow-dirty" in (ROOT / doc).read_text(), doc


def test_ct_promotes_without_the_override() -> None:
    """CT checks out the commit it trains, so its runs are clean: nothing it renders or runs passes --allow-dirty."""
    for path in [ROOT / "actions" / "promote" / "action.yml", *(ROOT / "mlspec" / "render" / "templates").glob("*")]:
        assert "allow-dirty" not in path.read_text(), path


def test_file_names_in_the_pull_request_note_are_escaped() -> None:
    from mlspec.promote.commands import dirty_note

    note = dirty_note(["src/a`b.py", "@mallory [x](http://evil.example)"])
    assert "``src/a`b.py``" in note  # a longer fence: the name cannot end the code span early
    assert "`@mallory [x](http://evil.example)`" in note  # inside a code span: no mention, no link
