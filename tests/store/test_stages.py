"""mlspec/store/stages.py: what `mlspec push` puts into the store. The servability check's result stays on the
machine that measured it (a latency measured there does not hold on another: mlspec/stages.py's `per_machine`)."""

from __future__ import annotations

from pathlib import Path

from mlspec.stages import BY_NAME
from mlspec.state.record import RunStore, StageResult
from mlspec.store.backend import ContentStore
from mlspec.store.stages import lookup, push_record
from tests.store.helpers import fake_run


def test_push_leaves_the_servability_check_out(tmp_path: Path) -> None:
    root, record = fake_run(tmp_path / "proj")
    run_dir = RunStore(root).run_dir(record.run_id)
    (run_dir / "servability.json").write_text('{"verdict": "pass"}')
    serving = StageResult(name="serving", status="passed", inputs_digest="xxh3_128:" + "3" * 32)
    record.stages.append(serving)
    RunStore(root).save(record)
    assert BY_NAME["serving"].per_machine

    store = ContentStore.open(str(tmp_path / "store"))
    pushed = push_record(store, RunStore(root), record)
    assert [p.stage for p in pushed] == ["train", "evaluate"]
    assert lookup(store, record.project, "serving", serving.inputs_digest) is None
    assert lookup(store, record.project, "train", record.stages[0].inputs_digest) is not None
