"""Escaping of untrusted text (check names, details, paths, trigger values) for GitHub Markdown."""

from __future__ import annotations

import re

_TAG_START = re.compile(r"<(?=[A-Za-z/!?])")


def plain(text: object, limit: int = 2000) -> str:
    """Text that cannot open HTML tags, break table cells or run over ``limit`` characters."""
    value = str(text).replace("\r", " ").replace("\n", " ").replace("|", "\\|")
    value = _TAG_START.sub("&lt;", value)
    return value if len(value) <= limit else value[: limit - 1] + "…"


def code(text: object, limit: int = 300) -> str:
    """Inline code span (backticks removed from the content)."""
    value = str(text).replace("`", "'").replace("\r", " ").replace("\n", " ").replace("|", "\\|")
    value = value if len(value) <= limit else value[: limit - 1] + "…"
    return f"`{value}`"


def short_digest(digest: str | None, length: int = 12) -> str:
    if not digest:
        return "—"
    algo, _, hexpart = digest.partition(":")
    return f"{algo}:{hexpart[:length]}" if hexpart else digest[:length]
