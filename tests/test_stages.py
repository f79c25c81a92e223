"""mlspec/stages.py: each stage is described once and everything else reads it."""

from __future__ import annotations

from typing import get_args

from mlspec.pipeline import cache, runner
from mlspec.stages import ALL, BY_NAME, ON_DEMAND, PIPELINE, STAGE_NAMES
from mlspec.state.record import RunRecord, StageName


def test_the_tables_are_read_from_the_one_description() -> None:
    assert tuple(get_args(StageName)) == tuple(BY_NAME) == tuple(s.name for s in ALL)  # the record's names, in order
    assert cache.STAGES == tuple(s.name for s in PIPELINE)  # `mlspec run`'s stages: every stage but the on-demand ones
    assert all(not s.on_demand for s in PIPELINE) and all(s.on_demand and s.command for s in ON_DEMAND)
    assert set(runner.RUNNERS) == set(cache.STAGES)  # every stage of `mlspec run` runs, and nothing else
    for stage in PIPELINE:
        assert runner.ARTIFACTS[stage.name] == stage.outputs
    for stage in ALL:
        assert cache.TITLES[stage.name] == stage.title and cache.UPSTREAM[stage.name] == stage.upstream
        assert cache.STAGE_SECTIONS[stage.name] == stage.inputs and cache.LIBRARIES[stage.name] == stage.libraries
        assert all(STAGE_NAMES.index(up) < STAGE_NAMES.index(stage.name) for up in stage.upstream)
        assert set(stage.invalidates) <= set(BY_NAME)


def test_an_on_demand_stage_is_run_by_its_own_command() -> None:
    """The servability check is no runner of `mlspec run`: its command (`mlspec test serving`) runs it, and the CLI
    sends that command to the check, which records it through pipeline/on_demand.py."""
    import inspect

    from mlspec.cli import HANDLERS
    from mlspec.serve import check

    serving = BY_NAME["serving"]
    assert serving.command == "mlspec test serving" and "serving" not in runner.RUNNERS
    assert HANDLERS[serving.command.removeprefix("mlspec ")] == "mlspec.serve.check:servability_command"
    assert 'run_on_demand(\n        project,\n        "serving"' in inspect.getsource(check.servability_command)
    assert serving.upstream == ("train",) and "serving" in BY_NAME["train"].invalidates
    assert serving.outputs == ("servability.json", "servability-server.log") and "bentoml" in serving.libraries
    assert "serve" in serving.inputs and serving.per_machine
    assert serving.step_name == "Servability check (build, serve on 127.0.0.1, compare, time)"  # the CT step


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


def test_retraining_marks_the_servability_check_stale(tmp_path) -> None:
    """The pipeline's stages a retrain invalidates are dropped (the run reruns them); the servability check, which
    only its own command reruns, stays in the record as `stale`, saying for which model it was."""
    from mlspec.pipeline.cache import MODEL_INPUT
    from mlspec.state.record import StageResult
    from tests.gate.support import make_record, project_with_gates

    record: RunRecord = make_record(project_with_gates(tmp_path, ""), {"roc_auc": 0.9}, save=False)
    checked = StageResult(
        name="serving", status="passed", seconds=30.0, inputs_digest="d", inputs={MODEL_INPUT: "breast-cancer:old"}
    )
    runner.set_stage(record, checked)
    runner.set_stage(record, StageResult(name="train", status="passed"))
    assert [s.name for s in record.stages] == ["train", "evaluate", "serving"]  # in the descriptions' order
    runner.invalidate_downstream(record, "train")
    assert [s.name for s in record.stages] == ["train", "serving"]
    serving = record.stages[1]
    assert serving.name == "serving" and serving.status == "stale" and serving.inputs_digest == ""
    assert serving.message == (
        f"train reran after it in run {record.run_id}: its result (passed) is for model breast-cancer:old; "
        "rerun `mlspec test serving`"
    )
    runner.invalidate_downstream(record, "train")  # a second retrain keeps the first reason
    assert record.stages[1] == serving and serving.status == "stale" and "breast-cancer:old" in serving.message


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
