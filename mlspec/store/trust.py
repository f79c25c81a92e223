"""Which store a pull request's CI may read: the one the base branch's spec names, and no other.

A pull request can change `store:` to a bucket its author controls and fill it with objects under the right
digests (a planted model, planted metrics): reusing them would show reviewers a report of a model nobody trained
from the code under review. So in a pull-request job the store is read only when the base branch's spec names the
same store; otherwise every stage is computed and the run says why. After the merge the new `store:` is reviewed
and CT (on the default branch) uses it."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from mlspec import git
from mlspec.errors import shown
from mlspec.hosts.all_hosts import current as code_host
from mlspec.repo_root import repository_root


def _base_ref(top: Path, base_branch: str | None) -> str | None:
    """The base branch's commit: the first parent of the checked-out merge commit (GitHub's refs/pull/N/merge), else
    `origin/<base branch>` (as the code host names it); None when neither is there."""
    if git.rev("HEAD^2", top) is not None:
        return git.rev("HEAD^1", top)
    return git.rev(f"origin/{base_branch}", top) if base_branch else None


def _store_url(text: str | None) -> str | None:
    try:
        store: Any = (yaml.safe_load(text or "") or {}).get("store")
    except (yaml.YAMLError, AttributeError):
        return None
    if isinstance(store, dict):
        store = store.get("url")
    return str(store) if store else None


def untrusted_store(loaded: Any, environ: Mapping[str, str] | None = None) -> str | None:
    """Why a pull-request job must not read the store ``loaded``'s spec names (None: it may, or this is no
    pull-request job, as the code host of ``environ`` says: `CodeHost.pull_request_job`)."""
    from mlspec.store.location import store_url

    env = os.environ if environ is None else environ
    job = code_host(env).pull_request_job(env)  # the code host says whether this job runs for a pull request
    if job is None:
        return None
    spec_path, url = Path(loaded.path), str(store_url(loaded.spec))
    top = repository_root(spec_path.parent, ask_git=True)
    base = _base_ref(top, job.base_branch) if top is not None else None
    if top is None or base is None:
        return "the base branch's spec cannot be read here, so the pull request's `store:` cannot be checked"
    relative = spec_path.resolve().relative_to(top.resolve()).as_posix()
    base_url = _store_url(git.show(base, relative, top))
    if base_url == url:
        return None
    said = shown(base_url) if base_url else "no store"
    return (
        f"this pull request changes `store:` ({said} on the base branch, {shown(url)} here): a pull request's CI "
        "reads only the store the base branch names, so that no pull request can bring its own objects"
    )
