"""`mlspec gate [SPEC] [--env ENV] [--format text|json]`: decides the gate and writes the decision
(`.mlspec/runs/<id>/gate.json`, see mlspec.gate.decision) that `mlspec report` and `mlspec promote` read."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from mlspec.errors import EXIT_FAILED, EXIT_OK
from mlspec.fsio import display_path
from mlspec.gate.decision import GATE_FILE, decide
from mlspec.state.record import RunStore

__all__ = ["GATE_FILE", "gate_command"]


def gate_command(spec: str, env: str | None = None, format: str = "text") -> int:  # noqa: A002 - CLI dest
    from mlspec.spec import load_spec

    loaded = load_spec(Path(spec))
    record = RunStore(loaded.root).latest()
    report, path = decide(loaded, record, env)
    if format == "json":
        print(json.dumps(report.to_dict(), indent=2, sort_keys=True))
    else:
        print(report.text_table())
        print(f"wrote {display_path(path)}", file=sys.stderr)
    return EXIT_OK if report.passed else EXIT_FAILED
