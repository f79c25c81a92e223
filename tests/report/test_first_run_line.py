"""The report's change line of a first run says so once (issue 13 item 9)."""

from __future__ import annotations

from mlspec.report.markdown import _change_line
from mlspec.state.record import Change


def test_first_run_is_not_said_twice() -> None:
    change = Change(kind="first-run", what="no earlier run", detail="first run of this project")
    assert _change_line(change) == "- first run of this project"
