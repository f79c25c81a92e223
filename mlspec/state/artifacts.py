"""Where a deploy file's `model.artifact` (the exported `.bentomodel` of the promoted run) is on this
machine: a path relative to the spec folder, or `gh-artifact:<run-id>/<name>/<inner>`, a file of the CT
run's artifact that CD and the monitor download: the two model stores of today (state/store_base.py). Serve,
monitor and the gate resolve it through state/all_stores.py."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from mlspec.errors import ServeError
from mlspec.safepath import inside
from mlspec.state.deploy import GH_ARTIFACT_PREFIX, ct_state_artifact
from mlspec.state.layout import StateLayout
from mlspec.state.model_store import ARCHIVE_EXTENSION

ARTIFACT_DIR_ENV = "MLSPEC_ARTIFACT_DIR"


@dataclass(frozen=True)
class GhArtifact:
    """`gh-artifact:<workflow-run-id>/<artifact-name>[/<path inside the artifact>]`: a file of an
    artifact uploaded by a GitHub Actions run. Only the project's CT state artifact, `mlspec-<project>-ct-state`,
    is accepted: any other artifact (the CI reports of a pull request, a fork's model) is refused before anything
    is downloaded or unpickled; mlspec.serve.provenance checks through the API that the run is a CT run of the
    default branch in this repository."""

    run_id: str
    name: str
    inner: str  # posix path inside the artifact, "" when the reference names the artifact only

    @classmethod
    def parse(cls, value: str, where: str, project: str) -> GhArtifact:
        parts = value[len(GH_ARTIFACT_PREFIX) :].split("/")
        run_id, name, inner = parts[0], parts[1] if len(parts) > 1 else "", parts[2:]
        if not _RUN_ID.fullmatch(run_id) or any(
            part in ("", ".", "..") or not _ARTIFACT_NAME.fullmatch(part) for part in [name, *inner]
        ):
            raise ServeError(
                f"{where}: model.artifact: {value!r} is not `{GH_ARTIFACT_PREFIX}<workflow-run-id>/<artifact-name>"
                "[/<path inside the artifact>]` (digits, then names of letters, digits, '.', '_', '-')",
                hint="fix the deployment file, or run `mlspec promote` again to rewrite it",
            )
        expected = ct_state_artifact(project)
        if name != expected:
            raise ServeError(
                f"{where}: model.artifact: {value!r} names the artifact {name!r}, not {expected!r}: CD deploys only "
                f"a model from the CT state artifact of project {project!r}, never one from another artifact (a pull "
                "request's CI reports hold a model trained by its code, forks included); nothing was downloaded",
                hint="promote a model trained by CT on the default branch (`mlspec promote` in the CT workflow writes "
                f"`{GH_ARTIFACT_PREFIX}<run>/{expected}/...`)",
            )
        return cls(run_id, name, "/".join(inner))

    def local_path(self, root: Path) -> Path:
        """The downloaded file (or, for a reference to the whole artifact, its one archive)."""
        folder = self.download_dir(root)
        if self.inner:
            return inside(folder, self.inner, key="model.artifact", boundary_name="the downloaded artifact")
        archives = sorted(folder.rglob("*" + ARCHIVE_EXTENSION)) if folder.is_dir() else []
        if len(archives) != 1:
            return folder
        return inside(folder, archives[0], key="model.artifact", boundary_name="the downloaded artifact")

    def download_dir(self, root: Path) -> Path:
        """Where CD (or the monitor) downloads the artifact, its files keeping their paths inside it;
        ``root`` is the spec's folder."""
        folder = Path(os.environ.get(ARTIFACT_DIR_ENV) or StateLayout(root).artifacts)
        return folder / self.run_id / self.name


_RUN_ID = re.compile(r"[0-9]{1,20}")
_ARTIFACT_NAME = re.compile(r"[A-Za-z0-9._-]{1,255}")


def refuse_tracked(root: Path, path: Path, reference: str, where: str) -> None:
    """Refuse a deploy file's local `model.artifact` that is a file in git: whoever committed it chose its bytes, and
    the build and the drift monitor unpickle it (in CD's environment job, with its secrets). mlspec names local
    archives in its own state folder (`.mlspec/`, never committed); CD takes models trained by CT on the default
    branch (`gh-artifact:`, checked by mlspec.serve.provenance, or the spec's model store)."""
    from mlspec import git

    try:
        tracked = git.run("ls-files", "--error-unmatch", "--", str(path), cwd=root, check=False).returncode == 0
    except git.GitError:
        return  # no git: nothing is committed
    if tracked:
        raise ServeError(
            f"{where}: model.artifact {reference!r} is a file committed to git, not a model mlspec exported: its "
            "bytes are whatever its committer put there, and building or monitoring unpickles it; nothing was loaded",
            hint="promote a model trained by CT on the default branch (`mlspec promote` writes "
            f"`{GH_ARTIFACT_PREFIX}<run>/...` or, with a model store, `model.store` and `model.digest`)",
        )


class LocalFileStore:
    """`model.artifact` as a path relative to the spec folder (or absolute, inside it)."""

    name = "file"

    def handles(self, reference: str) -> bool:
        return True  # the last store asked: whatever no other store names

    def local_path(self, root: Path, reference: str, where: str, project: str) -> Path:
        return inside(root, reference, key="model.artifact", where=where)


class GitHubArtifactStore:
    """`gh-artifact:<run-id>/<name>/<inner>`: the file `<inner>` where CD downloaded the artifact
    ($MLSPEC_ARTIFACT_DIR, default `<spec folder>/.mlspec/artifacts`, then `<run-id>/<name>/`)."""

    name = "github-artifact"

    def handles(self, reference: str) -> bool:
        return reference.startswith(GH_ARTIFACT_PREFIX)

    def local_path(self, root: Path, reference: str, where: str, project: str) -> Path:
        return GhArtifact.parse(reference, where, project).local_path(root)
