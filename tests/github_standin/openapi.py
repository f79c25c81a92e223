"""GitHub's REST description (../shared/github-api) as request/response validators and example bodies.

The description is OpenAPI 3.0: `nullable: true` is not JSON Schema, so schemas are converted
(`type: X, nullable: true` -> `type: [X, "null"]`) before jsonschema sees them.
"""

from __future__ import annotations

import copy
import functools
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema

from tests.helpers import GITHUB_API_DESCRIPTION

METHODS = ("get", "post", "put", "patch", "delete")


def _convert(schema: Any) -> Any:
    """OpenAPI 3.0 schema -> JSON Schema (nullable handling, drop OpenAPI-only keywords)."""
    if isinstance(schema, list):
        return [_convert(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    out = {key: _convert(value) for key, value in schema.items() if key not in ("nullable", "example", "examples")}
    for key in ("properties", "patternProperties"):
        if isinstance(schema.get(key), dict):
            out[key] = {name: _convert(sub) for name, sub in schema[key].items()}
    if schema.get("nullable") is True:
        kind = out.get("type")
        if isinstance(kind, str):
            out["type"] = [kind, "null"]
            if "enum" in out and None not in out["enum"]:
                out["enum"] = [*out["enum"], None]
        elif isinstance(kind, list):
            if "null" not in kind:
                out["type"] = [*kind, "null"]
        else:
            out = {"anyOf": [out, {"type": "null"}]}
    return out


@dataclass(frozen=True)
class Operation:
    operation_id: str
    method: str
    path: str
    raw: dict[str, Any]

    @functools.cached_property
    def request_schema(self) -> dict[str, Any] | None:
        content = self.raw.get("requestBody", {}).get("content", {}).get("application/json")
        return _convert(content["schema"]) if content else None

    def response_schema(self, status: int) -> dict[str, Any] | None:
        response = self.raw.get("responses", {}).get(str(status))
        content = (response or {}).get("content", {}).get("application/json")
        return _convert(content["schema"]) if content and "schema" in content else None

    def documents_status(self, status: int) -> bool:
        return str(status) in self.raw.get("responses", {})

    def example(self, status: int) -> Any:
        response = self.raw["responses"][str(status)]
        examples = response["content"]["application/json"]["examples"]
        chosen = examples.get("default") or next(iter(examples.values()))
        return copy.deepcopy(chosen["value"])


class Description:
    def __init__(self, path: Path = GITHUB_API_DESCRIPTION) -> None:
        data = json.loads(Path(path).read_text("utf-8"))
        self.operations: dict[str, Operation] = {}
        for template, item in data["paths"].items():
            for method, raw in item.items():
                if method in METHODS:
                    op = Operation(raw["operationId"], method.upper(), template, raw)
                    self.operations[op.operation_id] = op
        self._validators: dict[tuple[str, str], jsonschema.protocols.Validator] = {}

    def operation(self, operation_id: str) -> Operation:
        return self.operations[operation_id]

    def _validator(self, key: tuple[str, str], schema: dict[str, Any]) -> Any:
        if key not in self._validators:
            self._validators[key] = jsonschema.Draft202012Validator(schema)
        return self._validators[key]

    def request_errors(self, operation_id: str, body: Any) -> list[str]:
        schema = self.operation(operation_id).request_schema
        if schema is None:
            return [] if body in (None, b"", "") else [f"{operation_id} takes no request body"]
        return _messages(self._validator((operation_id, "request"), schema), body)

    def response_errors(self, operation_id: str, status: int, body: Any) -> list[str]:
        op = self.operation(operation_id)
        if not op.documents_status(status):
            return [f"{operation_id}: status {status} is not documented"]
        schema = op.response_schema(status)
        if schema is None:
            return []
        return _messages(self._validator((operation_id, str(status)), schema), body)


def _messages(validator: Any, body: Any) -> list[str]:
    errors = sorted(validator.iter_errors(body), key=lambda e: list(e.absolute_path))
    return [f"{'/'.join(str(p) for p in e.absolute_path) or '<root>'}: {e.message[:300]}" for e in errors]


@functools.lru_cache(maxsize=1)
def description() -> Description:
    return Description()


def rebase_urls(value: Any, api_url: str, web_url: str, owner: str, repo: str) -> Any:
    """Point every documented example url at the stand-in (github3 follows urls in responses)."""
    text = json.dumps(value)
    text = text.replace("https://api.github.com/repos/octocat/Hello-World", f"{api_url}/repos/{owner}/{repo}")
    text = text.replace("https://api.github.com", api_url)
    text = text.replace("https://github.com/octocat/Hello-World", f"{web_url}/{owner}/{repo}")
    text = re.sub(r"https://github\.com", web_url, text)
    return json.loads(text)
