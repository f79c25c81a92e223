"""Reporters for validation results: text (with snippets), JSON, GitHub annotations and SARIF 2.1.0
(code scanning)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING
from urllib.parse import quote

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


SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_VERSION = "2.1.0"
# What each error kind means, for the rules of the SARIF run (code scanning shows it beside the alert).
RULE_TEXT = {
    "unknown-key": "The spec has a key mlspec does not know (often a typo).",
    "missing-key": "A required key of the spec is missing.",
    "invalid-value": "A value of the spec is out of range or not one of the allowed choices.",
    "invalid-type": "A value of the spec has the wrong type.",
    "yaml": "The spec is not valid YAML.",
    "duplicate-key": "A key appears twice in one mapping of the spec.",
    "file": "The spec file cannot be read.",
    "missing-file": "A file the spec names does not exist.",
    "unknown-metric": "The spec names a metric mlspec does not know.",
    "unknown-check": "The spec names a deepchecks check that does not exist.",
    "unknown-environment": "The spec refers to an environment it does not declare.",
}


def _artifact_uri(path: str) -> str:
    """A SARIF artifact URI: repository-relative paths stay relative (code scanning resolves them against the
    checkout); absolute paths become file URIs."""
    posix = path.replace("\\", "/")
    if posix.startswith("/"):
        return "file://" + quote(posix)
    return quote(posix[2:] if posix.startswith("./") else posix)


def sarif_log(results: Sequence[FileResult]) -> dict[str, object]:
    """One SARIF 2.1.0 log: one run of the tool `mlspec`, one result per error, rule id = the error kind."""
    from mlspec import __version__

    kinds = sorted({issue.kind for result in results for issue in result.issues})
    rules = [
        {
            "id": kind,
            "name": kind,
            "shortDescription": {"text": RULE_TEXT.get(kind, f"mlspec validation error: {kind}")},
            "defaultConfiguration": {"level": "error"},
            "helpUri": "https://github.com/mlspec/mlspec/blob/main/docs/spec-reference.md",
        }
        for kind in kinds
    ]
    sarif_results: list[dict[str, object]] = []
    for result in results:
        for issue in result.issues:
            region: dict[str, int] = {}
            if issue.line >= 1:
                region["startLine"] = issue.line
                if issue.column >= 1:
                    region["startColumn"] = issue.column
            location: dict[str, object] = {"artifactLocation": {"uri": _artifact_uri(issue.file)}}
            if region:
                location["region"] = region
            message = f"{issue.key}: {issue.message}" + (f" ({issue.hint})" if issue.hint else "")
            sarif_results.append(
                {
                    "ruleId": issue.kind,
                    "ruleIndex": kinds.index(issue.kind),
                    "level": "error",
                    "message": {"text": message},
                    "locations": [{"physicalLocation": location}],
                }
            )
    return {
        "$schema": SARIF_SCHEMA,
        "version": SARIF_VERSION,
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "mlspec",
                        "version": __version__,
                        "informationUri": "https://github.com/mlspec/mlspec",
                        "rules": rules,
                    }
                },
                "results": sarif_results,
            }
        ],
    }


def format_sarif(results: Sequence[FileResult]) -> str:
    """SARIF 2.1.0 for GitHub code scanning (`github/codeql-action/upload-sarif`): errors become alerts on the line."""
    return json.dumps(sarif_log(results), indent=2) + "\n"


FORMATTERS = {"text": format_text, "json": format_json, "github": format_github, "sarif": format_sarif}
