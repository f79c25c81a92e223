"""Escaping of untrusted text (check names, details, paths, trigger values) for GitHub Markdown: thin
names over the one escaper, `mlspec.markdown`."""

from __future__ import annotations

from mlspec import markdown


def plain(text: object, limit: int = 2000) -> str:
    """Literal text from data: no links, images, mentions, HTML; cannot break a table cell or a line."""
    return markdown.text(text, limit)


def code(text: object, limit: int = 300, *, table: bool = False) -> str:
    """Inline code span that the value cannot end early (``table=True`` inside a table cell)."""
    return markdown.code(text, limit, table=table)


def short_digest(digest: str | None, length: int = 12) -> str:
    if not digest:
        return "—"
    algo, _, hexpart = digest.partition(":")
    return f"{algo}:{hexpart[:length]}" if hexpart else digest[:length]


def plural(count: int, noun: str) -> str:
    """`1 check`, `2 checks`, `0 checks`: the count and the noun (its last word) in the right number."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"
