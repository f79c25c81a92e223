"""The model store's cost and gain (issue 25), in one run on the bundled example:

1. a cold `mlspec run` without a store (the baseline);
2. a cold `mlspec run` with a folder store (every stage misses) plus `mlspec push`: what the store adds to a cold
   run (target: at most 10%);
3. `mlspec run` on a second machine (empty `.mlspec/`, empty BentoML store) with the same store: every stage reused.

Not the CI job under act (bench/bench_act.py measures that without a store): the pipeline's own work, here.

Usage: python bench/bench_store.py"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from common import PYTHON, ROOT, table, write_results


def timed(argv: list[str], cwd: Path, env: dict[str, str]) -> float:
    start = time.perf_counter()
    proc = subprocess.run([PYTHON, "-m", "mlspec", *argv], cwd=cwd, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if proc.returncode not in (0, 1):  # 1: the gate may fail; the state is written either way
        raise SystemExit(f"mlspec {' '.join(argv)} failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}")
    return seconds


def main() -> int:
    env = {**os.environ, "BENTOML_DO_NOT_TRACK": "true", "MPLBACKEND": "Agg"}
    with tempfile.TemporaryDirectory(prefix="mlspec-bench-store-") as tmp:
        base = Path(tmp)
        plain = base / "plain"
        shutil.copytree(
            ROOT / "examples" / "breast-cancer", plain, ignore=shutil.ignore_patterns(".mlspec", "__pycache__")
        )
        stored = base / "stored"
        shutil.copytree(plain, stored)
        spec = stored / "mlproject.yaml"
        spec.write_text(
            spec.read_text().replace("\nname: breast-cancer\n", f"\nname: breast-cancer\nstore: {base / 'store'}\n", 1)
        )

        cold = timed(["run"], plain, {**env, "BENTOML_HOME": str(base / "b1")})
        cold_store = timed(["run"], stored, {**env, "BENTOML_HOME": str(base / "b2")})
        push = timed(["push"], stored, {**env, "BENTOML_HOME": str(base / "b2")})
        shutil.rmtree(stored / ".mlspec")
        reused = timed(["run"], stored, {**env, "BENTOML_HOME": str(base / "b3")})

    with_store = cold_store + push
    results = {
        "cold_run_seconds": cold,
        "cold_run_with_store_seconds": cold_store,
        "push_seconds": push,
        "cold_with_store_ratio": with_store / cold,
        "second_machine_reused_seconds": reused,
        "reused_ratio": reused / cold,
    }
    write_results("store", results)
    print(
        table(
            [
                ("cold `mlspec run`, no store", f"{cold:.1f} s", "baseline"),
                (
                    "cold `mlspec run` + `mlspec push`, folder store",
                    f"{cold_store:.1f} s + {push:.1f} s",
                    f"{with_store / cold:.2f}x the baseline (target <= 1.10)",
                ),
                (
                    "`mlspec run` on a second machine, same store",
                    f"{reused:.1f} s",
                    f"{reused / cold:.2f}x the baseline",
                ),
            ]
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
