"""tests/collect_marks.py and tests/conftest.py's collection set-up: what `make test-fast` skips importing, that
its workers keep the rewritten test modules, and import jsonschema without building rfc3987_syntax's grammars."""

from __future__ import annotations

import sys

import pytest

from tests.collect_marks import deselects_every_test, module_marks
from tests.helpers import ROOT

FAST = "not slow and not docker"


@pytest.mark.parametrize(
    ("source", "marks"),
    [
        ("pytestmark = pytest.mark.slow\n", {"slow"}),
        ('pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("serve")]\n', {"slow", "xdist_group"}),
        ("pytestmark = [\n    pytest.mark.slow,\n    pytest.mark.docker,\n]\n", {"slow", "docker"}),
        ("@pytest.mark.slow\ndef test_x():\n    pass\n", set()),  # a test's own mark: the module is imported
        ("    pytestmark = pytest.mark.slow\n", set()),  # not at module level
    ],
)
def test_module_marks_reads_the_module_level_pytestmark(source: str, marks: set[str]) -> None:
    assert module_marks("import pytest\n\n" + source) == marks


@pytest.mark.parametrize(
    ("markexpr", "marks", "deselected"),
    [
        (FAST, {"slow"}, True),
        (FAST, {"docker"}, True),
        (FAST, {"slow", "xdist_group"}, True),
        (FAST, {"xdist_group"}, False),  # a test may be fast
        (FAST, set(), False),
        ("slow", {"slow"}, False),
        ("not docker", {"slow"}, False),
        ("not slow or docker", {"slow"}, False),  # a test of the module marked docker is selected
        ("slow and foo and not bar", {"slow"}, False),  # ... or one marked foo only
        ("not slow and foo", {"foo"}, False),
    ],
)
def test_a_module_is_left_out_only_when_no_test_in_it_can_be_selected(
    markexpr: str, marks: set[str], deselected: bool
) -> None:
    assert deselects_every_test(markexpr, marks) is deselected


def test_the_property_module_is_left_out_of_make_test_fast() -> None:
    """It imports hypothesis (1.6 s of CPU per worker) for its two slow tests."""
    source = (ROOT / "tests" / "hosts" / "github" / "test_answers_property.py").read_text("utf-8")
    assert deselects_every_test(FAST, module_marks(source))


def test_test_modules_keep_their_rewritten_bytecode() -> None:
    """PYTHONDONTWRITEBYTECODE (set on the shared machine) made every worker rewrite every test module each run."""
    assert sys.dont_write_bytecode is False


def test_jsonschema_is_imported_without_building_rfc3987_syntax() -> None:
    assert "jsonschema" in sys.modules
    assert "rfc3987_syntax" not in sys.modules, "jsonschema built rfc3987_syntax's Lark grammars in this worker"


@pytest.mark.parametrize("plugin", ["hydra_pytest", "anyio", "platformdirs"])
def test_unused_pytest_plugins_of_dependencies_are_not_loaded(pytestconfig: pytest.Config, plugin: str) -> None:
    """pyproject.toml's addopts: each pytest process (the controller and every worker) imported them for nothing."""
    assert not pytestconfig.pluginmanager.has_plugin(plugin)
    assert pytestconfig.pluginmanager.has_plugin("xdist")  # the check itself sees installed plugins
