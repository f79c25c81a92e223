"""The Ray job a train stage submitted, kept on disk so that the next mlspec process waits for it again.

Before each submission the engine writes the job id it is about to submit under the train stage's state,
`.mlspec/stages/train/ray-job-<inputs digest>.json` (atomically: a temp file renamed over it), with a digest of
the cluster address and when the first attempt was submitted. If mlspec dies while the job runs (a runner
restart, SIGKILL), the next train of the same inputs on the same cluster finds that id and waits for the job
instead of submitting a second one, as long as the job is still pending, running or succeeded; a failed or
stopped job, or one the cluster does not know, is submitted anew. A recorded job for other inputs or another
cluster is never looked at. The file is removed once the stage has the job's outcome.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from mlspec.fsio import atomic_write_json

RESUMABLE = {"PENDING", "RUNNING", "SUCCEEDED"}
STAGE = "train"


@dataclass(frozen=True)
class RecordedJob:
    job_id: str
    inputs: str  # the train stage's inputs digest
    cluster: str  # sha256 of the Jobs API address (the address itself may carry credentials)
    first_submitted: float  # epoch seconds of the first attempt: the timeout counts from there
    attempt: int = 0


def cluster_digest(address: str) -> str:
    return hashlib.sha256(address.strip().rstrip("/").encode("utf-8")).hexdigest()[:16]


def ledger_path(spec_root: Path, inputs_digest: str) -> Path:
    from mlspec.safepath import safe_name
    from mlspec.state.layout import StateLayout

    readable = inputs_digest.replace(":", "-")  # `xxh3_128:<hex>`: no colon in a file name (Windows, scp, URLs)
    name = safe_name(f"ray-job-{readable}.json", key="train inputs digest", where="the train stage's state")
    return StateLayout(spec_root).stage_state(STAGE) / name


@dataclass
class JobLedger:
    """The recorded job of one train stage's inputs on one cluster."""

    path: Path
    inputs: str
    cluster: str

    def recorded(self) -> RecordedJob | None:
        """The job an earlier process recorded for these inputs on this cluster; None otherwise."""
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            job = RecordedJob(**data)
        except (OSError, ValueError, TypeError):
            return None
        if job.inputs != self.inputs or job.cluster != self.cluster or not job.job_id:
            return None
        return job

    def record(self, job_id: str, first_submitted: float | None = None, attempt: int = 0) -> RecordedJob:
        job = RecordedJob(job_id, self.inputs, self.cluster, first_submitted or time.time(), attempt)
        atomic_write_json(self.path, asdict(job))
        return job

    def clear(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()
