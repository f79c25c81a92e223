"""The content-addressed store itself (mlspec/store/backend.py), on a folder and on a real S3 API."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from mlspec.store.backend import ContentStore
from mlspec.store.errors import IntegrityError, StoreError
from mlspec.store.location import open_store
from mlspec.store.stages import lookup


def test_round_trip_is_content_addressed_and_verified(store_url: str, tmp_path: Path) -> None:
    store = ContentStore.open(store_url)
    source = tmp_path / "model.bentomodel"
    source.write_bytes(os.urandom(3 << 20) + b"end")  # more than one download chunk
    digest = store.put_blob(source)
    assert digest == "sha256:" + hashlib.sha256(source.read_bytes()).hexdigest()
    assert store.listing() == [f"blobs/sha256/{digest[7:9]}/{digest[7:]}"]  # no temporary key left behind
    assert store.put_blob(source) == digest  # stored once
    fetched = store.get_blob(digest, tmp_path / "back" / "model.bentomodel")
    assert fetched.read_bytes() == source.read_bytes()


def test_one_changed_byte_is_refused_with_both_digests(store_url: str, tmp_path: Path) -> None:
    store = ContentStore.open(store_url)
    source = tmp_path / "predictions.csv"
    source.write_bytes(b"row,label\n1,a\n2,b\n")
    digest = store.put_blob(source)
    tampered = bytearray(source.read_bytes())
    tampered[5] ^= 1
    store.fs.pipe_file(store.blob_key(digest), bytes(tampered))  # someone with write access changed one byte
    target = tmp_path / "out" / "predictions.csv"
    with pytest.raises(IntegrityError) as caught:
        store.get_blob(digest, target)
    actual = hashlib.sha256(bytes(tampered)).hexdigest()
    assert f"sha256:{actual}" in caught.value.message and digest in caught.value.message
    assert not target.exists() and list(target.parent.iterdir()) == []  # nothing written, not even a temp file


def test_a_missing_blob_says_which_and_what_to_do(tmp_path: Path) -> None:
    store = ContentStore.open(str(tmp_path / "store"))
    with pytest.raises(StoreError) as caught:
        store.get_blob("sha256:" + "ab" * 32, tmp_path / "x")
    assert "is not in the store" in caught.value.message and "mlspec push" in (caught.value.hint or "")


KILLED_PUSH = """
import os, signal, sys
from pathlib import Path
from mlspec.store import backend
from mlspec.state.record import RunStore
from mlspec.store.backend import ContentStore
from mlspec.store.stages import push_record

original = backend.ContentStore._commit
def commit_then_die(self, local, key):
    original(self, local, key)
    if "/blobs/" in key:
        os.kill(os.getpid(), signal.SIGKILL)  # killed mid-push, right after its first blob
backend.ContentStore._commit = commit_then_die
runs = RunStore(Path(sys.argv[2]))
push_record(ContentStore.open(sys.argv[1]), runs, runs.latest())
"""


def test_a_killed_push_is_never_read_as_complete(store_url: str, tmp_path: Path) -> None:
    from tests.store.helpers import fake_run

    root, record = fake_run(tmp_path / "proj")
    done = subprocess.run(
        [sys.executable, "-c", KILLED_PUSH, store_url, str(root)], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == -signal.SIGKILL, done.stderr
    store = ContentStore.open(store_url)
    keys = store.listing()
    assert any(k.startswith("blobs/") for k in keys)  # it got as far as one blob
    assert not [k for k in keys if k.startswith("stages/")]  # but no index: nothing reads as complete
    for result in record.stages:
        assert lookup(store, record.project, result.name, result.inputs_digest) is None

    # a complete push afterwards commits every stage, each index naming blobs that are all there
    from mlspec.state.record import RunStore
    from mlspec.store.stages import push_record

    pushed = push_record(store, RunStore(root), record)
    assert [p.stage for p in pushed] == [r.name for r in record.stages]
    for result in record.stages:
        found = lookup(store, record.project, result.name, result.inputs_digest)
        assert found is not None and found.run_id == record.run_id
        assert all(store.has_blob(d) for d in [found.record, *found.files.values()])


def test_a_damaged_index_is_a_clear_error(tmp_path: Path) -> None:
    store = ContentStore.open(str(tmp_path / "store"))
    key = store.index_key("p", "train", "xxh3_128:" + "0" * 32)
    store.fs.makedirs(os.path.dirname(key), exist_ok=True)
    store.fs.pipe_file(
        key,
        json.dumps(
            {
                "format": 1,
                "stage": "train",
                "inputs_digest": "xxh3_128:" + "0" * 32,
                "run_id": "../../etc",
                "record": "sha256:" + "0" * 64,
                "files": {},
            }
        ).encode(),
    )
    with pytest.raises(StoreError) as caught:
        lookup(store, "p", "train", "xxh3_128:" + "0" * 32)
    assert "not a valid stage index" in caught.value.message and "run_id" in caught.value.message


def test_a_relative_folder_is_resolved_against_the_project(tmp_path: Path) -> None:
    from mlspec.spec.models import ModelStoreSpec

    class Spec:
        store = ModelStoreSpec.model_validate("models-store")
        environments: list[object] = []

    store = open_store(Spec(), tmp_path)
    assert store is not None and Path(store.root) == tmp_path / "models-store"


def test_the_store_knows_the_files_each_stage_leaves() -> None:
    """mlspec/store/stages.py copies the pipeline's list (the store does not import the pipeline): the two agree."""
    from mlspec.pipeline.runner import ARTIFACTS, outputs
    from mlspec.store.stages import STAGE_FILES, required_files

    assert STAGE_FILES == ARTIFACTS
    assert {stage: required_files(stage) for stage in ARTIFACTS} == {stage: outputs(stage) for stage in ARTIFACTS}
