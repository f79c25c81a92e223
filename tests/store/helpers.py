"""A run record with real output files, without training (for the store's fast tests)."""

from __future__ import annotations

from pathlib import Path

from mlspec.state.record import GitInfo, RunRecord, RunStore, StageResult


def fake_run(root: Path) -> tuple[Path, RunRecord]:
    runs = RunStore(root)
    record = RunRecord(
        run_id="20260101T000000000000Z-00001",
        project="demo",
        spec_path="mlproject.yaml",
        spec_digest="x",
        created="2026-01-01T00:00:00Z",
        git=GitInfo(commit="c" * 40),
        status="passed",
    )
    run_dir = runs.run_dir(record.run_id)
    run_dir.mkdir(parents=True)
    (run_dir / "model.bentomodel").write_bytes(b"model bytes" * 1000)
    (run_dir / "train.log").write_text("training\n")
    (run_dir / "predictions.csv").write_text("row,y\n1,0\n")
    record.stages = [
        StageResult(name="train", status="passed", inputs_digest="xxh3_128:" + "1" * 32),
        StageResult(name="evaluate", status="passed", inputs_digest="xxh3_128:" + "2" * 32),
    ]
    runs.save(record)
    return root, record
