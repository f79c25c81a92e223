"""What a code host answers when CT asks for the run a merged pull request's report showed (host-neutral, shared
by mlspec/hosts and mlspec/github; GitHub's side is mlspec/github/pr_runs.py, the comparison
mlspec/promote/reviewed.py).

The run's files come from a pull request's CI (untrusted): they are bytes to compare, never a model to load."""

from __future__ import annotations

from dataclasses import dataclass, field

RECORD = "record.json"
PREDICTIONS = "predictions.csv"
WANTED = (RECORD, PREDICTIONS)
MAX_FILE_BYTES = 256 << 20  # one file of the reviewed run's reports
MAX_ARCHIVE_BYTES = 1 << 30  # the reports archive downloaded


@dataclass(frozen=True)
class ReviewedRun:
    """The pull request that merged the commit, its CI run (for the pull request's head commit) and the files of
    that run's reports mlspec compares (``WANTED``; one may be missing)."""

    pull: int
    pull_url: str
    run_id: str
    run_url: str
    head_sha: str
    files: dict[str, bytes] = field(default_factory=dict)


@dataclass(frozen=True)
class NoReviewedRun:
    """Why no reviewed run could be had. ``pull`` is set when a pull request merged the commit (so a review
    happened) but its CI run or reports cannot be found: the caller fails closed then."""

    reason: str
    pull: int | None = None
    pull_url: str | None = None
