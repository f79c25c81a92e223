"""Which commit of mlspec this is: rendered workflows pin mlspec's own actions to it.

Looked up in order: `MLSPEC_SOURCE_COMMIT` (set by the setup action from the commit `uses:`
names, and by tests for reproducible renders), the commit recorded in the wheel at build time
(`_source.json`, written by `hatch_build.py`), then `git rev-parse HEAD` when mlspec runs from
its own git checkout. None when nothing knows: rendering then falls back to the release tag.
"""

from __future__ import annotations

import json
import os
import re
from functools import lru_cache
from pathlib import Path

COMMIT_PATTERN = re.compile(r"^[0-9a-f]{40}$")
ENV_VAR = "MLSPEC_SOURCE_COMMIT"
RECORD = Path(__file__).with_name("_source.json")


def is_commit(value: str | None) -> bool:
    return bool(value) and COMMIT_PATTERN.match(value or "") is not None


def source_commit() -> str | None:
    """The full commit SHA mlspec was built from, or None."""
    value = os.environ.get(ENV_VAR, "").strip().lower()
    if is_commit(value):
        return value
    return _recorded() or _checkout_head()


@lru_cache(maxsize=1)
def _recorded() -> str | None:
    try:
        value = json.loads(RECORD.read_text(encoding="utf-8")).get("commit")
    except (OSError, ValueError, AttributeError):
        return None
    return value if isinstance(value, str) and is_commit(value) else None


@lru_cache(maxsize=1)
def _checkout_head() -> str | None:
    root = Path(__file__).resolve().parent.parent
    if not (root / ".git").exists() or not (root / "actions" / "setup" / "action.yml").is_file():
        return None
    from mlspec.git import fact

    value = fact("rev-parse", "HEAD", cwd=root)
    return value if is_commit(value) else None
