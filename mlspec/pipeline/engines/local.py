"""The local engine: training in a child process of mlspec on this machine (the behaviour without
`train.engine`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any


class LocalTrainEngine:
    name = "local"

    def train_entrypoint(
        self,
        root: Path,
        entrypoint: str,
        tables: Any,
        params: dict[str, Any],
        log_path: Path,
        timeout_minutes: float | None,
    ) -> Any:
        from mlspec.pipeline import training

        return training.call_entrypoint(root, entrypoint, tables, params, log_path, timeout_minutes)

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
    ) -> Any:
        from mlspec.pipeline import training

        return training.run_command(
            root, command, train_path, test_path, params, seed, work_dir, log_path, timeout_minutes
        )

    def trained_where(self) -> str:
        return ""
