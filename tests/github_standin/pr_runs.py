"""What CT asks after a merge to find the run the merged pull request's report showed (mlspec/github/pr_runs.py):

- `GET /repos/{owner}/{repo}/commits/{commit_sha}/pulls` ("List pull requests associated with a commit"): the
  pull requests whose merge commit or head is the commit. GitHub documents its items as Pull Request Simple, the
  items of `pulls/list`, so each answer is checked against that described schema.
- `GET /repos/{owner}/{repo}/actions/runs` ("List workflow runs for a repository", filtered by `head_sha` and
  `event`): `{total_count, workflow_runs}`, each run checked against GitHub's Workflow Run fields (runs.py).

`../shared/github-api/` does not describe either operation by name, so they are UNDESCRIBED for the request check
and their answers are checked here; any gap is a violation, as for the described routes.

Tests merge a pull request with `merge_pull(gh, number, merge_sha=..., head_sha=...)` and register its CI run with
`pr_run(gh, run_id, head_sha=..., workflow=...)`.
"""

from __future__ import annotations

from typing import Any

from tests.github_standin import runs
from tests.github_standin.openapi import description
from tests.github_standin.server import UNDESCRIBED, GitHubStandIn, _HTTPError, route

COMMIT_PULLS = "repos/list-pull-requests-associated-with-commit"
LIST_RUNS = "actions/list-workflow-runs-for-repo"
UNDESCRIBED.update({COMMIT_PULLS, LIST_RUNS})


def merge_pull(gh: GitHubStandIn, number: int, *, merge_sha: str, head_sha: str) -> None:
    """Mark pull request ``number`` merged as ``merge_sha`` (its head commit was ``head_sha``)."""
    with gh.state.lock:
        gh.state.pulls[number].state = "closed"
        merged: dict[int, tuple[str, str]] = getattr(gh, "merged_pulls", {})
        merged[number] = (merge_sha, head_sha)
        gh.merged_pulls = merged  # type: ignore[attr-defined]


def pr_run(gh: GitHubStandIn, run_id: int, *, head_sha: str, workflow: str, pull: int) -> None:
    """A `pull_request` workflow run of ``workflow`` for the head commit ``head_sha``."""
    runs.add_run(gh, run_id, workflow=workflow, event="pull_request", head_branch="feature", pull_requests=[pull])
    with gh.state.lock:
        gh.state.workflow_runs[run_id]["head_sha"] = head_sha


@route("GET", r"/commits/(?P<sha>[0-9a-f]{40})/pulls", COMMIT_PULLS)
def commit_pulls(gh: GitHubStandIn, p: dict[str, str], q: dict[str, list[str]], body: Any) -> tuple[int, Any]:
    merged: dict[int, tuple[str, str]] = getattr(gh, "merged_pulls", {})
    out = []
    for number, pull in sorted(gh.state.pulls.items(), reverse=True):
        merge_sha, head_sha = merged.get(number, (None, gh.state.branch_sha(pull.head)))
        if p["sha"] not in (merge_sha, head_sha):
            continue
        item = gh.pull_body(pull, "pulls/list", 200)
        item["head"]["sha"] = head_sha or item["head"]["sha"]
        if merge_sha:
            item.update(merged_at=item["updated_at"], merge_commit_sha=merge_sha, state="closed")
        out.append(item)
    problems = description().response_errors("pulls/list", 200, out)
    gh.violations.extend(f"response GET commits/{p['sha']}/pulls: {problem}" for problem in problems)
    return 200, out


@route("GET", r"/actions/runs", LIST_RUNS)
def list_runs(gh: GitHubStandIn, p: dict[str, str], q: dict[str, list[str]], body: Any) -> tuple[int, Any]:
    head_sha = (q.get("head_sha") or [None])[0]
    event = (q.get("event") or [None])[0]
    found = []
    for run_id, run in sorted(gh.state.workflow_runs.items(), reverse=True):
        if event not in (None, run["event"]) or head_sha not in (None, run.get("head_sha")):
            continue
        status, item = runs.get_run(gh, {"run_id": str(run_id)}, {}, None)
        if status != 200:
            raise _HTTPError(500, "stand-in: a registered run has no answer")
        found.append(item)
    if not all(isinstance(item.get("id"), int) for item in found):
        gh.violations.append("response GET actions/runs: a run without an integer id")
    return 200, {"total_count": len(found), "workflow_runs": found}
