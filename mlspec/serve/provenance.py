"""Before CD (or the drift monitor) downloads a model artifact, prove through GitHub's API where it came from.

A deploy file's `model.artifact: gh-artifact:<run>/mlspec-<project>-ct-state/...` names a workflow run. The model in
it is unpickled by the build, so it must come from the project's CT workflow run on the default branch of this
repository, never from a pull request's CI run (whose model was trained by the pull request's code, forks
included). `GET /repos/{owner}/{repo}/actions/runs/{run_id}` must show:

* `path`: the project's CT workflow, `.github/workflows/mlspec-<project>-ct.yml` (GitHub may write it as
  `<owner>/<repo>/.github/workflows/...@<ref>`);
* `head_branch`: the repository's default branch, or the spec's promotion base (`triggers.branches[0]`);
* `event`: one the rendered CT workflow runs on (push, schedule, workflow_dispatch, repository_dispatch), so never
  `pull_request` or `pull_request_target`;
* `repository.full_name` and `head_repository.full_name`: this repository (not a fork).

Anything else, no such run, or no token to ask with: refused (exit 1), saying why; nothing is downloaded.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from mlspec.errors import ServeError
from mlspec.state.deploy import GH_ARTIFACT_PREFIX, ct_workflow

if TYPE_CHECKING:
    from mlspec.spec import LoadedSpec
    from mlspec.state.artifacts import GhArtifact

CT_EVENTS = ("push", "schedule", "workflow_dispatch", "repository_dispatch")


def _workflow_path(path: str, repository: str) -> str:
    """`path` of a run without GitHub's optional `<owner>/<repo>/` prefix and `@<ref>` suffix."""
    path = path.split("@", 1)[0]
    prefix = repository.lower() + "/"
    return path[len(prefix) :] if path.lower().startswith(prefix) else path


def _full_name(side: Any) -> str | None:
    name = side.get("full_name") if isinstance(side, dict) else None
    return str(name) if isinstance(name, str) and name else None


def refusal(run: Mapping[str, Any], *, project: str, repository: str, branches: tuple[str, ...]) -> str | None:
    """Why workflow run ``run`` (GitHub's JSON) is not a CT run of ``project`` on one of ``branches`` in
    ``repository``; None when it is."""
    workflow = ct_workflow(project)
    path = run.get("path")
    if not isinstance(path, str) or _workflow_path(path, repository) != workflow:
        return f"it ran {path!r}, not the project's CT workflow {workflow}"
    event = run.get("event")
    if event not in CT_EVENTS:
        return f"it ran for the event {event!r}, not one CT runs on ({', '.join(CT_EVENTS)})"
    branch = run.get("head_branch")
    if branch not in branches:
        return f"it ran on the branch {branch!r}, not on {' or '.join(dict.fromkeys(branches))}"
    for side in ("repository", "head_repository"):
        name = _full_name(run.get(side))
        if name is None or name.lower() != repository.lower():
            return f"its {side} is {name or 'not named'}, not {repository}"
    return None


def verify_ct_run(loaded: LoadedSpec, ref: GhArtifact, where: str, environ: Mapping[str, str]) -> None:
    """Raise ServeError unless ``ref``'s workflow run is a CT run of the project on the default branch here."""
    from mlspec.hosts.all_hosts import current as code_host

    project = loaded.spec.name
    named = f"{where}: model.artifact {GH_ARTIFACT_PREFIX}{ref.run_id}/{ref.name}"
    host = code_host(environ)
    settings = host.settings(environ)
    if not settings.has_token:
        raise ServeError(
            f"{named}: cannot check that workflow run {ref.run_id} is a CT run of the default branch without a "
            "GitHub token; nothing was downloaded",
            hint="set GITHUB_TOKEN (the build and drift actions pass their `github-token` input, which needs "
            "`actions: read`)",
        )
    repo = host.connect(settings)
    run = repo.workflow_run(ref.run_id)
    if run is None:
        raise ServeError(
            f"{named}: workflow run {ref.run_id} does not exist in {repo.full_name} (or the token cannot read it); "
            "nothing was downloaded",
            hint="promote a model from a CT run of this repository again (its artifacts may have expired too)",
        )
    branches = (repo.default_branch, loaded.spec.triggers.branches[0])
    reason = refusal(run, project=project, repository=repo.full_name, branches=branches)
    if reason is not None:
        raise ServeError(
            f"{named}: workflow run {ref.run_id} is not a CT run of {project} on {repo.default_branch} in "
            f"{repo.full_name}: {reason}; nothing was downloaded",
            hint=f"CD deploys only models trained by {ct_workflow(project)} on the default branch: promote one "
            "from such a run (the CT workflow's promote job does)",
        )
