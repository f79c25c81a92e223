"""GitHub's path-filter semantics, implemented once.

The CT workflow's `on.push.paths` (evaluated by GitHub), the CI changes job (bash `[[ =~ ]]` over the
regexes made here), the local stage cache and the tests all decide "does this file start CT?" with
the functions below. GitHub's rules (workflow syntax, "filter pattern cheat sheet"):

- a pattern matches the whole repository-relative path;
- `*` matches any characters except `/`; `**` any characters including `/` (`**/` zero or more folders);
- `?` makes the character before it optional; `+` repeats the character before it (one or more);
- `[...]` matches one character listed or in a range (`a-z`, `A-Z`, `0-9`);
- a leading `!` excludes what earlier patterns included; the last pattern that matches a path decides.

Brace alternatives (`{a,b}`) are not part of GitHub's syntax and are rejected."""

from __future__ import annotations

import re
from functools import lru_cache

_ERE_SPECIAL = set(".^$+?*()[]{}|\\")
_CLASS = re.compile(r"^(?:[A-Za-z0-9](?:-[A-Za-z0-9])?)+$")


class PatternError(ValueError):
    """A path pattern GitHub would not read the way it is written."""


def check_pattern(pattern: str) -> None:
    """Raise PatternError (a message for the user) for syntax GitHub does not support."""
    body = pattern[1:] if pattern.startswith("!") else pattern
    if not body:
        raise PatternError(f"path pattern {pattern!r} is empty")
    if "{" in body or "}" in body:
        raise PatternError(
            f"path pattern {pattern!r} uses braces, which GitHub's path filters do not support; "
            "write one pattern per alternative"
        )
    glob_to_regex(pattern)


def _escape(char: str) -> str:
    return "\\" + char if char in _ERE_SPECIAL else char


def _class(pattern: str, start: int) -> tuple[str, int]:
    end = pattern.find("]", start + 1)
    content = pattern[start + 1 : end] if end > start else ""
    if end < 0 or not _CLASS.match(content):
        raise PatternError(
            f"path pattern {pattern!r}: '[...]' must list letters, digits or ranges such as a-z, A-Z, 0-9"
        )
    return "[" + content + "]", end + 1


def _quantified(pattern: str, i: int, out: list[str]) -> None:
    """`?` / `+` apply to the literal character before them."""
    previous = pattern[i - 1] if i > 0 else ""
    if not previous or previous in "*]/?+":
        raise PatternError(
            f"path pattern {pattern!r}: {pattern[i]!r} must follow a letter, digit or punctuation mark "
            f"(GitHub reads it as {'optional' if pattern[i] == '?' else 'one or more of'} the character before it)"
        )
    out.append(pattern[i])


@lru_cache(maxsize=4096)
def glob_to_regex(pattern: str) -> str:
    """The pattern (without its `!`) as an anchored POSIX extended regex, the same in Python's `re` and
    bash's `[[ =~ ]]`."""
    body = pattern[1:] if pattern.startswith("!") else pattern
    out: list[str] = ["^"]
    i = 0
    while i < len(body):
        if body.startswith("**/", i):
            out.append("(.*/)?")
            i += 3
        elif body.startswith("**", i):
            out.append(".*")
            i += 2
        elif body[i] == "*":
            out.append("[^/]*")
            i += 1
        elif body[i] in "?+":
            _quantified(body, i, out)
            i += 1
        elif body[i] == "[":
            text, i = _class(body, i)
            out.append(text)
        else:
            out.append(_escape(body[i]))
            i += 1
    out.append("$")
    return "".join(out)


@lru_cache(maxsize=4096)
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(glob_to_regex(pattern))


def literal(path: str) -> str:
    """A pattern matching the file ``path`` (repository-relative). GitHub gives `+` a meaning and has no
    escape for it, so a `+` in a file name becomes `*` (a slightly wider pattern, never a narrower one)."""
    return path.replace("+", "*")


def matches(patterns: list[str] | tuple[str, ...], path: str) -> bool:
    """Whether a change to ``path`` passes GitHub's filter ``patterns``: the last matching pattern decides."""
    hit = False
    for pattern in patterns:
        negated = pattern.startswith("!")
        if _compiled(pattern).match(path):
            hit = not negated
    return hit


def filter_lines(patterns: list[str] | tuple[str, ...]) -> str:
    """The patterns as `+<regex>` / `-<regex>` lines (a `!` pattern is `-`), for the CI changes job."""
    return "\n".join(("-" if p.startswith("!") else "+") + glob_to_regex(p) for p in patterns)


def lines_match(lines: str, path: str) -> bool:
    """What the CI changes job decides for ``path`` from its `+`/`-` lines: the last matching line wins."""
    hit = False
    for line in lines.splitlines():
        if line and re.search(line[1:], path):
            hit = line[0] == "+"
    return hit
