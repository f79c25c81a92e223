"""JSON Schema of mlproject.yaml, generated from the pydantic models."""

from __future__ import annotations

import json
from typing import Any

from mlspec.spec.models import Spec

SCHEMA_ID = "https://mlspec.dev/schemas/mlproject.schema.json"


def json_schema() -> dict[str, Any]:
    schema = Spec.model_json_schema(by_alias=True, mode="validation")
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "mlspec project (mlproject.yaml)",
        **{k: v for k, v in schema.items() if k != "title"},
    }


def schema_text() -> str:
    return json.dumps(json_schema(), indent=2, sort_keys=True) + "\n"
