"""The pipeline's stages, each described once: `Stage` says its name, title, upstream stages, inputs (the spec
sections it depends on; its data, code and config files are pipeline/cache.py's `Inputs`), outputs (the files it
writes in the run folder), the libraries whose versions it depends on, what it writes into the run record and what a
rerun of it invalidates. The planner (stage_plan.py), the cache (cache.py), the record handling and status
(runner.py, on_demand.py), the store (store/stages.py) and render (the CT workflow's step) read these; the function
that runs each of `mlspec run`'s stages is runner.py's `RUNNERS` (a test keeps both in step).

`PIPELINE` are `mlspec run`'s stages. `ON_DEMAND` are stages it never runs: the servability check (`serving`) runs
only when asked, by `mlspec test serving` (serve/check.py, through pipeline/on_demand.py), on the latest run's model.
Its result is a stage result of that run's record like the others (status, message, timing, inputs digest), so a
record that never ran it has no such entry and reads as it did before the stage existed. Its inputs include the
model it checked and the machine it ran on (`per_machine`: a latency measured elsewhere is not reused here); a
retrain in the same record marks it `stale` (train's `invalidates`) rather than dropping it, since no later command
reruns it by itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mlspec.state.record import StageName

__all__ = ["ALL", "BY_NAME", "ON_DEMAND", "PIPELINE", "STAGE_NAMES", "Stage"]


@dataclass(frozen=True)
class Stage:
    name: StageName
    title: str  # as status, the run summary and messages name it
    upstream: tuple[StageName, ...]  # stages whose output it reads: a rerun of one reruns it
    inputs: tuple[str, ...]  # the spec sections it depends on (cache.spec_sections keys)
    outputs: tuple[str, ...]  # files in the run folder, copied when the stage is reused
    libraries: tuple[str, ...]  # whose versions are among its inputs
    tests: str | None = None  # the record.tests entry it writes ("data", "model"), copied when reused
    record_fields: tuple[str, ...] = ()  # the record fields it writes, reset when it is invalidated
    invalidates: tuple[StageName, ...] = ()  # stages whose results a rerun of this one makes meaningless
    # not one of `mlspec run`'s stages: it runs only when its command asks (`command`), on the latest run
    on_demand: bool = False
    command: str = ""  # the command that runs it alone, e.g. "mlspec test serving"
    # its result measures the machine it ran on (a latency): the machine is among its inputs, so that a result is
    # never reused on another machine, and it is never pushed to the model store
    per_machine: bool = False
    action: str | None = None  # the composite action (actions/<name>) that runs it in CI, where it has its own
    summary: str = ""  # what it does, in a few words: the CI step's name is its title with this in parentheses

    @property
    def step_name(self) -> str:
        """The name of its step in the CT workflow: `Servability check (build, serve on 127.0.0.1, compare, time)`."""
        title = self.title[:1].upper() + self.title[1:]
        return f"{title} ({self.summary})" if self.summary else title


PIPELINE: tuple[Stage, ...] = (
    Stage(
        name="data_tests",
        title="data tests",
        upstream=(),
        inputs=("data", "tests.data"),
        outputs=("data_tests.html", "data_tests.html.gz", "data_tests.json"),
        libraries=("deepchecks", "pandas", "numpy", "scikit-learn"),
        tests="data",
    ),
    Stage(
        name="train",
        title="train",
        upstream=(),
        inputs=("data/train", "train"),
        outputs=("train.log", "model.bentomodel"),
        libraries=("pandas", "numpy", "scikit-learn"),
        invalidates=("evaluate", "model_tests", "serving"),
    ),
    Stage(
        name="evaluate",
        title="evaluate",
        upstream=("train",),
        inputs=("data", "evaluate", "gates.metrics"),
        outputs=("predictions.csv",),
        libraries=("pandas", "numpy", "scikit-learn"),
        record_fields=("metrics", "predictions"),
    ),
    Stage(
        name="model_tests",
        title="model tests",
        upstream=("train",),
        inputs=("data", "tests.model", "evaluate.labels"),
        outputs=("model_tests.html", "model_tests.html.gz", "model_tests.json"),
        libraries=("deepchecks", "pandas", "numpy", "scikit-learn"),
        tests="model",
    ),
)
ON_DEMAND: tuple[Stage, ...] = (
    Stage(
        name="serving",
        title="servability check",
        upstream=("train",),
        # what the check reads of the spec: the service (serve), which rows are the test rows (data) and the task
        # (which endpoints, how predictions are compared); the model it checks is an input of its own (on_demand.py)
        inputs=("serve", "data", "evaluate.labels"),
        outputs=("servability.json", "servability-server.log"),
        libraries=("bentoml", "pandas", "numpy", "scikit-learn"),
        on_demand=True,
        command="mlspec test serving",
        per_machine=True,
        action="test-serving",
        summary="build, serve on 127.0.0.1, compare, time",
    ),
)
ALL: tuple[Stage, ...] = PIPELINE + ON_DEMAND
BY_NAME: dict[str, Stage] = {stage.name: stage for stage in ALL}
STAGE_NAMES: tuple[str, ...] = tuple(BY_NAME)  # the run record's StageName is Literal[STAGE_NAMES]
