"""Regenerate mlspec/spec/deepchecks_catalog.json from the installed deepchecks:
`.venv/bin/python scripts/deepchecks_catalog.py` (after changing the pinned deepchecks)."""

from __future__ import annotations

from mlspec.spec.check_catalog import CATALOG_PATH, generate, render

if __name__ == "__main__":
    CATALOG_PATH.write_text(render(generate()), encoding="utf-8")
    print(f"wrote {CATALOG_PATH}")
