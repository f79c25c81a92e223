"""The gate verdict a run last saved (gate.json), as one line for `mlspec status`: a run whose stages passed
read "latest run … (passed)" even when its gate had failed, and a newcomer took that for the go-ahead."""

from __future__ import annotations

import json

from mlspec.state.record import RunStore

GATE_FILE = "gate.json"  # the gate's saved decision in a run's folder (mlspec.gate.decision writes it)


def last_gate_line(store: RunStore, run_id: str) -> str:
    """`gate: NOT passed for … (saved in gate.json; …)`, or that no gate was decided for the run yet. The saved
    verdict may be out of date (a new champion, an edited gate): `mlspec gate` decides it again."""
    path = store.run_dir(run_id) / GATE_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        data = None
    verdict = data.get("verdict") if isinstance(data, dict) else None
    if not isinstance(verdict, str) or not verdict:
        return "gate: not decided for this run yet (`mlspec gate --env ENV` decides it; the stages passing is not the gate)"
    environment = data.get("environment") if isinstance(data, dict) else None
    again = f"mlspec gate --env {environment}" if isinstance(environment, str) and environment else "mlspec gate"
    return f"{verdict} (saved in gate.json; `{again}` decides it again)"
