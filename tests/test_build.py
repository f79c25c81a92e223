"""The distributions built from a git checkout the way the release workflow builds them (`uv build`: the
sdist, then the wheel from that sdist) carry the version and the commit: the sdist ships
mlspec/_source.json (hatch_build.py) because an unpacked sdist has no git history to ask. Before, the
wheel built from the sdist had no commit, and `mlspec render` of an installed release fell back to the tag.
scripts/release_check.py (the release workflow's check of them) passes them and names what is wrong in a
tampered copy."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tarfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from mlspec import __version__
from tests.acceptance.act.runner import export_worktree
from tests.helpers import ROOT, git, init_repo

BIN = Path(sys.executable).parent
CHECK = ROOT / "scripts" / "release_check.py"


@dataclass
class Built:
    checkout: Path
    dist: Path
    head: str


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    base = tmp_path_factory.mktemp("build")
    checkout = base / "checkout"
    for folder in ("mlspec", "schemas", "actions", "requirements", "tests/acceptance/corpus"):
        export_worktree(ROOT / folder, checkout / folder)
    for name in ("pyproject.toml", "hatch_build.py", "README.md", "CHANGELOG.md"):
        (checkout / name).write_bytes((ROOT / name).read_bytes())
    init_repo(checkout)
    (checkout / "mlspec" / "_source.json").write_text(json.dumps({"commit": "f" * 40}))  # a stale local record
    env = {k: v for k, v in os.environ.items() if not k.startswith("MLSPEC_")}  # the tests set MLSPEC_SOURCE_COMMIT
    dist = base / "dist"
    done = subprocess.run(
        [str(BIN / "uv"), "build", "--quiet", "--out-dir", str(dist), str(checkout)],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    return Built(checkout, dist, git("rev-parse", "HEAD", cwd=checkout))


def _check(built: Built, dist: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    argv = [sys.executable, str(CHECK), str(dist), "--version", __version__, "--commit", built.head]
    argv += ["--root", str(built.checkout), "--twine", str(BIN / "twine"), *extra]
    return subprocess.run(argv, capture_output=True, text=True, timeout=300)


def test_sdist_and_wheel_from_it_record_the_checkout_commit(built: Built) -> None:
    sdist = built.dist / f"mlspec_gitops-{__version__}.tar.gz"
    wheel = built.dist / f"mlspec_gitops-{__version__}-py3-none-any.whl"
    with tarfile.open(sdist) as archive:
        record = archive.extractfile(f"mlspec_gitops-{__version__}/mlspec/_source.json")
        assert record is not None and json.load(record) == {"commit": built.head}
        names = archive.getnames()
        assert f"mlspec_gitops-{__version__}/CHANGELOG.md" in names
        assert not [n for n in names if "/tests/" in n]  # a bare README.md pattern had shipped the corpus README
    with zipfile.ZipFile(wheel) as archive:
        assert json.loads(archive.read("mlspec/_source.json")) == {"commit": built.head}
        assert [n for n in archive.namelist() if n.endswith("_source.json")] == ["mlspec/_source.json"]


def test_release_check_passes_what_was_built(built: Built) -> None:
    done = _check(built, built.dist)
    assert done.returncode == 0, done.stderr
    assert f"mlspec-gitops {__version__}: sdist and wheel checked" in done.stdout


def test_release_check_names_a_wrong_commit_a_stray_file_and_a_wrong_version(built: Built, tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    shutil.copytree(built.dist, dist)
    wheel = dist / f"mlspec_gitops-{__version__}-py3-none-any.whl"
    rebuilt = tmp_path / "rebuilt.whl"
    with zipfile.ZipFile(wheel) as old, zipfile.ZipFile(rebuilt, "w") as new:
        for item in old.infolist():
            data = old.read(item)
            new.writestr(item, json.dumps({"commit": "e" * 40}) if item.filename == "mlspec/_source.json" else data)
        new.writestr("mlspec/notes.txt", "left over")
    rebuilt.replace(wheel)
    done = _check(built, dist)
    assert done.returncode == 1
    assert f"mlspec/_source.json names '{'e' * 40}', expected {built.head}" in done.stderr
    assert "ships mlspec/notes.txt, which is not a tracked file of mlspec/" in done.stderr
    wrong = subprocess.run(
        [sys.executable, str(CHECK), str(built.dist), "--version", "9.9.9", "--commit", built.head, "--twine", ""],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert wrong.returncode == 1 and "expected one sdist mlspec_gitops-9.9.9.tar.gz" in wrong.stderr
