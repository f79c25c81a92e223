"""Reporters for validation results: text (with snippets), JSON and GitHub annotations."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mlspec.spec.validate import FileResult


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def format_text(results: Sequence[FileResult], *, summary: bool = True) -> str:
    lines: list[str] = []
    for result in results:
        for issue in result.issues:
            lines.append(f"{issue.file}:{issue.line}:{issue.column}: {issue.key}: {issue.message} [{issue.kind}]")
            if issue.snippet:
                lines.append(issue.snippet)
            if issue.hint:
                lines.append(f"  hint: {issue.hint}")
    if summary:
        errors = sum(len(r.issues) for r in results)
        bad = sum(1 for r in results if r.issues)
        if errors:
            lines.append(f"{_plural(errors, 'error')} in {_plural(bad, 'file')} ({len(results)} checked)")
        else:
            lines.append(f"ok: {_plural(len(results), 'spec')} valid")
    return "\n".join(lines) + "\n"


def format_json(results: Sequence[FileResult]) -> str:
    payload = {
        "valid": all(r.ok for r in results),
        "files": [
            {"file": r.display, "valid": r.ok, "issues": [issue.as_dict() for issue in r.issues]} for r in results
        ],
    }
    return json.dumps(payload, indent=2) + "\n"


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def format_github(results: Sequence[FileResult]) -> str:
    """GitHub Actions workflow commands, so errors show on the changed lines of a PR."""
    lines = []
    for result in results:
        for issue in result.issues:
            message = f"{issue.key}: {issue.message}" + (f" ({issue.hint})" if issue.hint else "")
            lines.append(
                f"::error file={_escape_property(issue.file)},line={issue.line},col={issue.column},"
                f"title={_escape_property('mlspec ' + issue.kind)}::{_escape_data(message)}"
            )
    return "\n".join(lines) + ("\n" if lines else "")


FORMATTERS = {"text": format_text, "json": format_json, "github": format_github}
