"""Build hook: record the commit a distribution is built from in mlspec/_source.json, so that
`mlspec render` can pin mlspec's own actions to exactly that commit and `mlspec --version` names it
(see mlspec/source_commit.py).

Both targets carry the record: the sdist (built from a git checkout) ships it, and a wheel built from
that sdist (what `uv build` and `python -m build` do, and `pip install` of an sdist) reads it back,
since an unpacked sdist has no git history to ask. Order: `MLSPEC_SOURCE_COMMIT`, then the sdist's
record when building from an sdist, then `git rev-parse HEAD` of the checkout."""

from __future__ import annotations

import json
import os
import re
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

COMMIT = re.compile(r"^[0-9a-f]{40}$")
RECORD = "mlspec/_source.json"


class SourceCommitHook(BuildHookInterface):
    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if self.target_name not in ("wheel", "sdist") or version == "editable":
            return  # an editable install asks git at run time
        commit = self._commit()
        if commit is None:
            return
        handle, path = tempfile.mkstemp(prefix="mlspec-source-", suffix=".json")
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump({"commit": commit}, out)
        build_data["force_include"][path] = RECORD

    def _commit(self) -> str | None:
        value = os.environ.get("MLSPEC_SOURCE_COMMIT", "").strip().lower()
        if COMMIT.match(value):
            return value
        root = Path(self.root)
        if (root / "PKG-INFO").is_file():  # an unpacked sdist: its record, never a surrounding repository's HEAD
            return _recorded(root / RECORD)
        if not (root / ".git").exists():
            return None
        try:
            done = subprocess.run(
                ["git", "-C", self.root, "rev-parse", "HEAD"], capture_output=True, text=True, timeout=10, check=False
            )
        except (OSError, subprocess.SubprocessError):
            return None
        value = done.stdout.strip()
        return value if done.returncode == 0 and COMMIT.match(value) else None


def _recorded(path: Path) -> str | None:
    try:
        value = json.loads(path.read_text(encoding="utf-8")).get("commit")
    except (OSError, ValueError, AttributeError):
        return None
    return value if isinstance(value, str) and COMMIT.match(value) else None
