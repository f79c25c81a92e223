"""Markdown reference of every spec field, generated from the JSON Schema (docs/spec-reference.md)."""

from __future__ import annotations

import json
from typing import Any

from mlspec.spec.schema import json_schema


def _type(info: dict[str, Any], defs: dict[str, Any]) -> str:
    if "$ref" in info:
        return f"[{info['$ref'].split('/')[-1]}](#{info['$ref'].split('/')[-1].lower()})"
    if "enum" in info:
        return " \\| ".join(f"`{v}`" for v in info["enum"])
    if "const" in info:
        return f"`{info['const']}`"
    if "anyOf" in info:
        parts = [_type(p, defs) for p in info["anyOf"] if p.get("type") != "null"]
        return " or ".join(parts) + (" (optional)" if any(p.get("type") == "null" for p in info["anyOf"]) else "")
    kind: str = info.get("type", "any")
    if kind == "array":
        return f"list of {_type(info.get('items', {}), defs)}"
    if kind == "object":
        return "mapping"
    return kind


def _default(info: dict[str, Any], required: bool) -> str:
    if required:
        return "**required**"
    if "default" in info:
        return f"`{json.dumps(info['default'])}`"
    return "computed"


def _section(name: str, definition: dict[str, Any], defs: dict[str, Any]) -> list[str]:
    lines = [f"### {name}", "", definition.get("description", "").strip(), ""]
    lines += ["| key | type | default | description |", "|---|---|---|---|"]
    required = set(definition.get("required", []))
    for key, info in definition.get("properties", {}).items():
        description = info.get("description") or defs.get(info.get("$ref", "").split("/")[-1], {}).get(
            "description", ""
        )
        description = " ".join(str(description).split()).replace("|", "\\|")
        lines.append(f"| `{key}` | {_type(info, defs)} | {_default(info, key in required)} | {description} |")
    return lines + [""]


def metrics_section() -> list[str]:
    """The metric names `evaluate.metrics` and `gates[].metric` accept, per task, from mlspec.metrics_catalog."""
    from mlspec.metrics_catalog import DEFAULT_METRICS, METRICS

    lines = [
        "## Metrics by task",
        "",
        "The names `evaluate.metrics` and `gates[].metric` accept for each `evaluate.task`, which way is better",
        "(gates and the report read deltas in that direction), and the ones computed when `evaluate.metrics` is",
        "not set. All are computed on the test set.",
        "",
        "| task | metric | better | default |",
        "|---|---|---|:-:|",
    ]
    for task, metrics in METRICS.items():
        for metric, direction in metrics.items():
            default = "✓" if metric in DEFAULT_METRICS[task] else ""
            lines.append(f"| `{task}` | `{metric}` | {direction} | {default} |")
    return lines + [""]


def reference_markdown() -> str:
    schema = json_schema()
    defs = schema.get("$defs", {})
    lines = [
        "# mlproject.yaml reference",
        "",
        "Generated from the pydantic models and `mlspec/metrics_catalog.py` by `python -m mlspec.spec.reference`"
        " (`make schema`); do not edit.",
        "Unknown keys are errors. Paths are relative to the folder of the spec file.",
        "",
    ]
    lines += metrics_section()
    lines += _section("Spec (top level)", schema, defs)
    for name in sorted(defs):
        lines += _section(name, defs[name], defs)
    return "\n".join(lines).rstrip() + "\n"


if __name__ == "__main__":
    import sys

    from mlspec.fsio import atomic_write_text

    target = sys.argv[1] if len(sys.argv) > 1 else "docs/spec-reference.md"
    atomic_write_text(target, reference_markdown())
    print(f"wrote {target}")
