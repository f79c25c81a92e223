"""Whether a promotion branch (`mlspec/promote/<project>/<env>`, `mlspec/rollback/<project>/<env>`) is mlspec's to
write, decided from reads only, before the first write.

The rule. mlspec writes to a branch (moves it, commits on it, opens or edits its pull request, comments) only when
1. every open pull request from the branch was opened by the account the token writes as, and
2. every commit the branch holds beyond the base branch is mlspec's: its message carries the trailer
   `Mlspec-Branch: <branch>` that mlspec writes on every commit it makes, it has one parent, and, on GitHub, the
   account GitHub attributes its author to is the token's account and its committer is that account or
   `web-flow` (GitHub itself, committing through the API for an app token); and
3. those commits together change nothing but the files this promotion writes (the deploy file and model card).
Otherwise nothing is written and the command exits 1 saying which pull request or commit is in the way and what to
do. A locally made commit has no account, so the local target relies on the trailer, the parents and the files.
A commit written by an earlier mlspec (no trailer) counts as foreign: delete that branch once and run again.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from mlspec.errors import MlspecError

TRAILER = "Mlspec-Branch"
WEB_FLOW = "web-flow"  # the committer GitHub records for commits it makes through the API on an app's behalf
NOTHING_CHANGED = "nothing was changed (no branch move, no commit, no pull request edit, no comment)"


class ForeignBranchError(MlspecError):
    """The promotion branch or its pull request holds work mlspec did not write."""


@dataclass(frozen=True)
class Commit:
    sha: str
    message: str
    parents: int
    author: str | None = None  # GitHub's account of the author (None: no account, or a local commit)
    committer: str | None = None


@dataclass(frozen=True)
class Pull:
    number: int
    author: str
    base: str


def commit_message(subject: str, branch: str) -> str:
    """A commit message of mlspec's: ``subject``, then the trailer that marks the commit as mlspec's on ``branch``."""
    return f"{subject}\n\n{TRAILER}: {branch}\n"


def carries_trailer(message: str, branch: str) -> bool:
    return f"{TRAILER}: {branch}" in (line.strip() for line in message.splitlines())


def _subject(message: str) -> str:
    first = (message.splitlines() or [""])[0].strip()
    return first if len(first) <= 72 else first[:71] + "…"


def check_pulls(branch: str, base: str, pulls: Iterable[Pull], identity: str) -> None:
    """Refuse when an open pull request from ``branch`` was opened by anyone but ``identity``."""
    for pull in pulls:
        if pull.author.lower() != identity.lower():
            who = pull.author or "an account GitHub no longer names"
            raise ForeignBranchError(
                f"open pull request #{pull.number} from {branch} (into {pull.base}) was opened by {who}, not by "
                f"{identity} (the account the token writes as): {NOTHING_CHANGED}",
                hint=f"mlspec writes only to its own branch and pull request: close #{pull.number} (or ask {who} to "
                f"move that work to another branch), delete {branch}, then run again; mlspec then opens its own "
                f"pull request into {base}",
            )


def _foreign_reason(
    commit: Commit, branch: str, identity: str | None, is_ours: Callable[[str | None], bool] | None
) -> str | None:
    if not carries_trailer(commit.message, branch):
        return f"its message lacks mlspec's `{TRAILER}: {branch}` trailer"
    if commit.parents != 1:
        return f"it has {commit.parents} parents (mlspec writes commits with one)"
    if is_ours is not None:
        if not is_ours(commit.author):
            return f"its author is {commit.author or 'no GitHub account'}, not {identity}"
        if not (is_ours(commit.committer) or commit.committer == WEB_FLOW):
            return f"its committer is {commit.committer or 'no GitHub account'}, not {identity}"
    return None


def check_commits(
    branch: str,
    base: str,
    commits: Sequence[Commit],
    files: Iterable[str],
    writes: Iterable[str],
    *,
    identity: str | None = None,
    is_ours: Callable[[str | None], bool] | None = None,
    push_hint: bool = True,
) -> None:
    """Refuse when a commit ``branch`` holds beyond ``base`` is not mlspec's, or the branch changes a file other
    than ``writes``. ``is_ours`` (GitHub) checks the accounts; without it (a local branch) only the trailer,
    parents and files are checked."""
    delete = f"`git push origin --delete {branch}`" if push_hint else f"`git branch -D {branch}`"
    for commit in commits:
        reason = _foreign_reason(commit, branch, identity, is_ours)
        if reason is not None:
            raise ForeignBranchError(
                f"{branch} holds commit {commit.sha[:12]} ({_subject(commit.message)!r}) beyond {base} that mlspec did "
                f"not write: {reason}; {NOTHING_CHANGED}",
                hint=f"mlspec writes only to a branch whose commits beyond {base} are all its own: save that work on "
                f"another branch, delete {branch} ({delete}), then run again",
            )
    allowed = set(writes)
    others = sorted(set(files) - allowed)
    if others:
        shown = ", ".join(others[:5]) + (f" and {len(others) - 5} more" if len(others) > 5 else "")
        raise ForeignBranchError(
            f"{branch} changes {shown} beyond {base}, which mlspec never writes there (only "
            f"{', '.join(sorted(allowed))}): {NOTHING_CHANGED}",
            hint=f"save that work on another branch, delete {branch} ({delete}), then run again",
        )
