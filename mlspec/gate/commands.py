"""`mlspec gate [SPEC] [--env ENV] [--format text|json]`."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from mlspec.errors import EXIT_FAILED, EXIT_OK
from mlspec.fsio import atomic_write_json
from mlspec.gate.evaluate import evaluate_gates
from mlspec.gate.results import GateReport
from mlspec.state.record import RunStore

GATE_FILE = "gate.json"


def save_gate_report(store: RunStore, report: GateReport) -> Path:
    return atomic_write_json(store.run_dir(report.run_id) / GATE_FILE, report.to_dict())


def gate_command(spec: str, env: str | None = None, format: str = "text") -> int:  # noqa: A002 - CLI dest
    from mlspec.spec import load_spec

    loaded = load_spec(Path(spec))
    store = RunStore(loaded.root)
    record = store.latest()
    report = evaluate_gates(loaded, record, env)
    path = save_gate_report(store, report)
    if format == "json":
        print(json.dumps(report.to_dict(), indent=2, sort_keys=True))
    else:
        print(report.text_table())
        from mlspec.fsio import display_path

        print(f"wrote {display_path(path)}", file=sys.stderr)
    return EXIT_OK if report.passed else EXIT_FAILED
