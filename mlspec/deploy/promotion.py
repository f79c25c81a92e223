"""The overlay a promotion or rollback pull request changes together with `deploy/<env>.yaml`: the
environment's `kustomization.yaml`, naming the deploy file's image digest, exactly as `mlspec render`
writes it (so `render --check` passes after the merge, and the controller deploys that image)."""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import TYPE_CHECKING

from mlspec import __version__
from mlspec.deploy.manifests import KUSTOMIZATION, MANIFEST_DIR, overlay_files
from mlspec.state.deploy import Deployment
from mlspec.templating import header_for

if TYPE_CHECKING:
    from mlspec.spec import LoadedSpec


def overlay_changes(loaded: LoadedSpec, env: str, deployment: Deployment, deploy_file: str) -> dict[str, str]:
    """Repository-relative path -> text of the overlay files the pull request writes; empty when ``env`` does
    not run on Kubernetes. ``deploy_file`` is the repository-relative `.../deploy/<env>.yaml`."""
    kube = loaded.spec.environment(env).kubernetes
    if kube is None:
        return {}
    project_dir = PurePosixPath(deploy_file).parent.parent  # <project>/deploy/<env>.yaml -> <project>
    spec_path = (project_dir / loaded.path.name).as_posix()
    folder = (project_dir / MANIFEST_DIR).as_posix() if str(project_dir) != "." else MANIFEST_DIR
    name = f"{env}/{KUSTOMIZATION}"
    text = overlay_files(loaded.spec, env, kube, deployment.image)[name]
    return {f"{folder}/{name}": header_for(__version__, spec_path) + text}
