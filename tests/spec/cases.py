"""The case folders of tests/cases, made whole at test time.

Most cases need a training script and data files only so that `validate` finds the files the spec names; their
content never matters. One copy of each lives in tests/cases/_shared/ (`train.py`, `rows.csv`); `materialize`
copies the cases to a temporary folder and gives every case its files: those listed in the case's
`shared.txt` (one path a line, relative to the case; `.py` paths get train.py, the others rows.csv), or
`src/train.py`, `data/train.csv` and `data/test.csv` without one. A file the case holds itself is kept
(valid/minimal keeps its own: tests/acceptance/act copies that folder as a checkout).
"""

from __future__ import annotations

import shutil
from pathlib import Path

CASES = Path(__file__).resolve().parents[1] / "cases"
SHARED = CASES / "_shared"
LIST = "shared.txt"
DEFAULT = ("src/train.py", "data/train.csv", "data/test.csv")


def case_folders() -> list[Path]:
    return sorted(case for group in ("valid", "invalid") for case in (CASES / group).iterdir() if case.is_dir())


def shared_files(case: Path) -> list[str]:
    """The paths, relative to ``case``, that get a shared file."""
    listed = case / LIST
    if not listed.is_file():
        return list(DEFAULT)
    return [line.strip() for line in listed.read_text("utf-8").splitlines() if line.strip()]


def shared_source(relative: str) -> Path:
    return SHARED / ("train.py" if relative.endswith(".py") else "rows.csv")


def materialize(dest: Path) -> Path:
    """A copy of tests/cases at ``dest`` (same relative paths: messages name them), each case with its files."""
    shutil.copytree(CASES, dest, ignore=shutil.ignore_patterns(SHARED.name, LIST))
    for case in case_folders():
        for relative in shared_files(case):
            target = dest / case.relative_to(CASES) / relative
            if not target.exists():
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(shared_source(relative), target)
    return dest
