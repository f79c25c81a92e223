"""`mlspec gate [SPEC] [--env ENV] [--format text|json]`: decides the gate and writes the decision
(`.mlspec/runs/<id>/gate.json`, see mlspec.gate.decision) that `mlspec report` and `mlspec promote` read."""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING

from mlspec.errors import EXIT_FAILED, EXIT_OK
from mlspec.fsio import display_path
from mlspec.gate.decision import GATE_FILE, decide
from mlspec.project import Project

if TYPE_CHECKING:
    from mlspec.project import ProjectLike

__all__ = ["GATE_FILE", "gate_command"]


def gate_command(spec: ProjectLike, env: str | None = None, format: str = "text") -> int:  # noqa: A002 - CLI dest
    project = Project.of(spec)
    project.load()
    record = project.runs.latest()
    report, path = decide(project, record, env)
    if format == "json":
        print(json.dumps(report.to_dict(), indent=2, sort_keys=True))
    else:
        print(report.text_table())
        print(f"wrote {display_path(path)}", file=sys.stderr)
    return EXIT_OK if report.passed else EXIT_FAILED
