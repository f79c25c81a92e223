"""Which test modules `pytest -m EXPR` need not import (tests/conftest.py: pytest_ignore_collect): those whose own
marks (`pytestmark = pytest.mark.slow` or a list of marks) make EXPR false for every test in them. Under
`make test-fast` (-m "not slow and not docker") each xdist worker otherwise imported every slow-only module, and
what it imports (hypothesis, bentoml, ray...), only to deselect all of its tests."""

from __future__ import annotations

import re

from _pytest.mark.expression import Expression

_PYTESTMARK = re.compile(r"^pytestmark\s*=\s*(\[[^\]]*\]|pytest\.mark\.\w+)", re.MULTILINE)
_OPERATORS = {"and", "or", "not"}


def module_marks(source: str) -> set[str]:
    """The marks named by the module-level `pytestmark` of a test module's source."""
    found = _PYTESTMARK.search(source)
    return set(re.findall(r"pytest\.mark\.(\w+)", found.group(1))) if found else set()


def deselects_every_test(markexpr: str, marks: set[str]) -> bool:
    """True when `-m markexpr` is false for a test carrying `marks` whatever other marks the test adds: every
    combination of the other names the expression mentions is tried."""
    if not marks:
        return False
    expression = Expression.compile(markexpr)
    others = sorted(set(re.findall(r"[A-Za-z_]\w*", markexpr)) - _OPERATORS - marks)
    for added in range(2 ** len(others)):
        present = marks | {name for bit, name in enumerate(others) if added >> bit & 1}
        if expression.evaluate(lambda name, /, _present=present, **_kwargs: name in _present):
            return False
    return True
