"""A run's stage outputs in the store, and back: `mlspec push` writes, `mlspec run` reads (the remote stage cache).

A stage's index (`stages/<project>/<stage>/<inputs digest>.json`) names the run that produced it, its commit,
the run record's blob and one blob per output file. It is written after every blob it names."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mlspec.errors import shown
from mlspec.fsio import atomic_write_json
from mlspec.safepath import safe_name
from mlspec.state.layout import RECORD_FILE
from mlspec.state.record import RunRecord, RunStore, parse_record, utc_now
from mlspec.store.backend import ContentStore, bare
from mlspec.store.errors import StoreError

INDEX_FORMAT = 1
# In a run folder the store filled: which of its stages came from the store, so that a later command of the same job
# (CI runs `mlspec test data`, `mlspec train`, ... one by one) still says "reused from run X in the store".
ORIGIN_FILE = "store-origin.json"
PUSHABLE = ("passed", "cached", "skipped")


# The files each stage leaves in its run folder: mlspec.pipeline.runner.ARTIFACTS (the store does not import the
# pipeline; tests/store/test_backend.py checks the two agree). Logs and HTML reports are kept, not required.
STAGE_FILES: dict[str, tuple[str, ...]] = {
    "data_tests": ("data_tests.html", "data_tests.html.gz", "data_tests.json"),
    "train": ("train.log", "model.bentomodel"),
    "evaluate": ("predictions.csv",),
    "model_tests": ("model_tests.html", "model_tests.html.gz", "model_tests.json"),
}


def stage_files(stage: str) -> tuple[str, ...]:
    return STAGE_FILES.get(stage, ())


def required_files(stage: str) -> tuple[str, ...]:
    """The outputs a complete stage has (mlspec.pipeline.runner.outputs)."""
    return tuple(f for f in stage_files(stage) if f != "train.log" and not f.endswith((".html", ".html.gz")))


@dataclass
class Pushed:
    stage: str
    inputs: str
    files: int
    new: bool  # False: the store already had this stage's index


def push_record(store: ContentStore, runs: RunStore, record: RunRecord) -> list[Pushed]:
    """Upload every reusable stage of ``record`` (blobs first, then each stage's index)."""
    run_dir = runs.run_dir(record.run_id)
    done: list[Pushed] = []
    record_digest: str | None = None
    for result in record.stages:
        if result.status not in PUSHABLE or not result.inputs_digest:
            continue
        if result.name not in STAGE_FILES:  # the servability check: a latency belongs to the machine that measured it
            continue
        if store.get_index(record.project, result.name, result.inputs_digest) is not None:
            done.append(Pushed(result.name, result.inputs_digest, 0, new=False))
            continue
        missing = (
            [n for n in required_files(result.name) if not (run_dir / n).is_file()]
            if result.status != "skipped"
            else []
        )
        if missing:
            raise StoreError(
                f"run {record.run_id}: {result.name} has no {', '.join(missing)} in {run_dir}: nothing complete to push",
                hint="run `mlspec run` again, then `mlspec push`",
            )
        if record_digest is None:
            record_digest = store.put_blob(run_dir / RECORD_FILE)
        files: dict[str, str] = {}
        for name in stage_files(result.name) if result.status != "skipped" else ():
            if (run_dir / name).is_file():
                files[name] = store.put_blob(run_dir / name)
        index = {
            "format": INDEX_FORMAT,
            "project": record.project,
            "stage": result.name,
            "inputs_digest": result.inputs_digest,
            "run_id": record.run_id,
            "commit": record.git.commit,
            "status": result.status,
            "record": record_digest,
            "files": files,
            "pushed": utc_now(),
        }
        store.put_index(record.project, result.name, result.inputs_digest, index, runs.root)
        done.append(Pushed(result.name, result.inputs_digest, len(files), new=True))
    return done


@dataclass
class Found:
    """A stage result the store holds for some inputs."""

    stage: str
    run_id: str
    commit: str | None
    record: str
    files: dict[str, str]

    def origin(self) -> str:
        commit = f"commit {self.commit[:12]}" if self.commit else "no commit"
        return f"run {self.run_id} ({commit})"


def lookup(store: ContentStore, project: str, stage: str, inputs: str) -> Found | None:
    """The store's index for (stage, inputs), checked: None when there is none."""
    index = store.get_index(project, stage, inputs)
    if index is None:
        return None
    where = store.display(store.index_key(project, stage, inputs))
    problem = _problem(index, stage, inputs)
    if problem:
        raise StoreError(f"store: {where} is not a valid stage index: {problem}", hint="delete that object")
    return Found(stage, str(index["run_id"]), index.get("commit"), str(index["record"]), dict(index["files"]))


def _problem(index: dict[str, Any], stage: str, inputs: str) -> str | None:
    if index.get("format") != INDEX_FORMAT:
        return f"format {shown(index.get('format'))}, expected {INDEX_FORMAT}"
    if index.get("stage") != stage or index.get("inputs_digest") != inputs:
        return "it names another stage or other inputs"
    run_id, files = index.get("run_id"), index.get("files")
    if not isinstance(run_id, str) or not isinstance(files, dict) or not isinstance(index.get("record"), str):
        return "run_id, record or files missing"
    try:
        safe_name(run_id, key="run_id")
        bare(str(index["record"]))
        for name, digest in files.items():
            if name not in stage_files(stage):
                return f"file {shown(name)} is no output of {stage}"
            bare(str(digest))
    except Exception as exc:  # noqa: BLE001 - StoreError / PathEscapeError: the reason is the message
        return str(exc)
    return None


def materialize(store: ContentStore, runs: RunStore, found: Found, stage: str, inputs: str) -> RunRecord | None:
    """Download ``found``'s record and files into `.mlspec/runs/<its run>/` (each verified against its sha256),
    so the local stage cache reuses it like an earlier local run. None when the record does not hold the stage."""
    run_dir = runs.run_dir(found.run_id)
    record_path = run_dir / RECORD_FILE
    if not record_path.is_file():
        store.get_blob(found.record, record_path)
    record = parse_record(record_path.read_bytes())
    result = record.stage(stage)
    if record.run_id != found.run_id or result is None or result.inputs_digest != inputs:
        return None
    for name, digest in found.files.items():
        store.get_blob(digest, run_dir / name)
    _mark_origin(run_dir, found)
    return record


def _mark_origin(run_dir: Path, found: Found) -> None:
    origins = _origins(run_dir)
    origins[found.stage] = {
        "run_id": found.run_id,
        "commit": found.commit,
        "record": found.record,
        "files": found.files,
    }
    atomic_write_json(run_dir / ORIGIN_FILE, origins)


def _origins(run_dir: Path) -> dict[str, Any]:
    try:
        value = json.loads((run_dir / ORIGIN_FILE).read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}


def origin(run_dir: Path, stage: str) -> Found | None:
    """The store's result that filled ``stage`` of the run in ``run_dir`` (None: the stage was computed here)."""
    entry = _origins(run_dir).get(stage)
    if not isinstance(entry, dict) or entry.get("run_id") != run_dir.name:
        return None
    commit = entry.get("commit")
    files = entry.get("files")
    return Found(
        stage,
        run_dir.name,
        commit if isinstance(commit, str) else None,
        str(entry.get("record")),
        dict(files) if isinstance(files, dict) else {},
    )
