"""mlspec/stages.py: each stage is described once and everything else reads it."""

from __future__ import annotations

from typing import get_args

from mlspec.pipeline import cache, runner
from mlspec.stages import BY_NAME, PIPELINE
from mlspec.state.record import RunRecord, StageName


def test_the_tables_are_read_from_the_one_description() -> None:
    assert cache.STAGES == tuple(get_args(StageName)) == tuple(BY_NAME)  # the record's names, in pipeline order
    assert set(runner.RUNNERS) == set(BY_NAME)  # every stage runs, and nothing else
    for stage in PIPELINE:
        assert cache.TITLES[stage.name] == stage.title and cache.UPSTREAM[stage.name] == stage.upstream
        assert cache.STAGE_SECTIONS[stage.name] == stage.inputs and cache.LIBRARIES[stage.name] == stage.libraries
        assert runner.ARTIFACTS[stage.name] == stage.outputs
        assert all(cache.STAGES.index(up) < cache.STAGES.index(stage.name) for up in stage.upstream)


def test_retraining_invalidates_what_the_description_says(tmp_path) -> None:
    from tests.gate.support import make_record, outcome_of, project_with_gates

    record: RunRecord = make_record(project_with_gates(tmp_path, ""), {"roc_auc": 0.9}, save=False)
    record.predictions = "predictions.csv"
    record.tests = {"data": outcome_of("data", 0, 3), "model": outcome_of("model", 0, 3)}
    runner.invalidate_downstream(record, "evaluate")  # nothing depends on evaluate
    assert record.metrics and record.predictions and set(record.tests) == {"data", "model"}
    runner.invalidate_downstream(record, "train")
    assert record.metrics == {} and record.predictions is None and set(record.tests) == {"data"}
    assert [s.name for s in record.stages] == []  # make_record's one stage was evaluate


def test_the_records_stage_names_are_derived_from_the_descriptions() -> None:
    """A stage added to the descriptions is a name the run record accepts, with no second list to edit (a fresh
    interpreter: the record module reads the names when it is imported)."""
    import subprocess
    import sys

    code = (
        "import mlspec.stages as s\n"
        "s.STAGE_NAMES = (*s.STAGE_NAMES, 'new_stage')\n"
        "from mlspec.state.record import StageResult\n"
        "print(StageResult(name='new_stage', status='passed').name)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "new_stage"
    assert get_args(StageName) == tuple(BY_NAME)
