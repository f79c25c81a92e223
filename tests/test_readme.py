"""What the README tells a new user works today (issue 22 item 13): its install commands install something
that exists, its first two commands stay `make demo` and `make test`, and one supported Python range is said
everywhere (pyproject, its classifiers, README, Makefile)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _shell_lines(text: str) -> list[str]:
    blocks = re.findall(r"```sh\n(.*?)```", text, re.S)
    return [re.sub(r"\s+#.*$", "", line).strip() for block in blocks for line in block.splitlines() if line.strip()]


def test_the_first_two_commands_are_make_demo_and_make_test() -> None:
    assert _shell_lines(README)[:2] == ["make demo", "make test"]


def test_no_install_command_names_a_release_that_is_not_published() -> None:
    """`pip install mlspec-gitops` (the tutorial's first command) failed: nothing is on PyPI. Every pip install
    in a README command installs from a clone or from git."""
    installs = [line for line in _shell_lines(README) if line.startswith("pip install")]
    assert installs, "the tutorial installs mlspec"
    for line in installs:
        assert re.fullmatch(r'pip install (-e \S+|"mlspec-gitops @ git\+https://\S+")', line), line
    tutorial = README[README.index("### 1. Install and scaffold") :]
    first = _shell_lines(tutorial)[:2]
    assert first[0].startswith("git clone ") and first[1] == "pip install -e ./mlspec"


def test_one_python_range_everywhere() -> None:
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")  # tomllib is 3.11+: read the two keys
    assert re.findall(r'^requires-python = "(.*)"$', pyproject, re.M) == [">=3.10,<3.13"]
    assert re.findall(r'"Programming Language :: Python :: (3\.\d+)"', pyproject) == ["3.10", "3.11", "3.12"]
    said = "Python 3.10 to 3.12"
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert said in README and said in makefile
    for text in (README, makefile, (ROOT / "actions" / "setup" / "install.sh").read_text(encoding="utf-8")):
        assert not re.search(r"Python 3\.1\d\+", text)  # "3.10+" / "3.11+" said another range
