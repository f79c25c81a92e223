"""Ownership before the first write (issue 23 item 1): promote, rollback and release change nothing on a branch
with an open pull request someone else opened, or with a commit mlspec did not write; they say what to do. Through
the GitHub stand-in over real HTTP, and on a local repository (mlspec.promote.branch_owner)."""

from __future__ import annotations

import pytest

from mlspec.errors import MlspecError
from mlspec.promote.branch_owner import TRAILER, ForeignBranchError, commit_message
from mlspec.promote.commands import promote_loaded
from mlspec.promote.release import release_command
from mlspec.promote.rollback import rollback_command
from mlspec.spec import load_spec
from mlspec.state.deploy import parse_deployment
from tests.github_standin import GitHubStandIn
from tests.github_standin.server import Pull
from tests.helpers import git, run_cli
from tests.promote.conftest import PROJECT_DIR, gate_report, make_record
from tests.promote.test_release_rollback import PRODUCTION, STAGING, _deployment, _merge

BRANCH = "mlspec/promote/breast-cancer/staging"
ROLLBACK = "mlspec/rollback/breast-cancer/staging"
RELEASE = "mlspec/promote/breast-cancer/production"


def _promote(project, standin: GitHubStandIn, record, **kw) -> int:
    return promote_loaded(
        load_spec(project / "mlproject.yaml"), record, "staging", gate_report(True), environ=standin.env(), **kw
    )


def _foreign_branch(standin: GitHubStandIn, branch: str, path: str = STAGING, author: str = "mallory") -> str:
    """Someone's branch with one commit of theirs (on the promotion branch's name)."""
    s = standin.state
    s.refs[f"refs/heads/{branch}"] = s.branch_sha("main")
    return s.put_file(branch, path, "their work\n", message="my own experiment", author=author)


def _foreign_pull(standin: GitHubStandIn, branch: str, author: str = "mallory") -> Pull:
    s = standin.state
    pull = Pull(s.next_number, "their PR", "their body", branch, "main", author=author)
    s.pulls[pull.number] = pull
    s.next_number += 1
    return pull


def _writes(standin: GitHubStandIn) -> list[str]:
    return [f"{r['method']} {r['path']}" for r in standin.requests if r["method"] != "GET"]


def _assert_untouched(standin: GitHubStandIn, branch: str, head: str, pull: Pull | None = None) -> None:
    assert standin.state.branch_sha(branch) == head
    assert _writes(standin) == []  # no branch move, no commit, no pull request, no label, no comment
    assert standin.state.comments == {}
    if pull is not None:
        assert (pull.title, pull.body, pull.state, pull.labels) == ("their PR", "their body", "open", [])


def test_promote_leaves_a_foreign_pull_request_and_its_branch_alone(project, github_standin: GitHubStandIn) -> None:
    head = _foreign_branch(github_standin, BRANCH)
    pull = _foreign_pull(github_standin, BRANCH)
    with pytest.raises(ForeignBranchError) as caught:
        _promote(project, github_standin, make_record(project))
    assert caught.value.message == (
        f"open pull request #{pull.number} from {BRANCH} (into main) was opened by mallory, not by mlspec-bot (the "
        "account the token writes as): nothing was changed (no branch move, no commit, no pull request edit, no "
        "comment)"
    )
    assert f"close #{pull.number}" in caught.value.hint and f"delete {BRANCH}" in caught.value.hint
    _assert_untouched(github_standin, BRANCH, head, pull)
    assert github_standin.state.file_text(BRANCH, STAGING) == "their work\n"
    assert github_standin.violations == []


def test_promote_leaves_a_branch_with_someone_elses_commit_alone(project, github_standin: GitHubStandIn) -> None:
    head = _foreign_branch(github_standin, BRANCH)  # no pull request at all
    with pytest.raises(ForeignBranchError) as caught:
        _promote(project, github_standin, make_record(project))
    assert caught.value.message == (
        f"{BRANCH} holds commit {head[:12]} ('my own experiment') beyond main that mlspec did not write: its message "
        f"lacks mlspec's `{TRAILER}: {BRANCH}` trailer; nothing was changed (no branch move, no commit, no pull "
        "request edit, no comment)"
    )
    assert f"`git push origin --delete {BRANCH}`" in caught.value.hint
    _assert_untouched(github_standin, BRANCH, head)


def test_the_cli_refuses_with_exit_1_and_no_traceback(project, github_standin: GitHubStandIn) -> None:
    make_record(project)
    head = _foreign_branch(github_standin, BRANCH)
    (project / ".mlspec").mkdir(exist_ok=True)
    result = run_cli("promote", str(project / "mlproject.yaml"), "--env", "staging", env=github_standin.env())
    assert result.returncode == 1, result.stdout + result.stderr
    assert "that mlspec did not write" in result.stderr and "Traceback" not in result.stderr
    _assert_untouched(github_standin, BRANCH, head)


@pytest.mark.parametrize(
    ("author", "committer", "message", "path", "reason"),
    [
        ("mlspec-bot", "mlspec-bot", "mlspec: promote", STAGING, "lacks mlspec's"),  # other automation, same account
        ("mallory", "mallory", None, STAGING, "its author is mallory, not mlspec-bot"),  # the trailer copied
        ("mlspec-bot", "mallory", None, STAGING, "its committer is mallory, not mlspec-bot"),  # rewritten by a person
        ("mlspec-bot", "mlspec-bot", None, f"{PROJECT_DIR}/src/train.py", "changes projects/breast-cancer/src"),
    ],
    ids=["no trailer", "author", "committer", "another file"],
)
def test_a_commit_is_mlspecs_only_with_its_trailer_account_and_files(
    project, github_standin: GitHubStandIn, author: str, committer: str, message: str | None, path: str, reason: str
) -> None:
    s = github_standin.state
    s.refs[f"refs/heads/{BRANCH}"] = s.branch_sha("main")
    head = s.put_file(BRANCH, path, "x\n", message or commit_message("mlspec: promote", BRANCH), author, committer)
    with pytest.raises(ForeignBranchError, match=reason):
        _promote(project, github_standin, make_record(project))
    _assert_untouched(github_standin, BRANCH, head)


@pytest.mark.parametrize("installation_token", [False, True], ids=["user token", "GITHUB_TOKEN (web-flow commits)"])
def test_a_branch_with_only_mlspecs_commits_is_updated(
    project, github_standin: GitHubStandIn, installation_token: bool
) -> None:
    github_standin.state.installation_token = installation_token
    _promote(project, github_standin, make_record(project, "breast-cancer:v1aaaa"))
    first = github_standin.state.branch_sha(BRANCH)
    _promote(project, github_standin, make_record(project, "breast-cancer:v2bbbb"))  # open PR of ours: built on
    (pull,) = github_standin.state.open_pulls()
    assert pull.title.endswith("breast-cancer:v2bbbb")
    history = [github_standin.state.branch_sha(BRANCH)]
    while history[-1] != first:
        history.append(github_standin.state.commits[history[-1]].parents[0])  # the new commits sit on the old ones
    commit = github_standin.state.commits[github_standin.state.branch_sha(BRANCH)]
    assert commit.message.endswith(f"\n\n{TRAILER}: {BRANCH}\n")
    assert commit.committer == ("web-flow" if installation_token else "mlspec-bot")


def test_a_stale_branch_of_mlspec_without_a_pull_request_starts_over(project, github_standin: GitHubStandIn) -> None:
    _promote(project, github_standin, make_record(project, "breast-cancer:v1aaaa"))
    (pull,) = github_standin.state.open_pulls()
    pull.state = "closed"  # closed without merging: the branch stays, holding only mlspec's commits
    github_standin.state.put_file("main", "README.md", "main moved on\n")
    assert _promote(project, github_standin, make_record(project, "breast-cancer:v2bbbb")) == 0
    (reopened,) = github_standin.state.open_pulls()
    assert reopened.number != pull.number and reopened.head == BRANCH
    text = github_standin.state.file_text(BRANCH, STAGING)
    assert parse_deployment(text, STAGING).model.tag == "breast-cancer:v2bbbb"
    assert github_standin.state.file_text(BRANCH, "README.md") == "main moved on\n"  # rebuilt from the base


def test_rollback_leaves_a_foreign_rollback_branch_alone(project, github_standin: GitHubStandIn) -> None:
    _merge(project, _deployment("staging", "v1aaaa", 0.97), standin=github_standin)
    _merge(project, _deployment("staging", "v2bbbb", 0.98), standin=github_standin)
    head = _foreign_branch(github_standin, ROLLBACK)
    pull = _foreign_pull(github_standin, ROLLBACK, author="octocat")
    with pytest.raises(ForeignBranchError, match=f"open pull request #{pull.number} from {ROLLBACK}"):
        rollback_command(str(project / "mlproject.yaml"), "staging", environ=github_standin.env())
    _assert_untouched(github_standin, ROLLBACK, head, pull)


def test_release_leaves_a_branch_with_a_foreign_commit_alone(project, github_standin: GitHubStandIn) -> None:
    _merge(project, _deployment("staging", "v1aaaa", 0.98), standin=github_standin)
    head = _foreign_branch(github_standin, RELEASE, path=PRODUCTION)
    with pytest.raises(ForeignBranchError, match=f"{RELEASE} holds commit {head[:12]}"):
        release_command(str(project / "mlproject.yaml"), "production", "staging", environ=github_standin.env())
    _assert_untouched(github_standin, RELEASE, head)


def test_the_local_target_keeps_a_local_branch_with_someone_elses_commit(project) -> None:
    work = project.parents[1]
    git("checkout", "-qb", BRANCH, cwd=work)
    (project / "deploy").mkdir(exist_ok=True)
    (project / "deploy" / "staging.yaml").write_text("my hand-written deployment\n")
    git("add", "-A", cwd=work)
    git("commit", "-qm", "my own deployment", cwd=work)
    git("checkout", "-q", "main", cwd=work)
    head = git("rev-parse", BRANCH, cwd=work)
    with pytest.raises(ForeignBranchError) as caught:
        promote_loaded(
            load_spec(project / "mlproject.yaml"), make_record(project), "staging", gate_report(True), environ={}
        )
    assert caught.value.message.startswith(f"{BRANCH} holds commit {head[:12]} ('my own deployment') beyond main")
    assert f"`git branch -D {BRANCH}`" in caught.value.hint
    assert git("rev-parse", BRANCH, cwd=work) == head
    assert not (project / ".mlspec" / "promotions").exists()


def test_the_local_target_rebuilds_its_own_branch_and_never_overwrites_origins(project) -> None:
    work = project.parents[1]
    spec = load_spec(project / "mlproject.yaml")
    assert (
        promote_loaded(spec, make_record(project, "breast-cancer:v1aaaa"), "staging", gate_report(True), environ={})
        == 0
    )
    git("commit", "-q", "--allow-empty", "-m", "main moves on", cwd=work)  # the branch no longer holds the base
    assert (
        promote_loaded(spec, make_record(project, "breast-cancer:v2bbbb"), "staging", gate_report(True), environ={})
        == 0
    )
    text = git("show", f"{BRANCH}:{STAGING}", cwd=work)
    assert parse_deployment(text, "x").model.tag == "breast-cancer:v2bbbb"
    assert git("ls-remote", "origin", f"refs/heads/{BRANCH}", cwd=work).split()[0] == git("rev-parse", BRANCH, cwd=work)
    # Someone pushes to origin's branch: the next promotion stops before committing anything.
    other = git("commit-tree", "-p", "main", "-m", "theirs", "main^{tree}", cwd=work)
    git("push", "-q", "--force", "origin", f"{other}:refs/heads/{BRANCH}", cwd=work)
    local = git("rev-parse", BRANCH, cwd=work)
    with pytest.raises(ForeignBranchError, match=f"origin's {BRANCH} is at {other[:12]}"):
        promote_loaded(spec, make_record(project, "breast-cancer:v3cccc"), "staging", gate_report(True), environ={})
    assert git("rev-parse", BRANCH, cwd=work) == local
    assert git("ls-remote", "origin", f"refs/heads/{BRANCH}", cwd=work).split()[0] == other


def test_local_commits_carry_the_trailer_under_the_usual_subject(project) -> None:
    _merge(project, _deployment("staging", "v1aaaa", 0.98))
    assert release_command(str(project / "mlproject.yaml"), "production", "staging", environ={}) == 0
    work = project.parents[1]
    message = git("log", "-1", "--format=%B", RELEASE, cwd=work)
    assert message.splitlines()[0] == "mlspec: promote breast-cancer breast-cancer:v1aaaa to production"
    assert f"{TRAILER}: {RELEASE}" in message
    assert parse_deployment(git("show", f"{RELEASE}:{PRODUCTION}", cwd=work), "x").model.tag == "breast-cancer:v1aaaa"


def test_an_unreadable_origin_is_a_warning_and_its_branch_is_never_overwritten(project, capsys) -> None:
    work = project.parents[1]
    spec = load_spec(project / "mlproject.yaml")
    git("remote", "set-url", "origin", str(work.parent / "gone.git"), cwd=work)
    with pytest.raises(MlspecError, match=f"git push of {BRANCH} to origin failed"):
        promote_loaded(spec, make_record(project), "staging", gate_report(True), environ={})
    assert f"warning: cannot read {BRANCH} on origin" in capsys.readouterr().err
    assert git("rev-parse", BRANCH, cwd=work)  # committed locally; nothing was pushed


# --- The ownership decision itself (mlspec.promote.branch_owner), each branch on its own, without a server: what
# `make mutation MODULE=mlspec/promote/branch_owner.py` reruns per mutant (the `rule_` tests).

_GONE = "nothing was changed (no branch move, no commit, no pull request edit, no comment)"
_OURS = "mlspec-bot"


def _ours(account: str | None) -> bool:
    return account is not None and account.lower() == _OURS


def _commit(message: str | None = None, parents: int = 1, author: str | None = _OURS, committer: str | None = _OURS):
    from mlspec.promote.branch_owner import Commit

    return Commit(
        "0123456789abcdef0123",
        commit_message("mlspec: promote", BRANCH) if message is None else message,
        parents,
        author,
        committer,
    )


def _refusal(commits, files=(STAGING,), *, github: bool = True, push_hint: bool = True) -> ForeignBranchError | None:
    from mlspec.promote.branch_owner import check_commits

    try:
        check_commits(
            BRANCH,
            "main",
            commits,
            files,
            [STAGING, "card.md"],
            identity=_OURS if github else None,
            is_ours=_ours if github else None,
            push_hint=push_hint,
        )
    except ForeignBranchError as error:
        return error
    return None


def test_rule_commit_message_ends_with_the_trailer_line() -> None:
    assert commit_message("mlspec: promote x", BRANCH) == f"mlspec: promote x\n\nMlspec-Branch: {BRANCH}\n"
    assert TRAILER == "Mlspec-Branch"


@pytest.mark.parametrize(
    ("message", "carries"),
    [
        (f"subject\n\nMlspec-Branch: {BRANCH}\n", True),
        (f"subject\n\n  Mlspec-Branch: {BRANCH}  \n", True),  # surrounding blanks of the line do not matter
        (f"Mlspec-Branch: {BRANCH}", True),
        (f"subject\n\nMlspec-Branch: {BRANCH}/other\n", False),  # another branch's trailer
        (f"subject\n\nMlspec-Branch: {ROLLBACK}\n", False),
        (f"subject Mlspec-Branch: {BRANCH}\n", False),  # inside a line is not a trailer
        (f"subject\n\nmlspec-branch: {BRANCH}\n", False),
        ("", False),
    ],
)
def test_rule_the_trailer_is_a_whole_line_naming_this_branch(message: str, carries: bool) -> None:
    from mlspec.promote.branch_owner import carries_trailer

    assert carries_trailer(message, BRANCH) is carries


def test_rule_a_pull_request_of_the_token_account_is_ours_in_any_case() -> None:
    from mlspec.promote.branch_owner import Pull, check_pulls

    check_pulls(BRANCH, "main", [], _OURS)
    check_pulls(BRANCH, "main", [Pull(3, "MLspec-Bot", "main"), Pull(4, _OURS, "main")], "mlspec-BOT")


def test_rule_one_foreign_pull_request_among_ours_refuses_naming_it() -> None:
    from mlspec.promote.branch_owner import Pull, check_pulls

    with pytest.raises(ForeignBranchError) as caught:
        check_pulls(BRANCH, "main", [Pull(3, _OURS, "main"), Pull(7, "mallory", "release")], _OURS)
    assert caught.value.message == (
        f"open pull request #7 from {BRANCH} (into release) was opened by mallory, not by {_OURS} (the account the "
        f"token writes as): {_GONE}"
    )
    assert caught.value.hint == (
        f"mlspec writes only to its own branch and pull request: close #7 (or ask mallory to move that work to "
        f"another branch), delete {BRANCH}, then run again; mlspec then opens its own pull request into main"
    )


def test_rule_a_pull_request_of_a_deleted_account_is_foreign() -> None:
    from mlspec.promote.branch_owner import Pull, check_pulls

    with pytest.raises(ForeignBranchError) as caught:
        check_pulls(BRANCH, "main", [Pull(9, "", "main")], _OURS)
    assert "#9 from" in caught.value.message
    assert "was opened by an account GitHub no longer names, not by mlspec-bot" in caught.value.message
    assert "ask an account GitHub no longer names to move" in (caught.value.hint or "")


def test_rule_commits_of_mlspec_changing_only_its_files_are_ours() -> None:
    assert _refusal([]) is None
    assert _refusal([_commit(), _commit(committer="web-flow")], [STAGING, "card.md"]) is None
    assert _refusal([_commit()], []) is None
    assert _refusal([_commit(author="MLSPEC-bot")]) is None
    assert _refusal([_commit(author=None, committer=None)], github=False) is None  # local: no accounts


@pytest.mark.parametrize(
    ("commit", "reason"),
    [
        (_commit(message="mlspec: promote"), f"its message lacks mlspec's `Mlspec-Branch: {BRANCH}` trailer"),
        (_commit(parents=2), "it has 2 parents (mlspec writes commits with one)"),
        (_commit(parents=0), "it has 0 parents (mlspec writes commits with one)"),
        (_commit(author="mallory"), "its author is mallory, not mlspec-bot"),
        (_commit(author=None), "its author is no GitHub account, not mlspec-bot"),
        (_commit(committer="mallory"), "its committer is mallory, not mlspec-bot"),
        (_commit(committer=None), "its committer is no GitHub account, not mlspec-bot"),
        (_commit(committer="Web-Flow"), "its committer is Web-Flow, not mlspec-bot"),  # GitHub's own name only
    ],
    ids=["trailer", "merge", "root", "author", "no author", "committer", "no committer", "web-flow's case"],
)
def test_rule_each_reason_a_commit_is_foreign(commit, reason: str) -> None:
    error = _refusal([_commit(), commit])
    assert error is not None
    assert error.message == (
        f"{BRANCH} holds commit 0123456789ab ({commit.message.splitlines()[0]!r}) beyond main that mlspec did not "
        f"write: {reason}; {_GONE}"
    )
    assert error.hint == (
        "mlspec writes only to a branch whose commits beyond main are all its own: save that work on another "
        f"branch, delete {BRANCH} (`git push origin --delete {BRANCH}`), then run again"
    )


def test_rule_a_local_branch_checks_trailer_and_parents_but_no_accounts() -> None:
    assert _refusal([_commit(author="mallory", committer="mallory")], github=False) is None
    error = _refusal([_commit(parents=2)], github=False, push_hint=False)
    assert error is not None and "it has 2 parents" in error.message
    assert f"(`git branch -D {BRANCH}`)" in (error.hint or "")
    error = _refusal([_commit(message="x")], github=False, push_hint=False)
    assert error is not None and "lacks mlspec's" in error.message


def test_rule_the_subject_shown_is_the_first_line_cut_at_72() -> None:
    from mlspec.promote.branch_owner import _subject

    assert _subject("") == ""
    assert _subject("  one line  \nmore") == "one line"
    assert _subject("x" * 72) == "x" * 72
    assert _subject("x" * 73) == "x" * 71 + "…"
    error = _refusal([_commit(message="y" * 80)])
    assert error is not None and f"({'y' * 71 + '…'!r})" in error.message


@pytest.mark.parametrize("count", [1, 5, 6, 8])
def test_rule_files_beyond_the_promotion_files_refuse_listing_five(count: int) -> None:
    others = [f"src/f{i}.py" for i in range(count)]
    error = _refusal([_commit()], [STAGING, *reversed(others)], push_hint=False)
    assert error is not None
    shown = ", ".join(others[:5]) + (f" and {count - 5} more" if count > 5 else "")
    assert error.message == (
        f"{BRANCH} changes {shown} beyond main, which mlspec never writes there (only card.md, {STAGING}): {_GONE}"
    )
    assert error.hint == f"save that work on another branch, delete {BRANCH} (`git branch -D {BRANCH}`), then run again"


def test_rule_the_hint_deletes_the_branch_on_origin_unless_told_it_is_local() -> None:
    from mlspec.promote.branch_owner import check_commits

    with pytest.raises(ForeignBranchError) as caught:
        check_commits(BRANCH, "main", [_commit(message="theirs")], [], [])
    assert f"delete {BRANCH} (`git push origin --delete {BRANCH}`)" in (caught.value.hint or "")
