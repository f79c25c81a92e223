"""The pipeline's stages, each described once: `Stage` says its name, title, upstream stages, inputs (the spec
sections it depends on; its data, code and config files are pipeline/cache.py's `Inputs`), outputs (the files it
writes in the run folder), the libraries whose versions it depends on, and what it writes into the run record.
The planner (stage_plan.py), the cache (cache.py), the record handling and status (runner.py) and the stage commands
read these; the function that runs each stage is runner.py's `RUNNERS` (a test keeps both in step).

The servability check (`mlspec test serving`, serve/check.py) is not one of them: it runs in its own command and
CI job after the pipeline, builds and serves a Bento, and is not cached. Making it a fifth stage would add a row to
every run record, status and run summary (and so to the golden outputs), which this refactor keeps unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mlspec.state.record import StageName

__all__ = ["BY_NAME", "PIPELINE", "STAGE_NAMES", "Stage"]


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
        invalidates=("evaluate", "model_tests"),
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
BY_NAME: dict[str, Stage] = {stage.name: stage for stage in PIPELINE}
STAGE_NAMES: tuple[str, ...] = tuple(BY_NAME)  # the run record's StageName is Literal[STAGE_NAMES]
