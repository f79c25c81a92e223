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


def released_versions(changelog: str) -> list[str]:
    """The versions CHANGELOG.md says were released (`## X.Y.Z (YYYY-MM-DD)`, written by the release PR), newest
    first; `## 0.1.0` without a date was never published."""
    return re.findall(r"^## (\d+\.\d+\.\d+) \(\d{4}-\d{2}-\d{2}\)$", changelog, re.M)


def test_released_versions_are_the_dated_changelog_sections() -> None:
    text = "# Changelog\n\n## Unreleased\n\n## 0.3.0 (2027-02-01)\n\n- b\n\n## 0.2.0 (2027-01-01)\n\n- a\n\n## 0.1.0\n"
    assert released_versions(text) == ["0.3.0", "0.2.0"]
    assert released_versions("## Unreleased\n\n## 0.1.0\n") == []


def test_the_first_install_line_works_today() -> None:
    """`pip install mlspec-gitops` (the tutorial's first command) failed: nothing was on PyPI. Until CHANGELOG.md
    names a release, every pip install of the README installs from a clone or from git and the tutorial starts
    with the clone; from the first release on, the tutorial's first command installs the newest release by
    version (the release workflow published it, and `scripts/release_pin.py prepare` moves the version)."""
    released = released_versions((ROOT / "CHANGELOG.md").read_text(encoding="utf-8"))
    installs = [line for line in _shell_lines(README) if line.startswith("pip install")]
    assert installs, "the tutorial installs mlspec"
    tutorial = README[README.index("### 1. Install and scaffold") :]
    first = _shell_lines(tutorial)[:2]
    if not released:
        for line in installs:
            assert re.fullmatch(r'pip install (-e \S+|"mlspec-gitops @ git\+https://\S+")', line), line
        assert first[0].startswith("git clone ") and first[1] == "pip install -e ./mlspec"
    else:
        assert first[0] == f"pip install mlspec-gitops=={released[0]}", (first, released)


def test_one_python_range_everywhere() -> None:
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")  # tomllib is 3.11+: read the two keys
    assert re.findall(r'^requires-python = "(.*)"$', pyproject, re.M) == [">=3.10,<3.13"]
    assert re.findall(r'"Programming Language :: Python :: (3\.\d+)"', pyproject) == ["3.10", "3.11", "3.12"]
    said = "Python 3.10 to 3.12"
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert said in README and said in makefile
    for text in (README, makefile, (ROOT / "actions" / "setup" / "install.sh").read_text(encoding="utf-8")):
        assert not re.search(r"Python 3\.1\d\+", text)  # "3.10+" / "3.11+" said another range
