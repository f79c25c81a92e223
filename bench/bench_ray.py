"""Overhead of training through a Ray cluster (train.engine.ray) against local training of the same model,
measured in the same run: the example's RandomForest (breast-cancer, 426 rows) trained by the local engine
(a child process on this machine) and by the Ray engine (a Ray Job on a `ray start --head` cluster on
127.0.0.1, 2 CPUs: stage the working dir, upload, run, stream the log, bring the model back), interleaved
(local, ray, local, ray, ...) so the machine's load falls on both alike. Reports the median wall seconds of
each and the median of the per-round ratios ray/local. Cluster start-up is not counted (a real cluster is
already up). `--quick`: 3 rounds instead of 7."""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from common import ROOT, table, write_results

sys.path.insert(0, str(ROOT))

import pandas as pd  # noqa: E402

from mlspec.pipeline.engines.local import LocalTrainEngine  # noqa: E402
from mlspec.pipeline.engines.ray import RayTrainEngine  # noqa: E402
from tests.pipeline.engines.ray_cluster import ray_head  # noqa: E402

EXAMPLE = ROOT / "examples" / "breast-cancer"
PARAMS = {"n_estimators": 100, "max_depth": 6, "seed": 42}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    rounds = 3 if parser.parse_args().quick else 7
    os.environ["RAY_USAGE_STATS_ENABLED"] = "0"
    with tempfile.TemporaryDirectory() as tmp, ray_head(num_cpus=2) as address:
        root = Path(tmp) / "breast-cancer"
        shutil.copytree(EXAMPLE, root, ignore=shutil.ignore_patterns(".mlspec", "__pycache__"))
        train = pd.read_csv(root / "data" / "train.csv")
        tables = SimpleNamespace(train=train, features=[c for c in train.columns if c != "benign"], label="benign")
        os.environ["MLSPEC_BENCH_RAY"] = address
        settings = SimpleNamespace(
            address="MLSPEC_BENCH_RAY", runtime_env={}, entrypoint_resources={"CPU": 1},
            timeout_minutes=None, max_retries=0, package="ray[default]",
        )  # fmt: skip
        engines: dict[str, Any] = {"local": LocalTrainEngine(), "ray": RayTrainEngine(settings, echo=False)}
        walls: dict[str, list[float]] = {name: [] for name in engines}

        def once(name: str) -> float:
            start = time.perf_counter()
            engines[name].train_entrypoint(root, "src/train.py:train", tables, PARAMS, Path(tmp) / f"{name}.log", 10)
            return time.perf_counter() - start

        for name in engines:  # warm-up: imports, the runtime env's first upload
            once(name)
        for _ in range(rounds):
            for name in engines:
                walls[name].append(once(name))
    ratios = [r / local for r, local in zip(walls["ray"], walls["local"], strict=True)]
    results = {
        name: {"median": statistics.median(w), "min": min(w), "max": max(w), "runs": rounds}
        for name, w in walls.items()
    }
    results["ray"]["ratio_to_local"] = statistics.median(ratios)
    print(
        table(
            [
                ("local engine (child process)", f"{results['local']['median']:.2f} s", "1.0"),
                (
                    "ray engine (Ray Job, 127.0.0.1)",
                    f"{results['ray']['median']:.2f} s",
                    f"{statistics.median(ratios):.1f}x",
                ),
            ]
        )
    )
    path = write_results("ray", results)
    print(f"\nwrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
