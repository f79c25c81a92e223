"""scripts/release_pin.py on a copy of this repository: the release PR's edits (version, CHANGELOG, the
version beside every pin), the tag check the release workflow runs first, and the pin PR's edits, after
which the examples and the golden files still equal what `mlspec render` of that copy writes for the
tagged commit, and the reusable workflow names that commit."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.acceptance.act.runner import export_worktree
from tests.helpers import ROOT, SOURCE_COMMIT

SCRIPT = ROOT / "scripts" / "release_pin.py"
TAGGED = "0123456789abcdef0123456789abcdef01234567"


def _script(copy: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), "--root", str(copy), *args], capture_output=True, text=True, timeout=60
    )


def _in_copy(copy: Path, *argv: str, commit: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MLSPEC_")}
    env.update(PYTHONPATH=str(copy), MLSPEC_SOURCE_COMMIT=commit)
    return subprocess.run([sys.executable, *argv], cwd=copy, env=env, capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("release") / "repo"
    for folder in ("mlspec", "examples", ".github", "tests/golden", "schemas"):
        export_worktree(ROOT / folder, target / folder)
    for name in ("README.md", "CHANGELOG.md", "tests/__init__.py", "tests/helpers.py", "pyproject.toml"):
        (target / name).parent.mkdir(parents=True, exist_ok=True)
        (target / name).write_bytes((ROOT / name).read_bytes())
    return target


def test_prepare_then_tag_check_then_pin(copy: Path) -> None:
    old = re.search(r'__version__ = "(.*)"', (copy / "mlspec/__init__.py").read_text()).group(1)
    unreleased = (copy / "CHANGELOG.md").read_text().split("## Unreleased\n", 1)[1].split("\n## ", 1)[0].strip()
    assert unreleased.startswith("- ")

    refused = _script(copy, "check-tag", "v9.9.9")
    assert refused.returncode == 1 and "does not name the version in mlspec/__init__.py" in refused.stderr

    readme = copy / "README.md"
    readme.write_text(readme.read_text().replace("```sh\n", f"```sh\npip install mlspec-gitops=={old}\n", 1))
    done = _script(copy, "prepare", "9.9.9", "--date", "2027-01-02")
    assert done.returncode == 0, done.stderr
    assert "pip install mlspec-gitops==9.9.9\n" in readme.read_text()
    assert '__version__ = "9.9.9"' in (copy / "mlspec/__init__.py").read_text()
    changelog = (copy / "CHANGELOG.md").read_text()
    assert f"## Unreleased\n\n## 9.9.9 (2027-01-02)\n\n{unreleased}\n\n## {old}" in changelog
    reusable = (copy / ".github/workflows/mlspec-pipeline.yml").read_text()
    assert set(re.findall(r"mlspec/mlspec/actions/[a-z-]+@(\S+) # v(\S+)", reusable)) == {(SOURCE_COMMIT, "9.9.9")}

    again = _script(copy, "prepare", "9.9.10")
    assert again.returncode == 1 and "lists no changes" in again.stderr  # nothing new under Unreleased
    older = _script(copy, "prepare", "0.0.1")
    assert older.returncode == 1 and "not newer than the current 9.9.9" in older.stderr

    assert _script(copy, "check-tag", "v9.9.9").returncode == 0
    assert _script(copy, "notes", "9.9.9").stdout == unreleased + "\n"  # the GitHub release's notes
    assert _script(copy, "notes", "9.9.8").returncode == 1
    assert _script(copy, "check-tag", "v9.9.8").returncode == 1

    bad = _script(copy, "pin", "--commit", "main")
    assert bad.returncode == 1 and "40-hex" in bad.stderr
    pinned = _script(copy, "pin", "--commit", TAGGED)
    assert pinned.returncode == 0, pinned.stderr
    assert "updated tests/helpers.py" in pinned.stdout
    reusable = (copy / ".github/workflows/mlspec-pipeline.yml").read_text()
    assert set(re.findall(r"mlspec/mlspec/actions/[a-z-]+@(\S+) # v(\S+)", reusable)) == {(TAGGED, "9.9.9")}
    assert f'SOURCE_COMMIT = "{TAGGED}"' in (copy / "tests/helpers.py").read_text()
    everything = "".join(p.read_text() for p in (copy / "examples").glob("**/.github/workflows/*.yml"))
    assert SOURCE_COMMIT not in everything and "# v0." not in everything

    # What mlspec of the released copy renders for the tagged commit is what the pin PR wrote.
    for example in ("examples/breast-cancer", "examples/monorepo"):
        check = _in_copy(copy, "-m", "mlspec", "render", "--check", "--root", example, commit=TAGGED)
        assert check.returncode == 0, check.stdout + check.stderr
    golden = _in_copy(
        copy, "-c", "from tests.golden import rendered, stored; assert rendered() == stored()", commit=TAGGED
    )
    assert golden.returncode == 0, golden.stderr
    version = _in_copy(copy, "-m", "mlspec", "--version", commit=TAGGED)
    assert version.stdout.strip() == f"mlspec 9.9.9 commit {TAGGED}"


def test_the_render_check_sees_a_pin_the_script_missed(copy: Path) -> None:
    """The check above has teeth: a stale commit in an example's workflow is render drift."""
    workflow = next((copy / "examples/breast-cancer/.github/workflows").glob("*-ci.yml"))
    text = workflow.read_text()
    try:
        workflow.write_text(text.replace(TAGGED, SOURCE_COMMIT, 1))
        check = _in_copy(copy, "-m", "mlspec", "render", "--check", "--root", "examples/breast-cancer", commit=TAGGED)
        assert check.returncode == 1
    finally:
        workflow.write_text(text)
