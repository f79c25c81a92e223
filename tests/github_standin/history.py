"""`GET /repos/{owner}/{repo}/compare/{base}...{head}`: the commits a branch holds beyond a base, which
promotion reads to decide whether a branch is mlspec's before its first write.

`../shared/github-api/` does not describe this operation, so its answer is checked here against what GitHub
documents for it ("Compare two commits": a Commit Comparison with `status`, `ahead_by`, `behind_by`,
`total_commits`, `merge_base_commit`, `commits` oldest first, paginated with `page`/`per_page`, 250 commits
without them): each commit object (and `base_commit`, `merge_base_commit`) against the described
`repos/get-commit` answer, each file against its Diff Entry, and the comparison's own required fields.
"""

from __future__ import annotations

from typing import Any

from tests.github_standin.openapi import description
from tests.github_standin.server import UNDESCRIBED, GitHubStandIn, State, _HTTPError, route

COMPARE = "repos/compare-commits-with-basehead"
UNDESCRIBED.add(COMPARE)
COMPARISON_FIELDS = {
    "url": str,
    "html_url": str,
    "permalink_url": str,
    "diff_url": str,
    "patch_url": str,
    "base_commit": dict,
    "merge_base_commit": dict,
    "status": str,
    "ahead_by": int,
    "behind_by": int,
    "total_commits": int,
    "commits": list,
}
STATUSES = ("diverged", "ahead", "behind", "identical")


def _resolve(state: State, ref: str) -> str:
    sha = state.refs.get(f"refs/heads/{ref}") or (ref if ref in state.commits else None)
    if sha is None:
        raise _HTTPError(404, "Not Found")
    return sha


def _ancestors(state: State, sha: str) -> list[str]:
    """Every commit reachable from ``sha`` (itself included), newest first."""
    seen: list[str] = []
    todo = [sha]
    while todo:
        current = todo.pop(0)
        if current in seen:
            continue
        seen.append(current)
        todo.extend(state.commits[current].parents)
    return seen


def commit_body(gh: GitHubStandIn, sha: str) -> dict[str, Any]:
    """A commit as `repos/get-commit` (and the comparison's `commits`) describes it."""
    state = gh.state
    commit = state.commits[sha]
    body = gh.example("repos/get-commit", 200)
    body.pop("stats", None)
    body.pop("files", None)
    api, web = gh.repo_api, f"{gh.web_url}/{state.owner}/{state.repo}"
    body.update(
        url=f"{api}/commits/{sha}",
        sha=sha,
        html_url=f"{web}/commit/{sha}",
        comments_url=f"{api}/commits/{sha}/comments",
        author=gh.user(commit.author),
        committer=gh.user(commit.committer),
        parents=[{"url": f"{api}/commits/{p}", "sha": p, "html_url": f"{web}/commit/{p}"} for p in commit.parents],
    )
    inner = body["commit"]
    inner.update(url=f"{api}/git/commits/{sha}", message=commit.message)
    inner["tree"] = {"url": f"{api}/git/trees/{sha}", "sha": sha}
    inner["author"] = {**inner["author"], "name": commit.author, "email": f"{commit.author}@users.noreply.example"}
    inner["committer"] = {
        **inner["committer"],
        "name": commit.committer,
        "email": f"{commit.committer}@users.noreply.example",
    }
    return body


def _files(gh: GitHubStandIn, old: dict[str, bytes], new: dict[str, bytes], head: str) -> list[dict[str, Any]]:
    template = gh.example("repos/get-commit", 200)["files"][0]
    web = f"{gh.web_url}/{gh.state.owner}/{gh.state.repo}"
    out = []
    for name in sorted(set(old) | set(new)):
        if old.get(name) == new.get(name):
            continue
        status = "added" if name not in old else "removed" if name not in new else "modified"
        entry = {**template, "filename": name, "status": status, "patch": ""}
        entry.update(
            raw_url=f"{web}/raw/{head}/{name}",
            blob_url=f"{web}/blob/{head}/{name}",
            contents_url=f"{gh.repo_api}/contents/{name}?ref={head}",
            sha=head,
        )
        out.append(entry)
    return out


def _check(gh: GitHubStandIn, body: dict[str, Any]) -> None:
    gaps = [key for key, kind in COMPARISON_FIELDS.items() if not isinstance(body.get(key), kind)]
    if body.get("status") not in STATUSES:
        gaps.append("status")
    problems = [f"fields {gaps} missing or of the wrong type"] if gaps else []
    described = description()
    for commit in [body["base_commit"], body["merge_base_commit"], *body["commits"]]:
        problems += described.response_errors("repos/get-commit", 200, commit)
    problems += described.response_errors("repos/get-commit", 200, {**body["base_commit"], "files": body["files"]})
    gh.violations.extend(f"response GET compare: {problem}" for problem in problems)


@route("GET", r"/compare/(?P<basehead>.+)", COMPARE)
def compare(gh: GitHubStandIn, p: dict[str, str], q: dict[str, list[str]], body: Any) -> tuple[int, Any]:
    base_ref, dots, head_ref = p["basehead"].partition("...")
    if not dots:
        raise _HTTPError(404, "Not Found")
    state = gh.state
    base, head = _resolve(state, base_ref), _resolve(state, head_ref)
    from_base, from_head = _ancestors(state, base), _ancestors(state, head)
    merge_base = next(sha for sha in from_head if sha in from_base)
    ahead = [sha for sha in reversed(from_head) if sha not in from_base]  # oldest first
    behind = [sha for sha in from_base if sha not in from_head]
    status = (
        "identical" if not ahead and not behind else "ahead" if not behind else "behind" if not ahead else "diverged"
    )
    if "per_page" in q or "page" in q:
        size = max(1, min(100, int((q.get("per_page") or ["30"])[0])))
        page = max(1, int((q.get("page") or ["1"])[0]))
        listed = ahead[(page - 1) * size : page * size]
    else:
        listed = ahead[:250]
    api, web = gh.repo_api, f"{gh.web_url}/{state.owner}/{state.repo}"
    out = {
        "url": f"{api}/compare/{base_ref}...{head_ref}",
        "html_url": f"{web}/compare/{base_ref}...{head_ref}",
        "permalink_url": f"{web}/compare/{state.owner}:{base[:7]}...{state.owner}:{head[:7]}",
        "diff_url": f"{web}/compare/{base_ref}...{head_ref}.diff",
        "patch_url": f"{web}/compare/{base_ref}...{head_ref}.patch",
        "base_commit": commit_body(gh, base),
        "merge_base_commit": commit_body(gh, merge_base),
        "status": status,
        "ahead_by": len(ahead),
        "behind_by": len(behind),
        "total_commits": len(ahead),
        "commits": [commit_body(gh, sha) for sha in listed],
        "files": _files(gh, state.commits[merge_base].files, state.commits[head].files, head),
    }
    _check(gh, out)
    return 200, out
