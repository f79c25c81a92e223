"""`GET /repos/{owner}/{repo}/actions/runs/{run_id}`: which workflow a run ran, for which event, on which
branch and from which repository. CD reads it before downloading a model artifact of that run.

`../shared/github-api/` does not describe this operation, so its answer is checked here against GitHub's
documented Workflow Run object: every field the REST reference lists as required, with its type; `actor`
against the described Simple User (the `owner` of `repos/get`); `pull_requests` items against the
described Pull Request Minimal (the `pull_requests` of `checks/create`); `repository` and `head_repository`
must carry every field of a Minimal Repository (a subset of the described Full Repository we answer with).

Tests register runs with `add_run(gh, run_id, workflow=..., event=..., head_branch=..., head_repository=...)`;
an unknown run is 404, as on GitHub.
"""

from __future__ import annotations

import time
from typing import Any

import jsonschema

from tests.github_standin.openapi import _convert, description
from tests.github_standin.server import UNDESCRIBED, GitHubStandIn, _HTTPError, route

GET_RUN = "actions/get-workflow-run"
UNDESCRIBED.add(GET_RUN)
RUN_FIELDS: dict[str, type | tuple[type, ...]] = {
    "id": int,
    "node_id": str,
    "head_branch": (str, type(None)),
    "run_number": int,
    "display_title": str,
    "event": str,
    "status": (str, type(None)),
    "conclusion": (str, type(None)),
    "head_sha": str,
    "path": str,
    "workflow_id": int,
    "url": str,
    "html_url": str,
    "created_at": str,
    "updated_at": str,
    "head_commit": (dict, type(None)),
    "head_repository": dict,
    "repository": dict,
    "jobs_url": str,
    "logs_url": str,
    "check_suite_url": str,
    "cancel_url": str,
    "rerun_url": str,
    "artifacts_url": str,
    "workflow_url": str,
    "pull_requests": (list, type(None)),
}
MINIMAL_REPOSITORY = (
    "archive_url assignees_url blobs_url branches_url collaborators_url comments_url commits_url compare_url "
    "contents_url contributors_url deployments_url description downloads_url events_url fork forks_url full_name "
    "git_commits_url git_refs_url git_tags_url hooks_url html_url id node_id issue_comment_url issue_events_url "
    "issues_url keys_url labels_url languages_url merges_url milestones_url name notifications_url owner private "
    "pulls_url releases_url stargazers_url statuses_url subscribers_url subscription_url tags_url teams_url "
    "trees_url url"
).split()


def add_run(
    gh: GitHubStandIn,
    run_id: int,
    *,
    workflow: str,
    event: str = "push",
    head_branch: str | None = "main",
    head_repository: str | None = None,
    pull_requests: list[int] | None = None,
) -> None:
    """A workflow run of ``workflow`` (its path in the repository, e.g. `.github/workflows/x.yml`)."""
    with gh.state.lock:
        gh.state.workflow_runs[int(run_id)] = {
            "path": workflow,
            "event": event,
            "head_branch": head_branch,
            "head_repository": head_repository or gh.repository,
            "pull_requests": list(pull_requests or []),
        }


def _repository(gh: GitHubStandIn, full_name: str) -> dict[str, Any]:
    body = gh.repo_body()
    owner, name = full_name.split("/", 1)
    if full_name != gh.repository:  # a fork: another owner's repository of the same name
        text = gh.repo_api
        body = {
            key: value.replace(text, f"{gh.api_url}/repos/{full_name}") if isinstance(value, str) else value
            for key, value in body.items()
        }
        body.update(name=name, full_name=full_name, fork=True, id=body["id"] + 1)
        body["owner"] = {**body["owner"], "login": owner, "url": f"{gh.api_url}/users/{owner}"}
    return {key: body[key] for key in MINIMAL_REPOSITORY}


def _schemas() -> tuple[dict[str, Any], dict[str, Any]]:
    described = description()
    user = described.operation("repos/get").raw["responses"]["200"]["content"]["application/json"]["schema"]
    user = user["properties"]["owner"]
    check_run = described.operation("checks/create").raw["responses"]["201"]["content"]["application/json"]
    minimal_pull = check_run["schema"]["properties"]["pull_requests"]["items"]
    return _convert(user), _convert(minimal_pull)


def _check(gh: GitHubStandIn, body: dict[str, Any]) -> None:
    problems = [
        f"{key} missing or of the wrong type"
        for key, kind in RUN_FIELDS.items()
        if key not in body or not isinstance(body[key], kind)
    ]
    for side in ("repository", "head_repository"):
        missing = [key for key in MINIMAL_REPOSITORY if key not in body.get(side, {})]
        if missing:
            problems.append(f"{side}: Minimal Repository fields {missing} missing")
    user, minimal_pull = _schemas()
    problems += [f"actor: {e.message}" for e in jsonschema.Draft202012Validator(user).iter_errors(body["actor"])]
    for item in body["pull_requests"] or []:
        problems += [
            f"pull_requests: {e.message}" for e in jsonschema.Draft202012Validator(minimal_pull).iter_errors(item)
        ]
    gh.violations.extend(f"response GET actions/runs/{body.get('id')}: {problem}" for problem in problems)


@route("GET", r"/actions/runs/(?P<run_id>[0-9]+)", GET_RUN)
def get_run(gh: GitHubStandIn, p: dict[str, str], q: dict[str, list[str]], body: Any) -> tuple[int, Any]:
    run_id = int(p["run_id"])
    run = gh.state.workflow_runs.get(run_id)
    if run is None:
        raise _HTTPError(404, "Not Found")
    api, web = gh.repo_api, f"{gh.web_url}/{gh.repository}"
    stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    head_sha = run.get("head_sha") or gh.state.branch_sha(gh.state.default_branch) or "0" * 40
    out = {
        "id": run_id,
        "name": run["path"].rsplit("/", 1)[-1],
        "node_id": f"WFR_{run_id}",
        "check_suite_id": run_id + 1,
        "check_suite_node_id": f"CS_{run_id}",
        "head_branch": run["head_branch"],
        "head_sha": head_sha,
        "path": run["path"],
        "display_title": f"run {run_id}",
        "run_number": run_id % 1000 + 1,
        "run_attempt": 1,
        "event": run["event"],
        "status": "completed",
        "conclusion": "success",
        "workflow_id": abs(hash(run["path"])) % 10**6 + 1,
        "url": f"{api}/actions/runs/{run_id}",
        "html_url": f"{web}/actions/runs/{run_id}",
        "pull_requests": [
            {
                "id": number * 1000 + 7,
                "number": number,
                "url": f"{api}/pulls/{number}",
                "head": {"ref": "feature", "sha": head_sha, "repo": {"id": 1, "url": api, "name": gh.state.repo}},
                "base": {"ref": "main", "sha": head_sha, "repo": {"id": 1, "url": api, "name": gh.state.repo}},
            }
            for number in run["pull_requests"]
        ],
        "created_at": stamp,
        "updated_at": stamp,
        "run_started_at": stamp,
        "actor": gh.user("octocat"),
        "triggering_actor": gh.user("octocat"),
        "jobs_url": f"{api}/actions/runs/{run_id}/jobs",
        "logs_url": f"{api}/actions/runs/{run_id}/logs",
        "check_suite_url": f"{api}/check-suites/{run_id + 1}",
        "artifacts_url": f"{api}/actions/runs/{run_id}/artifacts",
        "cancel_url": f"{api}/actions/runs/{run_id}/cancel",
        "rerun_url": f"{api}/actions/runs/{run_id}/rerun",
        "previous_attempt_url": None,
        "workflow_url": f"{api}/actions/workflows/{run['path'].rsplit('/', 1)[-1]}",
        "head_commit": None,
        "repository": _repository(gh, gh.repository),
        "head_repository": _repository(gh, run["head_repository"]),
    }
    _check(gh, out)
    return 200, out
