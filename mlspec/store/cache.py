"""How a stage reused from the store is said: in the progress line, `mlspec status` and the report
("reused from run X (commit Y)"). The lookup itself is mlspec/pipeline/remote.py."""

from __future__ import annotations

from typing import TYPE_CHECKING

from mlspec.store.stages import Found

if TYPE_CHECKING:
    from mlspec.state.record import RunRecord


def origin_line(found: Found) -> str:
    return f"reused from {found.origin()}"


REUSED = "reused from run "
IN_STORE = " in the store"


def reused_from_store(record: RunRecord) -> list[tuple[str, str]]:
    """(stage, "reused from run X (commit Y)") for each stage of ``record`` taken from the store."""
    found: list[tuple[str, str]] = []
    for result in record.stages:
        message = result.message or ""
        if result.status == "cached" and message.startswith(REUSED) and IN_STORE in message:
            found.append((result.name, message.split(IN_STORE, 1)[0]))
    return found


def reused_lines(record: RunRecord) -> list[str]:
    """The report's lines on the stages reused from the store (none when every stage ran here)."""
    return [
        f"- ♻️ {stage.replace('_', ' ')}: {origin} (model store), not recomputed"
        for stage, origin in reused_from_store(record)
    ]
