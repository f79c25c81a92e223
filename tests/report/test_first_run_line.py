"""The report's change line of a first run says so once (issue 13 item 9)."""

from __future__ import annotations

from mlspec.record import Change
from mlspec.report.markdown import _change_line


def test_first_run_is_not_said_twice() -> None:
    change = Change(kind="first-run", what="no earlier run", detail="first run of this project")
    assert _change_line(change) == "- first run of this project"
