"""GitHub's `on.<event>.paths` filter semantics for the patterns mlspec generates, for tests."""

from __future__ import annotations

import re


def glob_regex(pattern: str) -> re.Pattern[str]:
    """`**` matches any depth, `*` one path segment, everything else literally."""
    out = ""
    i = 0
    while i < len(pattern):
        if pattern.startswith("**", i):
            out += ".*"
            i += 2
        elif pattern[i] == "*":
            out += "[^/]*"
            i += 1
        else:
            out += re.escape(pattern[i])
            i += 1
    return re.compile(out + r"\Z")


def triggers(paths: list[str], file: str) -> bool:
    """Whether a change to ``file`` starts a workflow with these path filters (later `!` patterns exclude)."""
    hit = False
    for pattern in paths:
        negated = pattern.startswith("!")
        if glob_regex(pattern.lstrip("!")).match(file):
            hit = not negated
    return hit


def ci_filters(workflow: dict) -> str:
    """The `+regex`/`-regex` lines a rendered CI workflow's change-detection step matches files with."""
    step = next(s for s in workflow["jobs"]["changes"]["steps"] if s.get("id") == "changes")
    return step["env"]["MLSPEC_PATH_FILTERS"]


def ci_relevant(filters: str, file: str) -> bool:
    """Python's reading of those lines (the step itself uses bash's `[[ =~ ]]`): last match wins."""
    hit = False
    for line in filters.splitlines():
        if line and re.search(line[1:], file):
            hit = line[0] == "+"
    return hit
