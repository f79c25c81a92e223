"""Build hook: record the commit a wheel is built from in mlspec/_source.json, so that
`mlspec render` can pin mlspec's own actions to exactly that commit (see mlspec/source.py)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import tempfile
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

COMMIT = re.compile(r"^[0-9a-f]{40}$")


class SourceCommitHook(BuildHookInterface):
    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if self.target_name != "wheel" or version == "editable":
            return  # an editable install asks git at run time
        commit = self._commit()
        if commit is None:
            return
        handle, path = tempfile.mkstemp(prefix="mlspec-source-", suffix=".json")
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump({"commit": commit}, out)
        build_data["force_include"][path] = "mlspec/_source.json"

    def _commit(self) -> str | None:
        value = os.environ.get("MLSPEC_SOURCE_COMMIT", "").strip().lower()
        if COMMIT.match(value):
            return value
        try:
            done = subprocess.run(
                ["git", "-C", self.root, "rev-parse", "HEAD"], capture_output=True, text=True, timeout=10, check=False
            )
        except (OSError, subprocess.SubprocessError):
            return None
        value = done.stdout.strip()
        return value if done.returncode == 0 and COMMIT.match(value) else None
