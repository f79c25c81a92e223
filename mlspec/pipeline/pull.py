"""`mlspec pull`: fetch the spec's DVC-tracked data files (`dvc pull` of exactly those), as CI does first."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from mlspec.errors import MlspecError

if TYPE_CHECKING:
    from mlspec.project import ProjectLike
    from mlspec.spec import LoadedSpec


def dvc_targets(loaded: LoadedSpec) -> list[str]:
    """The data files of the spec that DVC tracks, relative to the spec's folder (what `dvc pull` needs)."""
    from mlspec.pipeline.data import data_files

    return [ref.relative for ref in data_files(loaded) if not ref.url and ref.fingerprint is not None]


def pull(loaded: LoadedSpec) -> list[str]:
    """`dvc pull` exactly the DVC-tracked data files of the spec; returns them. Runs `dvc` from the PATH
    (or mlspec's own environment)."""
    targets = dvc_targets(loaded)
    if not targets:
        return []
    dvc = shutil.which("dvc", path=str(Path(sys.executable).parent)) or shutil.which("dvc")
    if dvc is None:
        raise MlspecError(
            "data: the spec's data is tracked by DVC, but the `dvc` command is not installed",
            hint="install DVC with the plugin of your remote, e.g. `pip install 'dvc[s3]'`",
        )
    command = [
        dvc,
        "pull",
        *([f"--remote={loaded.spec.data.dvc.remote}"] if loaded.spec.data.dvc and loaded.spec.data.dvc.remote else []),
        *targets,
    ]
    done = subprocess.run(command, cwd=loaded.root, capture_output=True, text=True, check=False, env=dict(os.environ))
    if done.returncode != 0:
        detail = (done.stderr or done.stdout).strip().splitlines()
        raise MlspecError(
            f"data: `dvc pull {' '.join(targets)}` failed (exit {done.returncode})"
            + (f":\n  {detail[-1][:500]}" if detail else ""),
            hint="check the DVC remote's address and its credentials (in CI: data.credentials)",
        )
    return targets


def pull_command(spec: ProjectLike = "mlproject.yaml") -> int:
    from mlspec.project import Project

    loaded = Project.of(spec).load(check_files=False)
    targets = pull(loaded)
    if targets:
        print(f"pulled {len(targets)} DVC-tracked data file{'s' if len(targets) != 1 else ''}: {', '.join(targets)}")
    else:
        print("no data file of the spec is tracked by DVC: nothing to pull")
    return 0
