"""Which project a run record or a deploy file belongs to, and specs that would share state.

mlspec keeps a project's state next to its spec: `.mlspec/` (runs) and `deploy/<env>.yaml`. Two specs
in one folder would read each other's runs and deployments, so commands refuse records and deploy
files of another project, and validate/render refuse specs whose state would collide.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from mlspec.errors import MlspecError, SpecError
from mlspec.fsio import display_path
from mlspec.state.layout import StateLayout

if TYPE_CHECKING:
    from mlspec.spec import LoadedSpec
    from mlspec.state.deploy import Deployment
    from mlspec.state.record import RunRecord

OWN_FOLDER_HINT = (
    "give each spec its own folder: mlspec keeps a project's runs (.mlspec/) and deployments (deploy/) next to its spec"
)


class ForeignStateError(MlspecError):
    """A run record or deploy file next to the spec belongs to another project (or environment)."""


def check_record(record: RunRecord, loaded: LoadedSpec) -> None:
    """Refuse a run record of another project (two specs sharing one folder's `.mlspec/`)."""
    name = loaded.spec.name
    if record.project != name:
        raise ForeignStateError(
            f"run {record.run_id} in {display_path(StateLayout(loaded.root).root)} belongs to project {record.project!r}, "
            f"not to {name!r} ({display_path(loaded.path)}): another spec in the same folder shares its state",
            hint=f"{OWN_FOLDER_HINT}; then run `mlspec run {display_path(loaded.path)}`",
        )


def check_deployment(deployment: Deployment, project: str, environment: str, where: str) -> None:
    """Refuse a deploy file that names another project or environment than the one it is read for."""
    if deployment.project != project:
        raise ForeignStateError(
            f"{where} belongs to project {deployment.project!r}, not to {project!r}: another spec in the same "
            "folder shares its deploy/ folder",
            hint=OWN_FOLDER_HINT,
        )
    if deployment.environment != environment:
        raise ForeignStateError(
            f"{where} is read as the deployment of {environment!r} but names the environment "
            f"{deployment.environment!r}",
            hint="fix `environment:` in that file through a pull request",
        )


def check_separate_state(paths: list[Path]) -> None:
    """Refuse specs (given together or discovered) whose `.mlspec/` and `deploy/` would be the same folders."""
    by_folder: dict[Path, list[Path]] = {}
    for path in dict.fromkeys(p.resolve() for p in paths):
        by_folder.setdefault(path.parent, []).append(path)
    clashes = [specs for specs in by_folder.values() if len(specs) > 1]
    if not clashes:
        return
    lines = [
        f"{', '.join(display_path(p) for p in specs)} are in the same folder {display_path(specs[0].parent)}: "
        f"they would share its run state ({display_path(StateLayout(specs[0].parent).root)}) and deployment files "
        f"({display_path(specs[0].parent / 'deploy')}), so one project's runs and deployments would be "
        "read as another's"
        for specs in clashes
    ]
    raise SpecError("\n".join(lines), hint=OWN_FOLDER_HINT)
