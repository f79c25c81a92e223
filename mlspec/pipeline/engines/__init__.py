"""Where the train stage runs its training code: a `TrainEngine` per kind, chosen by `train.engine`.

`local` (no `train.engine`) runs it in a child process of mlspec (`mlspec.pipeline.training`); `ray` submits it
as a Ray Job to a Ray cluster (`mlspec.pipeline.engines.ray`). Each returns the fitted model object, so the rest
of the train stage (checks, model store, archive, record) is the same whatever the engine.

This package is also imported on the Ray cluster (`ray_job`): it imports nothing but the standard library here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol


class TrainEngine(Protocol):
    """Runs the spec's training code, in either form, and returns the fitted model."""

    name: str

    def train_entrypoint(
        self,
        root: Path,
        entrypoint: str,
        tables: Any,
        params: dict[str, Any],
        log_path: Path,
        timeout_minutes: float | None,
    ) -> Any: ...

    def train_command(
        self,
        root: Path,
        command: str,
        train_path: Path,
        test_path: Path,
        params: dict[str, Any],
        seed: int,
        work_dir: Path,
        log_path: Path,
        timeout_minutes: int,
    ) -> Any: ...

    def trained_where(self) -> str:
        """What the train stage's message adds about where the model was trained ("" for this machine)."""
        ...


def engine_name(spec: Any) -> str:
    """`ray` when the spec's `train.engine` names it, else `local`."""
    engine = getattr(spec.train, "engine", None)
    return "ray" if engine is not None and engine.ray is not None else "local"


def engine_for(spec: Any, loaded: Any = None, inputs_digest: str | None = None) -> TrainEngine:
    """The engine the spec's `train.engine` names (local without one). ``inputs_digest`` (the train stage's)
    lets a remote engine find a job an earlier mlspec process submitted for the same inputs."""
    name = engine_name(spec)
    if name == "ray":
        from mlspec.pipeline.engines.ray import RayTrainEngine

        return RayTrainEngine(spec.train.engine.ray, loaded, inputs_digest=inputs_digest)
    from mlspec.pipeline.engines.local import LocalTrainEngine

    return LocalTrainEngine()
