"""drift.html: deepchecks' HTML for the suite, with plotly.js included once.

deepchecks 0.19 asks plotly for `include_plotlyjs='require'` per figure; plotly 6 dropped
require.js support and embeds the whole library (~4.8 MB) into every figure instead, which made
a 30-feature report ~58 MB. Every copy after the first is removed (they are identical)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mlspec.fsio import atomic_write_text


def dedupe_plotly(html: str) -> str:
    """Drop every <script> block that repeats an earlier one holding plotly.js."""
    out: list[str] = []
    seen: set[str] = set()
    pieces = html.split("</script>")
    for piece in pieces[:-1]:
        start = piece.rfind("<script")
        block = piece[start:] if start >= 0 else ""
        if start >= 0 and "plotly.js v" in block[:400]:
            if block in seen:
                out.append(piece[:start])
                continue
            seen.add(block)
        out.append(piece + "</script>")
    out.append(pieces[-1])
    return "".join(out)


def write_html(suite_result: Any, path: Path, title: str) -> Path:
    body = suite_result.html_serializer.serialize(
        output_id="mlspec-drift", full_html=False, include_plotlyjs=False, include_requirejs=False, connected=False
    )
    html = (
        '<!DOCTYPE html>\n<html>\n<head><meta charset="utf-8"/>'
        f"<title>{_escape(title)}</title></head>\n"
        '<body style="background-color: white; padding: 1rem 1rem 0 1rem;">\n'
        f"{dedupe_plotly(body)}\n</body>\n</html>\n"
    )
    return atomic_write_text(path, html)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
