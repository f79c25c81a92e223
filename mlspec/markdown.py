"""The one escaper for text that came from data (column names, check names, error texts, paths, values)
before it reaches GitHub Markdown: PR comments, the promotion PR body, job summaries, report files.

    text(name)               inline text: literal, no links/images/mentions/HTML, safe in a table cell
    code(name)               inline code span that the value cannot break out of
    code(name, table=True)   the same inside a table cell (pipes cannot split the cell)

What data can never produce through these functions: a live link or image (`[x](…)`, `![i](…)`,
`<https://…>`, bare `https://…` / `www.…` / e-mail autolinks), an @mention or team mention, an
issue reference (`#12`, `owner/repo#12`), raw HTML or an HTML entity, a heading, list or quote, a line
break, or a `|` that splits a table cell. Every writer of Markdown (report, gate table, promotion body,
drift summary, job summary) routes data through here; texts the code writes itself are not escaped.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from jinja2.sandbox import SandboxedEnvironment

ZWSP = "\u200b"  # zero-width space: breaks autolinks and mentions without changing what people read
ELLIPSIS = "…"
# ASCII punctuation that can start Markdown syntax anywhere in a line (CommonMark allows a backslash
# before any ASCII punctuation). Every `]` is escaped, so no link, image or link reference definition can
# close; `[` stays readable (e.g. an interval "95% [0.01, 0.03]").
_INLINE = re.compile(r"([\\`*\]|~{}]|<(?=[A-Za-z/!?])|&(?=[A-Za-z#]))")  # `<` of a tag or autolink, `&` of an entity
_UNDERSCORE = re.compile(r"(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])")  # intraword `_` never emphasizes
_LINE_START = re.compile(r"^(\s*)([#+-](?=\s|$)|[=>])")
_NUMBERED = re.compile(r"^(\s*\d{1,9})([.)])(?=\s|$)")
_SCHEME = re.compile(r"(?i)(?<=[a-z0-9])(?=:/)")  # https://… ftp://… : autolink schemes
_WWW = re.compile(r"(?i)\b(www)(?=\.)")
_MENTION = re.compile(r"@")  # @user, @org/team and e-mail addresses
_ISSUE_REF = re.compile(r"#(?=\d)")  # #12 and owner/repo#12
_BIDI = dict.fromkeys(map(ord, "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f"), None)


def _one_line(value: object) -> str:
    """Control characters and line/paragraph separators become spaces; bidi controls are dropped."""
    raw = str(value).translate(_BIDI)
    return "".join(" " if unicodedata.category(ch) in ("Cc", "Zl", "Zp") else ch for ch in raw)


def _cut(value: str, limit: int) -> str:
    limit = max(1, limit)
    return value if len(value) <= limit else value[: limit - 1] + ELLIPSIS


def _defuse_links(value: str) -> str:
    value = _SCHEME.sub(ZWSP, value)
    value = _WWW.sub(lambda m: m.group(1) + ZWSP, value)
    value = _MENTION.sub("@" + ZWSP, value)
    return _ISSUE_REF.sub("#" + ZWSP, value)


def text(value: object, limit: int = 2000) -> str:
    """Literal inline text from data, safe anywhere in a line, also inside a table cell."""
    value = _cut(_one_line(value), limit)
    value = _INLINE.sub(r"\\\1", value)
    value = _UNDERSCORE.sub(r"\\_", value)
    value = _LINE_START.sub(r"\1\\\2", value)
    value = _NUMBERED.sub(r"\1\\\2", value)
    return _defuse_links(value)


def _table_pipes(value: str) -> str:
    """Make every `|` escaped for GitHub's table parser (it pairs backslashes left to right)."""
    out: list[str] = []
    run = 0
    for ch in value:
        if ch == "|" and run % 2 == 0:
            out.append("\\")
        out.append(ch)
        run = run + 1 if ch == "\\" else 0
    return "".join(out)


def code(value: object, limit: int = 300, *, table: bool = False) -> str:
    """An inline code span holding ``value`` literally: the fence is longer than any backtick run inside,
    so the value cannot end it. ``table=True`` when the span sits in a table cell."""
    value = _cut(_one_line(value), limit)
    if table:
        value = _table_pipes(value)
    if not value:
        return "` `"
    longest = max((len(run) for run in re.findall(r"`+", value)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if value.startswith("`") or value.endswith("`") or (value.startswith(" ") and value.endswith(" ")) else ""
    return f"{fence}{pad}{value}{pad}{fence}"


def cell(value: object, limit: int = 300) -> str:
    """Text for a table cell (same as ``text``; named for readability at call sites)."""
    return text(value, limit)


# --- Mermaid ----------------------------------------------------------------------------------------------
# Labels of the Mermaid charts in comments (xychart-beta titles, axis names, x categories) come from data too.
# A label is written as one double-quoted Mermaid string, which ends at the next `"` and may hold anything
# else; around it, Mermaid strips `%%` comments and reads `%%{…}%%` directives anywhere in the text, decodes
# `#name;` entity codes, takes "` as the start of a Markdown string, and a line break ends the statement.
# The chart sits in a ```mermaid fence, which a line starting with ``` or ~~~ would close.
_MERMAID = str.maketrans({'"': "'", "`": "'", "[": "(", "]": ")", "<": "‹", ">": "›"})
_PERCENTS = re.compile(r"%(?=%)")  # %% (comments and directives) -> % %
_ENTITY = re.compile(r"#(?=\w+;)")  # #quot; #60; -> #\u200bquot;


def hidden_marker(kind: str, *names: str) -> str:
    """The hidden HTML comment by which mlspec finds its own text again (the sticky report comment, a promotion
    pull request's body, the model card in it): ``<!-- mlspec:KIND[:NAME…] -->``, from validated spec names."""
    return f"<!-- mlspec:{':'.join((kind, *names))} -->"


def mermaid_label(value: object, limit: int = 60) -> str:
    """A double-quoted Mermaid string holding ``value`` as plain text, on one line: no `"`, brackets, backticks,
    tags, `%%`, entity codes or line breaks get through as syntax (they become look-alikes or are split)."""
    value = _cut(" ".join(_one_line(value).split()), limit)
    value = value.translate(_MERMAID)
    value = _PERCENTS.sub("%" + ZWSP, value)
    value = _ENTITY.sub("#" + ZWSP, value)
    return f'"{_defuse_links(value)}"'  # no URL, mention or issue reference either, should the text be copied


# --- tables -----------------------------------------------------------------------------------------------
# Every Markdown table mlspec writes (report, model card, gate, drift summary, release and rollback notes) is
# a template in mlspec/templates/*.md.j2, rendered in the sandboxed environment of mlspec.templating. Values
# from data reach a cell only through the template filter `md`; cells the code composes itself (formatted
# numbers, icons, "—") are passed in as they are.


_code_span = code  # `code` is also the name of md's flag


def md(value: object, limit: int | None = None, code: bool = False) -> str:
    """The `md` template filter, the one escaper of a table cell: ``text`` (default limit 2000), or with
    ``code=True`` an inline code span that pipes cannot split (``code(…, table=True)``, default limit 300)."""
    if code:
        return _code_span(value, 300 if limit is None else limit, table=True)
    return text(value, 2000 if limit is None else limit)


@functools.cache
def _environment() -> SandboxedEnvironment:
    """Built once per process, on first use (jinja2 is imported only by commands that write Markdown), so
    each template is compiled once."""
    from mlspec.templating import sandboxed

    return sandboxed("mlspec", {"md": md})


def table(template: str, **context: object) -> list[str]:
    """The lines of the table that ``templates/<template>.md.j2`` renders from ``context``."""
    return _environment().get_template(f"{template}.md.j2").render(**context).rstrip("\n").split("\n")
