"""What the tests need to read path filters out of rendered workflows. The matching itself is mlspec's
one implementation (`mlspec.hosts.github.paths`): GitHub's semantics for `on.<event>.paths`, and the `+`/`-` regex
lines the CI changes job evaluates."""

from __future__ import annotations

from mlspec.hosts.github.paths import lines_match as ci_relevant
from mlspec.hosts.github.paths import matches as triggers

__all__ = ["ci_filters", "ci_relevant", "triggers"]


def ci_filters(workflow: dict) -> str:
    """The `+regex`/`-regex` lines a rendered CI workflow's change-detection step matches files with."""
    step = next(s for s in workflow["jobs"]["changes"]["steps"] if s.get("id") == "changes")
    return step["env"]["MLSPEC_PATH_FILTERS"]
