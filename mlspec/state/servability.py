"""The servability result of a run (`.mlspec/runs/<id>/servability.json`): written by `mlspec test serving`
(mlspec/serve/check.py) with the record's `serving` stage result (pipeline/on_demand.py), read by the gate (with
that stage result) and promote. Here, in the state layer, so that readers need not
import the serving code (gate, monitor and serve do not import each other)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from mlspec.state.record import RunStore

RESULT_FILE = "servability.json"


def result_path(store: RunStore, run_id: str) -> Path:
    return store.run_dir(run_id) / RESULT_FILE


def read_result(store: RunStore, run_id: str) -> dict[str, Any] | None:
    """The servability result of run ``run_id``, or None when the check did not run (or left garbage)."""
    path = result_path(store, run_id)
    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and data.get("verdict") in ("pass", "fail") else None
