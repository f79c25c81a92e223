"""`mlspec --version` names the version (one source: mlspec/__init__.py, which pyproject.toml reads) and the
commit this mlspec was built from, without importing a heavy library."""

from __future__ import annotations

import os
import re
import subprocess
import sys

from mlspec import __version__
from tests.helpers import ROOT

COMMIT = "89abcdef0123456789abcdef0123456789abcdef"
HEAVY = ("deepchecks", "bentoml", "github3", "docker", "sklearn", "pandas")


def _run(code: str, **env: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("MLSPEC_")}
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env={**base, **env}, capture_output=True, text=True, timeout=60
    )


def test_version_names_version_and_commit_and_imports_nothing_heavy() -> None:
    code = (
        "import sys\nfrom mlspec.cli import main\n"
        "try:\n    main(['--version'])\nexcept SystemExit as exit:\n    code = exit.code\n"
        f"print('EXIT=%s HEAVY=%s' % (code, ','.join(m for m in {HEAVY!r} if m in sys.modules)))\n"
    )
    done = _run(code, MLSPEC_SOURCE_COMMIT=COMMIT)
    assert done.stdout.splitlines() == [f"mlspec {__version__} commit {COMMIT}", "EXIT=0 HEAVY="], done.stderr


def test_version_from_a_checkout_is_its_head() -> None:
    done = _run("from mlspec.cli import main; main(['--version'])")
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    assert done.stdout.strip() == f"mlspec {__version__} commit {head}"


def test_pyproject_reads_the_version_from_the_package() -> None:
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert re.search(r'^dynamic = \["version"\]$', pyproject, re.M)
    assert not re.search(r"^version = ", pyproject, re.M)  # no second copy of the version
    assert re.search(r'^\[tool\.hatch\.version\]\npath = "mlspec/__init__.py"$', pyproject, re.M)
