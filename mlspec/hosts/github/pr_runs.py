"""The run a merged pull request's report showed, on GitHub: the merge commit's pull request
(`GET /repos/{owner}/{repo}/commits/{sha}/pulls`), that pull request's CI run of the project's CI workflow for its
head commit (`GET .../actions/runs?head_sha=&event=pull_request`), and that run's reports artifact
(`mlspec-<project>-ci-reports`: `GET .../actions/runs/{id}/artifacts`, `GET .../actions/artifacts/{id}/zip`).

Every request goes through the repository's guarded session (mlspec/github/session.py): the token only to the API
origin, the artifact's blob-storage redirect followed without it. The archive is spooled (memory, then a temporary
file), with size limits; only `record.json` and `predictions.csv` of the run it names are kept, nothing is extracted
to disk."""

from __future__ import annotations

import io
import re
import tempfile
import zipfile
from collections.abc import Mapping, Sequence
from typing import IO, TYPE_CHECKING, Any

from mlspec.errors import GitHubError
from mlspec.hosts.reviewed_run import (
    MAX_ARCHIVE_BYTES,
    MAX_FILE_BYTES,
    WANTED,
    NoReviewedRun,
    ReviewedRun,
)

if TYPE_CHECKING:
    from mlspec.hosts.github.client import Repo

SHA = re.compile(r"[0-9a-f]{40}")
RUN_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,200}")
READ_HINT = (
    "finding the run the merged pull request's report showed needs read access to its pull requests and Actions "
    "runs: the rendered promote job grants `actions: read` (run `mlspec render`); a MLSPEC_PROMOTION_TOKEN (GitHub "
    "App or fine-grained PAT) needs Actions: read and Pull requests: read (docs/store.md)"
)
SPOOL_BYTES = 64 << 20  # an archive larger than this is spooled to a temporary file while it is read


def ci_workflow(project: str) -> str:
    return f".github/workflows/mlspec-{project}-ci.yml"


def ci_artifact(project: str) -> str:
    return f"mlspec-{project}-ci-reports"


def _get(repo: Repo, action: str, parts: Sequence[str], params: Mapping[str, Any], *, download: bool = False) -> Any:
    """GET the repository's URL + ``parts``: the JSON answer, or (``download``) the response streamed."""
    import github3.exceptions as gex
    import requests

    url = "/".join([str(repo._repo.url).rstrip("/"), *(part.strip("/") for part in parts)])

    def fetch() -> Any:
        headers = {"Accept": "application/octet-stream"} if download else None
        try:
            response = repo._gh.session.get(url, params=dict(params), headers=headers, stream=download)
        except requests.exceptions.RequestException as exc:
            raise gex.TransportError(exc) from exc
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            raise gex.error_for(response)
        return response if download else response.json()

    try:
        return repo._run(action, fetch)
    except GitHubError as exc:
        if "no permission" not in exc.message:
            raise
        raise GitHubError(exc.message, hint=READ_HINT) from None


def _shape(action: str, what: str) -> GitHubError:
    return GitHubError(
        f"cannot {action}: GitHub's answer is not of the documented shape ({what})",
        hint="check GITHUB_API_URL; retry later if GitHub is degraded",
    )


def merged_pull(repo: Repo, commit: str) -> dict[str, Any] | None:
    """The pull request that merged ``commit`` (its `merge_commit_sha` is the commit), or None."""
    action = f"find the pull request that merged commit {commit[:12]}"
    answer = _get(repo, action, ["commits", commit, "pulls"], {"per_page": 100})
    if answer is None:
        return None
    if not isinstance(answer, list):
        raise _shape(action, "not a list of pull requests")
    merged = []
    for pull in answer:
        if not isinstance(pull, dict) or not isinstance(pull.get("number"), int):
            raise _shape(action, "a pull request without a number")
        if pull.get("merged_at") and pull.get("merge_commit_sha") == commit:
            merged.append(pull)
    return max(merged, key=lambda p: int(p["number"])) if merged else None


def _full_name(side: Any) -> str:
    name = side.get("full_name") if isinstance(side, dict) else None
    return name.lower() if isinstance(name, str) else ""


def ci_runs(repo: Repo, head_sha: str, project: str, head_repository: str | None = None) -> list[dict[str, Any]]:
    """The project's CI workflow runs for the pull request head ``head_sha``, newest first; with
    ``head_repository`` (the merged pull request's head repository) only runs from that repository: anyone can push
    the same commit to a fork of their own and open another pull request with it (into any base branch), whose CI
    run would otherwise be the newest run of that commit and stand for the reviewed one."""
    action = f"list the CI runs of commit {head_sha[:12]}"
    answer = _get(repo, action, ["actions", "runs"], {"head_sha": head_sha, "event": "pull_request", "per_page": 100})
    runs = (answer or {}).get("workflow_runs") if isinstance(answer, dict) else None
    if answer is not None and not isinstance(runs, list):
        raise _shape(action, "no `workflow_runs` list")
    wanted = ci_workflow(project)
    found = [
        run
        for run in runs or []
        if isinstance(run, dict)
        and isinstance(run.get("id"), int)
        and str(run.get("path") or "").split("@", 1)[0] == wanted
        and run.get("head_sha") == head_sha
        and (head_repository is None or _full_name(run.get("head_repository")) == head_repository.lower())
    ]
    return sorted(found, key=lambda run: int(run["id"]), reverse=True)


def run_reports(repo: Repo, run_id: int, project: str) -> dict[str, bytes] | None:
    """`record.json` and `predictions.csv` of run ``run_id``'s reports artifact; None when it has none (or it
    expired)."""
    name = ci_artifact(project)
    action = f"list the artifacts of workflow run {run_id}"
    answer = _get(repo, action, ["actions", "runs", str(run_id), "artifacts"], {"name": name, "per_page": 100})
    items = answer.get("artifacts") if isinstance(answer, dict) else None
    if answer is not None and not isinstance(items, list):
        raise _shape(action, "no `artifacts` list")
    live = [
        a for a in items or [] if isinstance(a, dict) and a.get("name") == name and not a.get("expired") and a.get("id")
    ]
    if not live:
        return None
    artifact = max(live, key=lambda a: int(a["id"]))
    if int(artifact.get("size_in_bytes") or 0) > MAX_ARCHIVE_BYTES:
        raise GitHubError(f"the artifact {name} of workflow run {run_id} is larger than {MAX_ARCHIVE_BYTES} bytes")
    action = f"download the artifact {name} of workflow run {run_id}"
    response = _get(repo, action, ["actions", "artifacts", str(int(artifact["id"])), "zip"], {}, download=True)
    if response is None:
        return None
    with response, tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES) as spool:
        size = 0
        for chunk in response.iter_content(1 << 20):
            size += len(chunk)
            if size > MAX_ARCHIVE_BYTES:
                raise GitHubError(f"cannot {action}: it is larger than {MAX_ARCHIVE_BYTES} bytes")
            spool.write(chunk)
        spool.seek(0)
        return read_reports(spool, f"the artifact {name} of workflow run {run_id}")


def read_reports(archive: bytes | IO[bytes], where: str) -> dict[str, bytes]:
    """The WANTED files of the run the archive's `latest` names (else of its only run folder), in memory."""
    try:
        with zipfile.ZipFile(io.BytesIO(archive) if isinstance(archive, bytes) else archive) as zipped:
            entries = {info.filename: info for info in zipped.infolist() if not info.is_dir()}
            latest = entries.get("latest")
            run = zipped.read(latest).decode("utf-8", "replace").strip().splitlines()[0] if latest else ""
            folders = {name.rsplit("/", 1)[0] for name in entries if name.endswith("/record.json")}
            if not RUN_ID.fullmatch(run or ""):
                run = next(iter(folders)) if len(folders) == 1 else ""
            found: dict[str, bytes] = {}
            for wanted in WANTED:
                info = entries.get(f"{run}/{wanted}") if run else None
                if info is None:
                    continue
                if info.file_size > MAX_FILE_BYTES:
                    raise GitHubError(f"{where}: {wanted} is larger than {MAX_FILE_BYTES} bytes")
                found[wanted] = zipped.read(info)
            return found
    except (zipfile.BadZipFile, IndexError, KeyError, OSError) as exc:
        raise GitHubError(f"{where} is not a readable zip archive ({type(exc).__name__})") from None


def find_reviewed_run(repo: Repo, commit: str, project: str) -> ReviewedRun | NoReviewedRun:
    """The run the pull request that merged ``commit`` showed in its report (its newest CI run with reports)."""
    if not SHA.fullmatch(commit):
        return NoReviewedRun(f"{commit[:80]!r} is not a commit sha")
    pull = merged_pull(repo, commit)
    if pull is None:
        return NoReviewedRun(f"no pull request merged commit {commit[:12]} (a direct push to the branch)")
    number = int(pull["number"])
    url = str(pull.get("html_url") or "")
    head = pull.get("head") if isinstance(pull.get("head"), dict) else {}
    head_sha = str((head or {}).get("sha") or "")
    if not SHA.fullmatch(head_sha):
        raise _shape(f"read pull request #{number}", "no head sha")
    head_repo = _full_name((head or {}).get("repo")) or None  # None: the fork was deleted since
    runs = ci_runs(repo, head_sha, project, head_repo)
    if not runs:
        return NoReviewedRun(
            f"pull request #{number} has no run of {ci_workflow(project)} for its head commit {head_sha[:12]}",
            number,
            url,
        )
    for run in runs:
        files = run_reports(repo, int(run["id"]), project)
        if files is not None:
            return ReviewedRun(number, url, str(run["id"]), str(run.get("html_url") or ""), head_sha, files)
    return NoReviewedRun(
        f"the CI run {runs[0]['id']} of pull request #{number} has no artifact {ci_artifact(project)} any more "
        "(GitHub keeps it 14 days)",
        number,
        url,
    )
