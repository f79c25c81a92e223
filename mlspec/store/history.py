"""What the deploy files in git history name: the store objects `mlspec store gc` must keep."""

from __future__ import annotations

from pathlib import Path

import yaml

from mlspec import git
from mlspec.repo_root import repository_root
from mlspec.state.deploy import DEPLOY_DIR
from mlspec.store.backend import bare


def named_digests(root: Path) -> set[str]:
    """The sha256 (hex) of every model a `deploy/*.yaml` beside the spec names in any commit of any branch."""
    found: set[str] = set()
    for path in sorted((root / DEPLOY_DIR).glob("*.y*ml")):  # the work tree too: a promotion not committed yet
        _add(found, path.read_text("utf-8", errors="replace"))
    top = repository_root(root, ask_git=True)
    if top is None:
        return found
    folder = (root / DEPLOY_DIR).resolve().relative_to(top.resolve()).as_posix()
    commits = git.output("log", "--all", "--format=%H", "--", folder, cwd=top) or ""
    for commit in dict.fromkeys(commits.split()):
        listing = git.output("ls-tree", "--name-only", f"{commit}:{folder}", cwd=top) or ""
        for name in listing.split():
            if not name.endswith((".yaml", ".yml")):
                continue
            _add(found, git.show(commit, f"{folder}/{name}", top) or "")
    return found


def _add(found: set[str], text: str) -> None:
    try:
        found.add(bare(str(yaml.safe_load(text)["model"]["digest"])))
    except Exception:  # noqa: BLE001 - an unreadable or store-less version names nothing
        return
