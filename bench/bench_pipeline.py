"""Pipeline benchmarks, each against a baseline measured in the same run:

1. no-op `mlspec run` (every stage cached) on the bundled example vs a no-op `dvc repro` of an
   equivalent one-stage DVC pipeline (dvc installed into a throwaway venv, bench/.venv-dvc, only here);
2. fingerprinting a 1 GiB file: mlspec's xxh3_128 cold (no stat cache) and warm (stat-cache hit) vs md5sum;
3. `mlspec test data` on 1,000,000 rows x 20 columns with the default sampling (n_samples 10,000):
   wall time and peak memory (ru_maxrss of the measured process), vs a process that only reads the table.

`--quick` uses a 64 MiB file and 100,000 rows and skips the DVC install when it is not already there.
Targets: no-op < 1 s; cold fingerprint >= 5x md5sum throughput; warm hit < 10 ms; data tests < 60 s."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import PYTHON, ROOT, table, time_interleaved, write_results

DVC_VENV = ROOT / "bench" / ".venv-dvc"
MEASURE = """\
import json, resource, subprocess, sys, time
start = time.perf_counter()
proc = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
seconds = time.perf_counter() - start
peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(json.dumps({"seconds": seconds, "peak_mib": peak_kib / 1024, "exit": proc.returncode, "stderr": proc.stderr[-2000:]}))
"""
READ_ONLY = "import sys, pandas as pd; pd.read_parquet(sys.argv[1])"
DVC_TRAIN = """\
import pickle, sys
import pandas as pd
sys.path.insert(0, "src")
from train import train
df = pd.read_csv("data/train.csv")
model = train(df.drop(columns=["benign"]), df["benign"], {"n_estimators": 100, "max_depth": 6, "seed": 42})
pickle.dump(model, open("model.pkl", "wb"))
"""
DVC_YAML = """\
stages:
  train:
    cmd: python dvc_train.py
    deps: [data/train.csv, data/test.csv, src/train.py, dvc_train.py]
    outs: [model.pkl]
"""


def run(argv: list[str], **kwargs) -> subprocess.CompletedProcess:  # type: ignore[no-untyped-def]
    return subprocess.run(argv, capture_output=True, text=True, **kwargs)


def ensure_dvc(quick: bool) -> tuple[Path | None, str]:
    dvc = DVC_VENV / "bin" / "dvc"
    if dvc.exists():
        return dvc, "already installed"
    if quick:
        return None, "skipped in --quick (bench/.venv-dvc not installed)"
    start = time.perf_counter()
    made = run([sys.executable, "-m", "venv", str(DVC_VENV)])
    if made.returncode != 0:
        return None, f"venv failed: {made.stderr[-300:]}"
    (DVC_VENV / ".gitignore").write_text("*\n")
    installed = run([str(DVC_VENV / "bin" / "pip"), "install", "-q", "dvc", "pandas", "scikit-learn"], timeout=900)
    if installed.returncode != 0:
        return None, f"pip install dvc failed: {installed.stderr[-300:]}"
    return dvc, f"installed in {time.perf_counter() - start:.0f} s"


def bench_noop(tmp: Path, quick: bool, env: dict[str, str]) -> dict:
    """No-op `mlspec run` and no-op `dvc repro` of an equivalent one-stage pipeline, interleaved (mlspec, dvc,
    python, mlspec, dvc, python, ...) so a loaded machine slows all of them alike; medians of 11 rounds."""
    project = tmp / "example"
    shutil.copytree(ROOT / "examples" / "breast-cancer", project, ignore=shutil.ignore_patterns(".mlspec"))
    first = run([PYTHON, "-m", "mlspec", "run"], cwd=project, env=env)
    if first.returncode != 0:
        raise SystemExit(f"the example's first run failed:\n{first.stdout}\n{first.stderr}")
    subprocess.run([PYTHON, "-m", "compileall", "-q", str(ROOT / "mlspec")], capture_output=True, check=False)
    check = run([PYTHON, "-m", "mlspec", "run"], cwd=project, env=env)
    assert check.stdout.startswith("up to date"), check.stdout
    commands: dict[str, tuple[list[str], Path | None, dict[str, str] | None]] = {
        "mlspec": ([PYTHON, "-m", "mlspec", "run"], project, env)
    }
    result: dict = {"reported": check.stdout.strip()}
    dvc, note = ensure_dvc(quick)
    result["dvc"] = note
    if dvc is not None:
        work = tmp / "dvc-example"
        shutil.copytree(ROOT / "examples" / "breast-cancer", work, ignore=shutil.ignore_patterns(".mlspec", "deploy"))
        (work / "dvc_train.py").write_text(DVC_TRAIN)
        (work / "dvc.yaml").write_text(DVC_YAML)
        dvc_env = {**env, "PATH": f"{DVC_VENV / 'bin'}:{env['PATH']}", "DVC_NO_ANALYTICS": "1"}
        for argv in (["git", "init", "-q"], [str(dvc), "init", "-q"], [str(dvc), "repro", "-q"]):
            step = run(argv, cwd=work, env=dvc_env)
            if step.returncode != 0:
                result["dvc"] += f"; `{' '.join(argv[-2:])}` failed: {step.stderr[-300:]}"
                dvc = None
                break
        if dvc is not None:
            commands["dvc"] = ([str(dvc), "repro"], work, dvc_env)
            result["dvc_version"] = run([str(dvc), "--version"], env=dvc_env).stdout.strip()
    commands["python"] = ([PYTHON, "-c", "pass"], None, None)
    timed = time_interleaved(commands, repeat=5 if quick else 11)
    result["mlspec_noop_s"], result["python_startup_s"] = timed["mlspec"], timed["python"]
    if "dvc" in timed:
        result["dvc_noop_s"] = timed["dvc"]
        result["ratio_mlspec_over_dvc"] = timed["mlspec"]["median"] / timed["dvc"]["median"]
        result["ratio_mlspec_over_dvc_paired"] = 1 / timed["dvc"]["ratio_to_mlspec"]
        result["ratio_dvc_over_mlspec"] = timed["dvc"]["median"] / timed["mlspec"]["median"]
    return result


def bench_fingerprint(tmp: Path, size: int) -> dict:
    sys.path.insert(0, str(ROOT))
    from mlspec.pipeline.fingerprint import StatCache
    from mlspec.state.layout import StateLayout
    from mlspec.tables import hash_file

    path = tmp / "big.bin"
    block = os.urandom(16 * 1024 * 1024)
    with open(path, "wb") as handle:
        for _ in range(size // len(block)):
            handle.write(block[:-1] + os.urandom(1))
    old = time.time() - 60
    os.utime(path, (old, old))
    run(["md5sum", str(path)])  # same page-cache state for both: warm the file once
    start = time.perf_counter()
    run(["md5sum", str(path)], check=True)
    md5 = time.perf_counter() - start
    cold_times = []
    for _ in range(3):
        start = time.perf_counter()
        hash_file(path)
        cold_times.append(time.perf_counter() - start)
    cold = min(cold_times)
    cache = StatCache(StateLayout(tmp).stat_cache)
    cache.digest(path)
    cache.save()
    warm_times = []
    for _ in range(5):
        fresh = StatCache(StateLayout(tmp).stat_cache)  # includes reading stat.json, as a new process would
        start = time.perf_counter()
        fresh.digest(path)
        warm_times.append(time.perf_counter() - start)
    mib = size / 2**20
    return {
        "file_mib": mib,
        "md5sum_s": md5,
        "md5sum_mib_s": mib / md5,
        "xxh3_cold_s": cold,
        "xxh3_cold_mib_s": mib / cold,
        "ratio_cold_vs_md5sum": md5 / cold,
        "warm_hit_ms": min(warm_times) * 1000,
        "note": "cold = no stat cache; both read the file from the page cache (dropping it needs privileges)",
    }


def bench_data_tests(tmp: Path, rows: int, env: dict[str, str]) -> dict:
    import numpy as np
    import pandas as pd

    root = tmp / "big"
    (root / "data").mkdir(parents=True)
    (root / "src").mkdir()
    (root / "src" / "train.py").write_text("def train(X, y, params):\n    raise NotImplementedError\n")
    rng = np.random.default_rng(0)
    numeric = {f"x{i:02d}": rng.normal(0, 1, rows).astype("float32") for i in range(16)}
    cats = {f"c{i}": rng.choice(["a", "b", "c", "d"], rows) for i in range(3)}
    frame = pd.DataFrame({**numeric, **cats})
    frame["y"] = (frame["x00"] + frame["x01"] + rng.normal(0, 1, rows) > 0).astype(int)
    cut = int(rows * 0.8)
    frame.iloc[:cut].to_parquet(root / "data" / "train.parquet")
    frame.iloc[cut:].to_parquet(root / "data" / "test.parquet")
    (root / "mlproject.yaml").write_text(
        "apiVersion: mlspec/v1\nname: big\ndata:\n  train: data/train.parquet\n  test: data/test.parquet\n"
        "  label: y\n  categorical: [c0, c1, c2]\ntrain:\n  entrypoint: src/train.py:train\nevaluate:\n  task: binary\n"
    )
    del frame
    baseline = json.loads(
        run(
            [PYTHON, "-c", MEASURE, PYTHON, "-c", READ_ONLY, str(root / "data" / "train.parquet")], env=env, check=True
        ).stdout
    )
    measured = json.loads(
        run(
            [PYTHON, "-c", MEASURE, PYTHON, "-m", "mlspec", "test", "data", str(root / "mlproject.yaml")],
            env=env,
            check=True,
        ).stdout
    )
    return {
        "rows": rows,
        "columns": 20,
        "n_samples": 10_000,
        "mlspec_test_data": measured,
        "read_only": baseline,
        "ratio_vs_read_only": measured["seconds"] / baseline["seconds"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes; no DVC install")
    parser.add_argument("--only", choices=["noop"], default=None, help="only the no-op run against dvc repro")
    args = parser.parse_args()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "BENTOML_DO_NOT_TRACK": "true"}
    results: dict = {"quick": args.quick}
    with tempfile.TemporaryDirectory(prefix="mlspec-bench-pipeline-") as name:
        tmp = Path(name)
        env["BENTOML_HOME"] = str(tmp / "bentoml")
        results["noop"] = bench_noop(tmp, args.quick, env)
        print("no-op done", file=sys.stderr)
        if args.only == "noop":
            print(json.dumps(results["noop"], indent=2))
            write_results("pipeline_noop", results)
            return
        results["fingerprint"] = bench_fingerprint(tmp, (64 if args.quick else 1024) * 2**20)
        (tmp / "big.bin").unlink()
        print("fingerprint done", file=sys.stderr)
        results["data_tests"] = bench_data_tests(tmp, 100_000 if args.quick else 1_000_000, env)
    noop, fp, dt = results["noop"], results["fingerprint"], results["data_tests"]
    rows = [
        ("no-op `mlspec run` (median, interleaved)", f"{noop['mlspec_noop_s']['median']:.3f} s", "target < 1 s"),
        ("python -c pass (median)", f"{noop['python_startup_s']['median']:.3f} s", "start-up floor"),
    ]
    if "dvc_noop_s" in noop:
        rows.append(
            (
                "no-op `dvc repro` (median, interleaved)",
                f"{noop['dvc_noop_s']['median']:.3f} s",
                f"mlspec / dvc = {noop['ratio_mlspec_over_dvc']:.2f}x (target <= 0.5x; median of per-round "
                f"ratios {noop['ratio_mlspec_over_dvc_paired']:.2f}x)",
            )
        )
    else:
        rows.append(("no-op `dvc repro`", "not measured", noop["dvc"]))
    rows += [
        (f"md5sum {fp['file_mib']:.0f} MiB", f"{fp['md5sum_s']:.2f} s ({fp['md5sum_mib_s']:.0f} MiB/s)", "baseline"),
        (
            f"xxh3_128 cold {fp['file_mib']:.0f} MiB",
            f"{fp['xxh3_cold_s']:.2f} s ({fp['xxh3_cold_mib_s']:.0f} MiB/s)",
            f"{fp['ratio_cold_vs_md5sum']:.1f}x md5sum (target >= 5x)",
        ),
        ("stat-cache hit", f"{fp['warm_hit_ms']:.2f} ms", "target < 10 ms"),
        (
            f"`mlspec test data` {dt['rows']:,} x 20",
            f"{dt['mlspec_test_data']['seconds']:.1f} s, "
            f"peak {dt['mlspec_test_data']['peak_mib']:.0f} MiB, exit {dt['mlspec_test_data']['exit']}",
            f"{dt['ratio_vs_read_only']:.1f}x read-only (target < 60 s)",
        ),
        (
            "read the train table only",
            f"{dt['read_only']['seconds']:.1f} s, peak {dt['read_only']['peak_mib']:.0f} MiB",
            "baseline",
        ),
    ]
    print(table(rows))
    path = write_results("pipeline", results)
    print(f"results: {path}")


if __name__ == "__main__":
    main()
