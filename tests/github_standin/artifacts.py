"""The two Actions artifact endpoints `actions/download-artifact` calls with `run-id` (CD and the
drift monitor fetch the model from its CT run), served from act's artifact storage.

`../shared/github-api/` does not describe them, so this module checks its own answers against the
fields GitHub documents for an artifact (REST "List workflow run artifacts", "Download an
artifact": a 302 to a short-lived blob URL) and records any gap as a violation, as the described
routes do. The blob URL is a plain file server on 127.0.0.1 over act's storage
(`<storage>/<run id>/<name>/<name>.zip`, the zip that upload-artifact sent).
"""

from __future__ import annotations

import hashlib
import threading
import time
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from tests.github_standin.server import UNDESCRIBED, GitHubStandIn, _HTTPError, route

LIST = "actions/list-workflow-run-artifacts"
DOWNLOAD = "actions/download-artifact"
UNDESCRIBED.update({LIST, DOWNLOAD})
# GitHub's artifact object: every field its REST reference lists as required.
ARTIFACT_FIELDS = {
    "id": int,
    "node_id": str,
    "name": str,
    "size_in_bytes": int,
    "url": str,
    "archive_download_url": str,
    "expired": bool,
    "created_at": str,
    "expires_at": str,
    "updated_at": str,
}


class ArtifactStore:
    """act's artifact storage folder, with a file server for the download redirect."""

    def __init__(self, storage: Path) -> None:
        self.storage = storage
        self.seen: list[dict[str, str | None]] = []
        handler = partial(type("_Files", (_QuietFiles,), {"seen": self.seen}), directory=str(storage))
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.blob_url = f"http://127.0.0.1:{self._server.server_address[1]}"
        # polls for shutdown() every 20 ms (0.5 s by default: each stop waited that long)
        threading.Thread(target=self._server.serve_forever, args=(0.02,), name="artifact-blobs", daemon=True).start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def artifacts(self, run_id: str) -> list[tuple[int, str, Path]]:
        folder = self.storage / run_id
        found = []
        for archive in sorted(folder.glob("*/*.zip")) if folder.is_dir() else []:
            name = archive.parent.name
            ident = int(hashlib.sha1(f"{run_id}/{name}".encode()).hexdigest()[:8], 16)
            found.append((ident, name, archive))
        return found

    def by_id(self, ident: int) -> tuple[str, str, Path] | None:
        for run in self.storage.iterdir():
            for found, name, archive in self.artifacts(run.name):
                if found == ident:
                    return run.name, name, archive
        return None


class _QuietFiles(SimpleHTTPRequestHandler):
    seen: list[dict[str, str | None]]  # every request: path and the Authorization header it carried

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass

    def do_GET(self) -> None:
        self.seen.append({"path": self.path, "authorization": self.headers.get("Authorization")})
        super().do_GET()


def attach(gh: GitHubStandIn, storage: Path) -> ArtifactStore:
    store = ArtifactStore(storage)
    gh.artifact_store = store  # type: ignore[attr-defined]
    return store


def _store(gh: GitHubStandIn) -> ArtifactStore:
    store = getattr(gh, "artifact_store", None)
    if store is None:
        raise _HTTPError(404, "Not Found")
    return store


def _artifact(gh: GitHubStandIn, ident: int, name: str, archive: Path, run_id: str) -> dict[str, Any]:
    stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(archive.stat().st_mtime))
    url = f"{gh.repo_api}/actions/artifacts/{ident}"
    body = {
        "id": ident,
        "node_id": f"MDg6QXJ0aWZhY3Q{ident}",
        "name": name,
        "size_in_bytes": archive.stat().st_size,
        "url": url,
        "archive_download_url": f"{url}/zip",
        "expired": False,
        "created_at": stamp,
        "expires_at": stamp,
        "updated_at": stamp,
        "workflow_run": {
            "id": int(run_id),
            "repository_id": 1,
            "head_repository_id": 1,
            "head_branch": "main",
            "head_sha": "0" * 40,
        },
    }
    gaps = [key for key, kind in ARTIFACT_FIELDS.items() if not isinstance(body.get(key), kind)]
    if gaps:
        gh.violations.append(f"artifact {name}: fields {gaps} missing or of the wrong type")
    return body


@route("GET", r"/actions/runs/(?P<run_id>\d+)/artifacts", LIST)
def list_run_artifacts(gh: GitHubStandIn, p: dict[str, str], q: dict[str, list[str]], body: Any) -> tuple[int, Any]:
    found = _store(gh).artifacts(p["run_id"])
    wanted = (q.get("name") or [None])[0]
    items = [_artifact(gh, i, n, a, p["run_id"]) for i, n, a in found if wanted in (None, n)]
    return 200, {"total_count": len(items), "artifacts": items}


@route("GET", r"/actions/artifacts/(?P<artifact_id>\d+)/(?P<archive_format>zip)", DOWNLOAD)
def download_artifact(
    gh: GitHubStandIn, p: dict[str, str], q: dict[str, list[str]], body: Any
) -> tuple[int, Any, dict[str, str]]:
    store = _store(gh)
    located = store.by_id(int(p["artifact_id"]))
    if located is None:
        raise _HTTPError(404, "Not Found")
    run_id, name, archive = located
    return 302, None, {"Location": f"{store.blob_url}/{run_id}/{name}/{archive.name}"}
