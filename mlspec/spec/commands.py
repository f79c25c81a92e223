"""`mlspec validate` and `mlspec schema`."""

from __future__ import annotations

import sys
from pathlib import Path

from mlspec.collector import fewer_collections
from mlspec.errors import EXIT_FAILED, EXIT_OK
from mlspec.fsio import atomic_write_text
from mlspec.ownership import check_separate_state
from mlspec.spec.reporters import FORMATTERS
from mlspec.spec.validate import check_files


def validate_command(specs: list[str], format: str = "text", no_file_checks: bool = False) -> int:
    paths = [Path(p) for p in specs] or [Path("mlproject.yaml")]
    check_separate_state(paths)
    with fewer_collections():
        results = check_files(paths, check_files=not no_file_checks)
    sys.stdout.write(FORMATTERS[format](results))
    if format == "text":
        from mlspec.spec.notes import default_note

        for note in [default_note(r.spec) for r in results if r.ok and r.spec is not None]:
            if note:
                print(note, file=sys.stderr)
    return EXIT_OK if all(r.ok for r in results) else EXIT_FAILED


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
