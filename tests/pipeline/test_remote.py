"""The remote stage cache's lookup (mlspec/pipeline/remote.py) when the store cannot be read: one warning, the
stages computed here; a damaged object: refused."""

from __future__ import annotations

import io
from pathlib import Path
from types import SimpleNamespace

import pytest

from mlspec.pipeline.remote import fetch_stages
from mlspec.spec.models import ModelStoreSpec
from mlspec.state.record import RunStore
from mlspec.store.backend import ContentStore
from mlspec.store.errors import IntegrityError
from mlspec.store.stages import push_record
from tests.store.helpers import fake_run


def _loaded(root: Path, url: str) -> SimpleNamespace:
    spec = SimpleNamespace(name="demo", store=ModelStoreSpec.model_validate(url), environments=[])
    return SimpleNamespace(spec=spec, root=root)


def _inputs(record) -> SimpleNamespace:  # type: ignore[no-untyped-def]
    digests = {s.name: s.inputs_digest for s in record.stages}
    return SimpleNamespace(
        digests={s: digests.get(s, "xxh3_128:" + "9" * 32) for s in ("data_tests", "train", "evaluate", "model_tests")}
    )


def _nothing_here(stage: str, digest: str) -> bool:
    return False  # nothing local is intact


def test_an_unreadable_store_is_one_warning_and_the_stages_run_here(tmp_path: Path) -> None:
    root, record = fake_run(tmp_path / "proj")
    blocked = tmp_path / "blocked"
    blocked.write_text("a file where the store's folder should be")
    stream = io.StringIO()
    found = fetch_stages(
        _loaded(root, str(blocked / "store")), RunStore(root), _inputs(record), [], stream, _nothing_here
    )  # type: ignore[arg-type]
    assert found == {}
    assert stream.getvalue().count("warning: cannot read the model store") == 1  # not one per stage
    assert "the stages are computed here" in stream.getvalue()


def test_a_pushed_run_is_found_and_a_tampered_one_refused(tmp_path: Path) -> None:
    root, record = fake_run(tmp_path / "proj")
    url = str(tmp_path / "store")
    push_record(ContentStore.open(url), RunStore(root), record)
    other = tmp_path / "other"  # another machine: empty state
    pool: list = []
    found = fetch_stages(_loaded(other, url), RunStore(other), _inputs(record), pool, io.StringIO(), _nothing_here)  # type: ignore[arg-type]
    assert sorted(found) == ["evaluate", "train"] and [r.run_id for r in pool] == [record.run_id]
    assert (RunStore(other).run_dir(record.run_id) / "model.bentomodel").read_bytes() == b"model bytes" * 1000

    store = ContentStore.open(url)
    key = store.blob_key(found["evaluate"].files["predictions.csv"])
    store.fs.pipe_file(key, b"row,y\n1,1\n")
    third = tmp_path / "third"
    with pytest.raises(IntegrityError):
        fetch_stages(_loaded(third, url), RunStore(third), _inputs(record), [], io.StringIO(), _nothing_here)  # type: ignore[arg-type]
