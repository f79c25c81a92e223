"""Issue 12 item 10: an updated promotion branch notes the candidate it superseded, also when the base
branch moved on in between (the branch is rebuilt from the base)."""

from __future__ import annotations

import json

from tests.helpers import git
from tests.promote.conftest import make_record
from tests.promote.test_promote_local import BRANCH, STAGING_FILE, _local


def _pr_json(project) -> dict:
    return json.loads((project / ".mlspec" / "promotions" / "staging" / "pr.json").read_text())


def test_supersedes_names_the_replaced_candidate_after_the_base_moved(project, capsys) -> None:
    work = project.parents[1]
    _local(project, make_record(project))
    assert _pr_json(project)["supersedes"] is None  # the first candidate replaces nothing
    (work / "NOTES.md").write_text("someone else's change on main\n")
    git("add", "NOTES.md", cwd=work)
    git("commit", "-q", "-m", "notes", cwd=work)
    _local(project, make_record(project, "breast-cancer:v2bbbb"))
    assert _pr_json(project)["supersedes"] == "breast-cancer:v1aaaa"
    assert "**Supersedes** `breast-cancer:v1aaaa`" in (project / ".mlspec/promotions/staging/pr-body.md").read_text()
    assert "supersedes breast-cancer:v1aaaa on " + BRANCH in capsys.readouterr().out
    assert git("rev-parse", f"{BRANCH}~1", cwd=work) == git("rev-parse", "main", cwd=work)  # rebuilt on the base
    assert "breast-cancer:v2bbbb" in git("show", f"{BRANCH}:{STAGING_FILE}", cwd=work)


def test_a_merged_candidate_is_not_superseded(project) -> None:
    work = project.parents[1]
    _local(project, make_record(project))
    git("merge", "-q", "--no-ff", "-m", "merge promotion", BRANCH, cwd=work)
    _local(project, make_record(project, "breast-cancer:v2bbbb"))
    assert _pr_json(project)["supersedes"] is None
