from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
import yaml

from mlspec.spec.schema import json_schema, schema_text
from tests.helpers import EXAMPLES, ROOT

COMMITTED = ROOT / "schemas" / "mlproject.schema.json"


def test_committed_schema_is_up_to_date() -> None:
    assert COMMITTED.read_text() == schema_text(), "schemas/mlproject.schema.json is stale: run `make schema`"


def test_every_field_has_a_description() -> None:
    schema = json_schema()
    missing = []
    for name, definition in [("Spec", schema), *schema.get("$defs", {}).items()]:
        for field, info in definition.get("properties", {}).items():
            if "description" not in info:
                missing.append(f"{name}.{field}")
    assert missing == []


def test_examples_validate_against_json_schema() -> None:
    validator = jsonschema.Draft202012Validator(json.loads(COMMITTED.read_text()))
    for spec in EXAMPLES.rglob("mlproject.yaml"):
        assert list(validator.iter_errors(yaml.safe_load(spec.read_text()))) == [], spec


def test_json_schema_rejects_unknown_keys() -> None:
    validator = jsonschema.Draft202012Validator(json.loads(COMMITTED.read_text()))
    spec = yaml.safe_load((EXAMPLES / "breast-cancer" / "mlproject.yaml").read_text())
    spec["data"]["lable"] = "x"
    assert any("lable" in e.message for e in validator.iter_errors(spec))


def test_spec_reference_is_up_to_date() -> None:
    from mlspec.spec.reference import reference_markdown

    committed = (ROOT / "docs" / "spec-reference.md").read_text()
    assert committed == reference_markdown(), "docs/spec-reference.md is stale: run `make schema`"


def _check_jsonschema(*args: str) -> subprocess.CompletedProcess[str]:
    """check-jsonschema as editors and SchemaStore use it: patterns are checked as ECMA-262 regular expressions."""
    tool = Path(sys.executable).with_name("check-jsonschema")
    return subprocess.run([str(tool), *args], cwd=ROOT, capture_output=True, text=True, timeout=300)


@pytest.mark.slow  # one of the slowest of `make test-fast` (measured with --durations): runs in `make test`
def test_published_schemas_pass_check_jsonschemas_metaschema_check() -> None:
    schemas = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "schemas").glob("*.json"))
    assert "schemas/mlproject.schema.json" in schemas
    result = _check_jsonschema("--check-metaschema", *schemas)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.slow  # one of the slowest of `make test-fast` (measured with --durations): runs in `make test`
def test_every_example_and_valid_case_passes_check_jsonschema() -> None:
    specs = sorted(
        str(p.relative_to(ROOT))
        for p in [*EXAMPLES.rglob("mlproject.yaml"), *(ROOT / "tests" / "cases" / "valid").glob("*/mlproject.yaml")]
    )
    assert len(specs) >= 8
    result = _check_jsonschema("--schemafile", "schemas/mlproject.schema.json", *specs)
    assert result.returncode == 0, result.stdout + result.stderr


def test_column_names_with_quotes_are_refused_by_the_schema_as_by_mlspec() -> None:
    """The pattern lost its `\\"`/`\\'` escapes (invalid in ECMA-262), not its meaning."""
    from mlspec.spec.models import COLUMN_PATTERN

    for name, allowed in [("age", True), ("lot size", True), ('a"b', False), ("a'b", False), ("a\\b", False)]:
        assert (re.fullmatch(COLUMN_PATTERN, name) is not None) is allowed, name
