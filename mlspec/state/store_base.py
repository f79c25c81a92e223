"""The model-store seam: where a promoted model's archive (the exported `.bentomodel`) lives, as a deploy file's
`model.artifact` names it, and where it is on this machine once fetched.

Stores today (state/artifacts.py): a file next to the spec (`LocalFileStore`) and a file of a GitHub Actions
run's artifact (`GitHubArtifactStore`, `gh-artifact:<run>/<name>/<path>`: CD and the monitor download it, after
mlspec.serve.provenance checked the run). An object store plugs in here: its class plus one line in all_stores.py.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

__all__ = ["ModelStore"]


class ModelStore(Protocol):
    name: str

    def handles(self, reference: str) -> bool:
        """Whether ``reference`` (a deploy file's `model.artifact`) names an archive in this store."""
        ...

    def local_path(self, root: Path, reference: str, where: str, project: str) -> Path:
        """Where the archive ``reference`` names is on this machine (``root``: the spec's folder); refuse a
        reference that is malformed, of another project, or that leaves its folder (``where`` names the file)."""
        ...
