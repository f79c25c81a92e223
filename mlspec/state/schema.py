"""JSON Schemas of the files mlspec writes for other tools to read: the run record and the deploy file.

Generated from the pydantic models (`mlspec schema record|deploy`, `make schema` writes them to schemas/).
They describe what this version writes: every key declared, no other key allowed. Reading is more lenient
than the schema for run records (keys of other mlspec versions are dropped: mlspec/state/record.py).
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel

from mlspec.state.deploy import Deployment
from mlspec.state.record import RunRecord

BASE_ID = "https://mlspec.dev/schemas/"
SCHEMAS: dict[str, tuple[type[BaseModel], str, str]] = {
    # name: (model, file under schemas/, title)
    "record": (RunRecord, "record.schema.json", "mlspec run record (.mlspec/runs/<run-id>/record.json)"),
    "deploy": (Deployment, "deploy.schema.json", "mlspec deployment (deploy/<env>.yaml)"),
}


def json_schema(name: str) -> dict[str, Any]:
    model, filename, title = SCHEMAS[name]
    schema = model.model_json_schema(mode="serialization")
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": BASE_ID + filename,
        "title": title,
        **{k: v for k, v in schema.items() if k != "title"},
    }


def schema_text(name: str) -> str:
    return json.dumps(json_schema(name), indent=2, sort_keys=True) + "\n"
