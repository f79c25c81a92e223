"""The stage planner alone (mlspec/pipeline/stage_plan.py): what runs, what is reused and why, from recorded results
and current inputs; no deepchecks, no training, no files. `mlspec run` and `mlspec status` both use it, so where
they used to disagree the planner's answer is the one both give (the tests below say which way)."""

from __future__ import annotations

from mlspec.pipeline.cache import STAGES, UPSTREAM, Inputs
from mlspec.pipeline.stage_plan import Prior, Reason, Step, plan_stages
from mlspec.state.record import StageResult, StageStatus


def _inputs(**changed: dict[str, str]) -> Inputs:
    """Every stage with one data file and its upstream digest; ``changed`` overrides a stage's components."""
    inputs = Inputs()
    for stage in STAGES:
        components = {"file:data/train.csv": "d1", "version:mlspec": "1"} | changed.get(stage, {})
        for up in UPSTREAM[stage]:
            components[f"stage:{up}"] = inputs.digests[up]
        inputs.components[stage] = components
        inputs.digests[stage] = "|".join(f"{k}={v}" for k, v in sorted(components.items()))
    return inputs


def _ran(inputs: Inputs, stage: str, status: StageStatus = "passed", message: str = "") -> StageResult:
    result = StageResult(
        name=stage, status=status, message=message, inputs_digest=inputs.digests[stage] if status != "failed" else ""
    )
    result.inputs = dict(inputs.components[stage])
    return result


def _priors(recorded: Inputs, current: Inputs, **overrides: Prior) -> dict[str, Prior]:
    """Priors as gather_priors makes them for a record that ran every stage with ``recorded`` inputs."""
    priors = {}
    for stage in STAGES:
        before = _ran(recorded, stage)
        priors[stage] = overrides.get(stage, Prior(before=before, here=before.inputs_digest == current.digests[stage]))
    return priors


def _actions(steps: list[Step]) -> dict[str, str]:
    return {step.stage: step.action for step in steps}


def test_nothing_changed_reuses_every_stage() -> None:
    inputs = _inputs()
    steps = plan_stages(inputs, _priors(inputs, inputs))
    assert steps == [Step(stage, "reuse") for stage in STAGES]


def test_a_train_data_change_reruns_train_and_the_stages_after_it_with_their_own_reasons_first() -> None:
    old, new = _inputs(), _inputs(train={"file:data/train.csv": "d2"}, evaluate={"file:data/train.csv": "d2"})
    steps = plan_stages(new, _priors(old, new))
    assert _actions(steps) == {"data_tests": "reuse", "train": "run", "evaluate": "run", "model_tests": "run"}
    by_stage = {step.stage: step for step in steps}
    assert by_stage["train"].reasons == (Reason("changed", "data file data/train.csv changed"),)
    # evaluate's own change first, then the upstream stage that runs (run used to say only "train reran",
    # status only the own change: both now give both)
    assert by_stage["evaluate"].reasons == (
        Reason("changed", "data file data/train.csv changed"),
        Reason("upstream", "train"),
    )
    assert [r.run_text() for r in by_stage["evaluate"].reasons] == ["data file data/train.csv changed", "train reran"]
    assert [r.status_text("r1") for r in by_stage["evaluate"].reasons] == [
        "data file data/train.csv changed",
        "train is stale",
    ]
    assert by_stage["model_tests"].reasons == (Reason("upstream", "train"),)


def test_a_stage_whose_only_change_is_its_upstream_names_the_upstream_once() -> None:
    old, new = _inputs(), _inputs(train={"code:src/train.py": "c2"})
    evaluate = next(step for step in plan_stages(new, _priors(old, new)) if step.stage == "evaluate")
    assert evaluate == Step("evaluate", "run", (Reason("upstream", "train"),))


def test_an_earlier_run_with_the_same_inputs_is_reused_by_run_and_status_alike() -> None:
    old, new = _inputs(), _inputs(train={"file:data/train.csv": "d0"})
    priors = _priors(old, new, train=Prior(before=_ran(old, "train"), cached_from="r0"))
    steps = plan_stages(new, priors)
    assert steps[1] == Step("train", "reuse", source="r0")  # status used to call it stale
    assert _actions(steps)["evaluate"] == "run"  # evaluate's recorded train digest differs
    assert steps[2].reasons == (Reason("upstream_changed", "train"),)
    assert steps[2].reasons[0].run_text() == "train inputs changed (the model will be retrained)"
    assert steps[2].reasons[0].status_text("r1") == "train is stale"


def test_missing_outputs_failed_and_never_run() -> None:
    inputs = _inputs()
    priors = _priors(
        inputs,
        inputs,
        data_tests=Prior(before=None),
        train=Prior(before=_ran(inputs, "train"), intact=False),
        model_tests=Prior(before=_ran(inputs, "model_tests", "failed", "FeatureDrift failed\nmore")),
    )
    steps = {step.stage: step for step in plan_stages(inputs, priors)}
    assert steps["data_tests"].reasons == (Reason("never"),)
    assert steps["data_tests"].reasons[0].status_text(None) is None
    assert steps["data_tests"].reasons[0].status_text("r1") == "not run in run r1"
    assert steps["train"].reasons == (Reason("outputs"),)
    assert steps["train"].reasons[0].status_text("r1") == "its outputs in run r1 are missing or changed"
    assert steps["model_tests"].reasons == (
        Reason("failed", "FeatureDrift failed"),
        Reason("unchanged"),
        Reason("upstream", "train"),
    )
    assert steps["model_tests"].reasons[0].run_text() == "failed last time"
    assert steps["evaluate"].reasons == (Reason("upstream", "train"),)


def test_force_reruns_what_was_asked_and_a_stage_command_runs_only_the_upstream_it_needs() -> None:
    inputs = _inputs()
    forced = plan_stages(inputs, _priors(inputs, inputs), force=True)
    assert all(step.action == "run" and step.reasons == (Reason("force"),) for step in forced)

    steps = plan_stages(inputs, _priors(inputs, inputs), targets=["evaluate"], whole=False, force=True)
    assert _actions(steps) == {"data_tests": "skip", "train": "skip", "evaluate": "run", "model_tests": "skip"}

    old, new = _inputs(), _inputs(train={"file:data/train.csv": "d2"})
    steps = plan_stages(new, _priors(old, new), targets=["evaluate"], whole=False)
    assert _actions(steps) == {"data_tests": "skip", "train": "run", "evaluate": "run", "model_tests": "skip"}


def test_a_failed_stage_names_what_changed_since_it_failed() -> None:
    """The bug: after a failed stage `mlspec status` said only "failed in run r1: ..." and named no changed key or
    file, so nobody could tell whether the fix was picked up. Now the failure, then each change since."""
    old = _inputs(train={"code:src/train.py": "c1"})
    new = _inputs(train={"file:data/train.csv": "d2", "code:src/train.py": "c2"})
    priors = _priors(old, new, train=Prior(before=_ran(old, "train", "failed", "train.py raised KeyError: 'age'")))
    train = next(step for step in plan_stages(new, priors) if step.stage == "train")
    assert [r.status_text("r1") for r in train.reasons] == [
        "failed in run r1: train.py raised KeyError: 'age'",
        "code file src/train.py changed",
        "data file data/train.csv changed",
    ]


def test_a_failed_stage_whose_inputs_did_not_change_says_so() -> None:
    inputs = _inputs()
    priors = _priors(inputs, inputs, train=Prior(before=_ran(inputs, "train", "failed", "out of memory")))
    train = next(step for step in plan_stages(inputs, priors) if step.stage == "train")
    assert [r.status_text("r1") for r in train.reasons] == [
        "failed in run r1: out of memory",
        "none of its inputs changed since it failed",
    ]
