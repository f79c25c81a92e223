"""`mlspec schema [spec|record|deploy]`: the JSON Schema of mlproject.yaml (mlspec/spec/schema.py), or of a run
record or deploy file (mlspec/state/schema.py). Above both packages, so that spec/ imports nothing of state/."""

from __future__ import annotations

import sys

from mlspec.errors import EXIT_OK
from mlspec.fsio import atomic_write_text


def schema_command(output: str | None = None, of: str = "spec") -> int:
    """The JSON Schema of a spec (mlspec/spec/schema.py), or of a run record or deploy file (mlspec/state/schema.py)."""
    if of == "spec":
        from mlspec.spec.schema import schema_text

        text = schema_text()
    else:
        from mlspec.state import schema

        text = schema.schema_text(of)
    if output:
        atomic_write_text(output, text)
        print(f"wrote {output}")
    else:
        sys.stdout.write(text)
    return EXIT_OK
