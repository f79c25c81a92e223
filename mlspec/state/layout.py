"""The `.mlspec/` folder next to a spec: the one place that says where each piece of local state lives.

    .mlspec/
      runs/<run-id>/record.json   a run (report.md, report.png, gate.json, ... beside it)
      runs/latest                 a file naming the newest run id
      cache/stat.json             file digests by (size, mtime, inode): pipeline/fingerprint.py
      cache/remote/<key>/<name>   local copies of URL data sources: datasource.py
      artifacts/<run-id>/<name>/  GitHub artifacts downloaded by CD and the monitor ($MLSPEC_ARTIFACT_DIR)
      service/<service>/          the generated BentoML service
      drift/<drift-id>/, latest   `mlspec drift` results
      promotions/<env>/           the pull request files of a local `mlspec promote`
      stages/<stage>/             a stage's own state between processes (the train stage's Ray job id)

Every other module asks a `StateLayout` for a path instead of joining `.mlspec` itself, so the layout
can change (or move) in one place.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from mlspec.fsio import display_path
from mlspec.safepath import safe_name

STATE_DIR = (
    ".mlspec"  # the folder's name, relative to the spec's folder (path filters, .gitignore, `(state)` of a render)
)
LATEST = "latest"  # the pointer file of `runs/` and `drift/`
RECORD_FILE = "record.json"


@dataclass(frozen=True)
class StateLayout:
    """The state folder of one spec, given the spec's folder (``spec_root``)."""

    spec_root: Path

    @property
    def root(self) -> Path:
        return self.spec_root / STATE_DIR

    # runs -------------------------------------------------------------------------------------------
    @property
    def runs(self) -> Path:
        return self.root / "runs"

    @property
    def latest_file(self) -> Path:
        return self.runs / LATEST

    def run_dir(self, run_id: str) -> Path:
        """The run's folder; a run id that is not one plain name (`../../x`) is refused (safepath)."""
        safe_name(run_id, key="run_id", where=display_path(self.runs))
        return self.runs / run_id

    def record_file(self, run_id: str) -> Path:
        return self.run_dir(run_id) / RECORD_FILE

    # caches -----------------------------------------------------------------------------------------
    @property
    def cache(self) -> Path:
        return self.root / "cache"

    @property
    def stat_cache(self) -> Path:
        return self.cache / "stat.json"

    @property
    def remote_cache(self) -> Path:
        return self.cache / "remote"

    # everything else --------------------------------------------------------------------------------
    @property
    def artifacts(self) -> Path:
        """Default download folder of GitHub artifacts (``$MLSPEC_ARTIFACT_DIR`` overrides it: serve/modelref.py)."""
        return self.root / "artifacts"

    @property
    def services(self) -> Path:
        return self.root / "service"

    def service_dir(self, service: str) -> Path:
        return self.services / service

    @property
    def drift(self) -> Path:
        return self.root / "drift"

    def stage_state(self, stage: str) -> Path:
        """What a stage keeps between mlspec processes (pipeline/engines/ray_ledger.py)."""
        return self.root / "stages" / safe_name(stage, key="stage")

    def promotions(self, env: str, folder: str = "promotions") -> Path:
        return self.root / folder / env


def run_file_text(run_id: str, name: str) -> str:
    """A run's file as the user sees it in messages, relative to the spec folder: `.mlspec/runs/<id>/<name>`."""
    return f"{STATE_DIR}/runs/{run_id}/{name}"


def gitignore_lines() -> tuple[str, ...]:
    """The `.gitignore` lines that already keep the state folder out of git."""
    return (STATE_DIR, f"{STATE_DIR}/", f"/{STATE_DIR}/")
