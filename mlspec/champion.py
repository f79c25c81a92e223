"""The champion of an environment: the model named by deploy/<env>.yaml on the default branch.

GitOps: what serves is what the default branch says, not what a working tree or a feature branch
says. So the file is read from git (`origin/<branch>`, else the local `<branch>`); only outside a
git repository (or when neither ref exists) the working-tree file is used, and the source says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from mlspec.fsio import display_path
from mlspec.git import rev, show
from mlspec.ownership import check_deployment
from mlspec.repo_root import repository_root
from mlspec.state.deploy import DEPLOY_DIR, Deployment, deploy_path, parse_deployment


@dataclass(frozen=True)
class ChampionLookup:
    deployment: Deployment | None
    source: str  # "origin/main:projects/x/deploy/staging.yaml" or a working-tree path


def _toplevel(path: Path) -> Path | None:
    # no git binary, or the folder is gone: None, and the working-tree file is read
    return repository_root(path, ask_git=True, git_errors=False)


def base_ref(spec_root: Path, branch: str) -> str | None:
    """`origin/<branch>` when it exists, else the local `<branch>`, else None (not in git / no such branch)."""
    if _toplevel(spec_root) is None:
        return None
    for ref in (f"origin/{branch}", branch):
        if rev(ref, spec_root) is not None:
            return ref
    return None


def find_champion(spec_root: Path, environment: str, branch: str, project: str | None = None) -> ChampionLookup:
    """Read deploy/<environment>.yaml as the default branch has it; with ``project``, refuse a file of
    another project or environment (two specs sharing one folder's deploy/)."""
    lookup = _find(spec_root, environment, branch)
    if project is not None and lookup.deployment is not None:
        check_deployment(lookup.deployment, project, environment, lookup.source)
    return lookup


def _find(spec_root: Path, environment: str, branch: str) -> ChampionLookup:
    top = _toplevel(spec_root)
    ref = base_ref(spec_root, branch) if top is not None else None
    if top is None or ref is None:
        path = deploy_path(spec_root, environment)
        where = display_path(path) + (
            " (working tree: not in a git repository)"
            if top is None
            else f" (working tree: no branch {branch!r} or origin/{branch})"
        )
        if not path.is_file():
            return ChampionLookup(None, where)
        return ChampionLookup(parse_deployment(path.read_text("utf-8"), str(path)), where)
    relative = spec_root.resolve().relative_to(top).as_posix()
    repo_path = f"{DEPLOY_DIR}/{environment}.yaml" if relative == "." else f"{relative}/{DEPLOY_DIR}/{environment}.yaml"
    where = f"{ref}:{repo_path}"
    text = show(ref, repo_path, top)
    if text is None:
        return ChampionLookup(None, where)
    return ChampionLookup(parse_deployment(text, where), where)
