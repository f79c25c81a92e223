"""The local engine: training in a child process of mlspec on this machine (the behaviour without
`train.engine`): the engine's two forms are `mlspec.pipeline.training`'s own functions."""

from __future__ import annotations

from mlspec.pipeline import training


class LocalTrainEngine:
    name = "local"
    train_entrypoint = staticmethod(training.call_entrypoint)
    train_command = staticmethod(training.run_command)

    def trained_where(self) -> str:
        return ""
