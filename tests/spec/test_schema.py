from __future__ import annotations

import json

import jsonschema
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
