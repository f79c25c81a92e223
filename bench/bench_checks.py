"""deepchecks stages, each beside a baseline measured in the same run (`import deepchecks.tabular` in a
fresh process: the floor every deepchecks stage pays once):

1. `mlspec run --force` on the bundled example (569 rows): whole pipeline, per-stage seconds (target <= 15 s);
2. `mlspec test model` on a 16,000-row, 3-class, 20-feature project (target <= 20 s);
3. `mlspec test data` on 200 rows x 20 / 200 / 2,000 / 10,000 columns (target: at most linear growth,
   2,000 columns < 60 s, 10,000 finishes), with the seconds per column.

Usage: python bench/bench_checks.py [--quick] [--columns 20,200,2000,10000] [--repeat N]"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import PYTHON, ROOT, table, write_results

TRAIN_3CLASS = """\
from sklearn.compose import make_column_transformer
from sklearn.ensemble import RandomForestClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OrdinalEncoder


def train(X, y, params):
    cats = [c for c in X.columns if X[c].dtype == object]  # the string categoricals c0-c2
    encode = make_column_transformer((OrdinalEncoder(), cats), remainder="passthrough")
    forest = RandomForestClassifier(n_estimators=100, max_depth=10, random_state=0, n_jobs=1)
    return make_pipeline(encode, forest).fit(X, y)
"""


def timed(argv: list[str], cwd: Path, env: dict[str, str], timeout: float = 900) -> dict:
    import resource

    cpu0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    try:
        proc = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
        code, tail = proc.returncode, (proc.stdout + proc.stderr)[-1500:]
    except subprocess.TimeoutExpired:
        code, tail = None, f"killed after {timeout:.0f} s"
    cpu1 = resource.getrusage(resource.RUSAGE_CHILDREN)  # CPU seconds: less sensitive to the machine's load
    cpu = (cpu1.ru_utime - cpu0.ru_utime) + (cpu1.ru_stime - cpu0.ru_stime)
    return {"seconds": time.perf_counter() - start, "cpu_seconds": cpu, "exit": code, "tail": tail}


def stage_seconds(project: Path) -> dict[str, float]:
    latest = project / ".mlspec" / "runs" / "latest"
    run_id = latest.read_text().strip() if latest.is_file() else ""
    record = project / ".mlspec" / "runs" / run_id / "record.json"
    if not record.is_file():
        return {}
    stages = json.loads(record.read_text()).get("stages", {})
    items = stages.values() if isinstance(stages, dict) else stages
    return {s["name"]: s.get("seconds", 0.0) for s in items if isinstance(s, dict) and "name" in s}


def bench_example(tmp: Path, env: dict[str, str], repeat: int) -> dict:
    project = tmp / "example"
    shutil.copytree(ROOT / "examples" / "breast-cancer", project, ignore=shutil.ignore_patterns(".mlspec"))
    runs, baselines, olds, stages, old_stages, cpus, old_cpus = [], [], [], [], [], [], []
    for _ in range(repeat):  # interleaved with the baselines
        baselines.append(timed([PYTHON, "-c", "import deepchecks.tabular"], project, env)["seconds"])
        old = timed([PYTHON, "-m", "mlspec", "run", "--force"], project, {**env, "MLSPEC_CHECK_WORKERS": "0"})
        olds.append(old["seconds"])
        old_cpus.append(old["cpu_seconds"])
        old_stages.append(stage_seconds(project))
        run = timed([PYTHON, "-m", "mlspec", "run", "--force"], project, env)
        if run["exit"] != 0:
            raise SystemExit(f"mlspec run --force failed:\n{run['tail']}")
        runs.append(run["seconds"])
        cpus.append(run["cpu_seconds"])
        stages.append(stage_seconds(project))
    return {
        "run_force_s": statistics.median(runs),
        "samples": runs,
        "import_deepchecks_s": statistics.median(baselines),
        "suite_run_s": statistics.median(olds),
        "suite_run_samples": olds,
        "stages": stages,
        "suite_run_stages": old_stages,
        "loadavg": os.getloadavg(),
        "run_force_cpu_s": statistics.median(cpus),
        "suite_run_cpu_s": statistics.median(old_cpus),
    }


def three_class_project(tmp: Path, rows: int) -> Path:
    import numpy as np
    import pandas as pd

    root = tmp / "three-class"
    (root / "data").mkdir(parents=True)
    (root / "src").mkdir()
    (root / "src" / "train.py").write_text(TRAIN_3CLASS)
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({f"x{i:02d}": rng.normal(0, 1, rows).round(4) for i in range(17)})
    for i in range(3):
        frame[f"c{i}"] = rng.choice(["a", "b", "c", "d"], rows)
    score = frame["x00"] + frame["x01"] - frame["x02"] + rng.normal(0, 0.7, rows)
    frame["y"] = np.digitize(score, [-0.6, 0.6])
    cut = int(rows * 0.75)
    frame.iloc[:cut].to_csv(root / "data" / "train.csv", index=False)
    frame.iloc[cut:].to_csv(root / "data" / "test.csv", index=False)
    (root / "mlproject.yaml").write_text(
        "apiVersion: mlspec/v1\nname: three-class\ndata:\n  train: data/train.csv\n  test: data/test.csv\n"
        "  label: y\n  categorical: [c0, c1, c2]\ntrain:\n  entrypoint: src/train.py:train\n  seed: 1\n"
        "evaluate:\n  task: multiclass\n  metrics: [accuracy]\n"
        "tests:\n  data: {enabled: false}\n  model: {suites: [model_evaluation]}\n"
    )
    return root


def bench_model_tests(tmp: Path, env: dict[str, str], rows: int) -> dict:
    root = three_class_project(tmp, rows)
    prepared = timed([PYTHON, "-m", "mlspec", "run"], root, env)  # train + evaluate (+ model tests once)
    if stage_seconds(root).get("train") is None:
        raise SystemExit(f"the 3-class project did not train:\n{prepared['tail']}")
    baseline = timed([PYTHON, "-c", "import deepchecks.tabular"], root, env)
    old = timed([PYTHON, "-m", "mlspec", "test", "model"], root, {**env, "MLSPEC_CHECK_WORKERS": "0"})
    measured = timed([PYTHON, "-m", "mlspec", "test", "model"], root, env)
    return {
        "rows": rows,
        "classes": 3,
        "features": 20,
        "test_model": measured,
        "import_deepchecks_s": baseline["seconds"],
        "suite_run": old,
        "loadavg": os.getloadavg(),
        "first_run_s": prepared["seconds"],
        "first_run_stages": stage_seconds(root),
    }


def columns_project(tmp: Path, columns: int) -> Path:
    import numpy as np
    import pandas as pd

    root = tmp / f"cols-{columns}"
    (root / "data").mkdir(parents=True)
    (root / "src").mkdir()
    (root / "src" / "train.py").write_text("def train(X, y, params):\n    raise NotImplementedError\n")
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(rng.normal(0, 1, (200, columns)).round(3), columns=[f"f{i:05d}" for i in range(columns)])
    frame["y"] = (frame["f00000"] + rng.normal(0, 1, 200) > 0).astype(int)
    frame.iloc[:150].to_csv(root / "data" / "train.csv", index=False)
    frame.iloc[150:].to_csv(root / "data" / "test.csv", index=False)
    (root / "mlproject.yaml").write_text(
        "apiVersion: mlspec/v1\nname: wide\ndata:\n  train: data/train.csv\n  test: data/test.csv\n  label: y\n"
        "train:\n  entrypoint: src/train.py:train\nevaluate:\n  task: binary\n"
    )
    return root


def bench_columns(tmp: Path, env: dict[str, str], widths: list[int], timeout: float) -> dict:
    out = {}
    for width in widths:
        root = columns_project(tmp, width)
        result = timed([PYTHON, "-m", "mlspec", "test", "data"], root, env, timeout=timeout)
        record_note = ""
        for summary in sorted(root.glob(".mlspec/runs/*/data_tests.json")):
            data = json.loads(summary.read_text())
            record_note = data.get("columns_note", "") or ""
        out[str(width)] = {**result, "per_column_ms": result["seconds"] * 1000 / width, "note": record_note}
        print(f"  {width} columns: {result['seconds']:.1f} s, exit {result['exit']}", file=sys.stderr, flush=True)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--columns", default="20,200,2000,10000")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--only", default="example,model,columns")
    args = parser.parse_args()
    only = set(args.only.split(","))
    widths = [int(w) for w in args.columns.split(",") if w]
    if args.quick:
        widths = [w for w in widths if w <= 2000]
    results: dict = {"quick": args.quick, "loadavg_start": os.getloadavg()}
    with tempfile.TemporaryDirectory(prefix="mlspec-bench-checks-") as name:
        tmp = Path(name)
        env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "BENTOML_DO_NOT_TRACK": "true",
            "BENTOML_HOME": str(tmp / "bentoml"),
        }
        if "example" in only:
            results["example"] = bench_example(tmp, env, 1 if args.quick else args.repeat)
            print("example done", file=sys.stderr, flush=True)
        if "model" in only:
            results["model_tests"] = bench_model_tests(tmp, env, 4_000 if args.quick else 16_000)
            print("model tests done", file=sys.stderr, flush=True)
        if "columns" in only:
            results["columns"] = bench_columns(tmp, env, widths, timeout=600)
    results["loadavg_end"] = os.getloadavg()
    rows = []
    if "example" in results:
        ex = results["example"]
        rows.append(
            (
                "`mlspec run --force`, bundled example (median)",
                f"{ex['run_force_s']:.1f} s, CPU {ex['run_force_cpu_s']:.1f} s",
                f"{ex['run_force_s'] / ex['suite_run_s']:.2f}x deepchecks' Suite.run ({ex['suite_run_s']:.1f} s, "
                f"CPU {ex['suite_run_cpu_s']:.1f} s); "
                f"`import deepchecks.tabular` {ex['import_deepchecks_s']:.1f} s; target <= 15 s",
            )
        )
        rows.append(
            (
                "  per stage (last run)",
                ", ".join(f"{k} {v:.1f} s" for k, v in ex["stages"][-1].items()),
                "Suite.run: " + ", ".join(f"{k} {v:.1f} s" for k, v in ex["suite_run_stages"][-1].items()),
            )
        )
    if "model_tests" in results:
        mt = results["model_tests"]
        rows.append(
            (
                f"`mlspec test model`, {mt['rows']:,} rows, 3 classes",
                f"{mt['test_model']['seconds']:.1f} s, "
                f"CPU {mt['test_model']['cpu_seconds']:.1f} s (exit {mt['test_model']['exit']})",
                f"{mt['test_model']['seconds'] / mt['suite_run']['seconds']:.2f}x deepchecks' Suite.run "
                f"({mt['suite_run']['seconds']:.1f} s, CPU {mt['suite_run']['cpu_seconds']:.1f} s); "
                f"`import deepchecks.tabular` {mt['import_deepchecks_s']:.1f} s; "
                "target <= 20 s",
            )
        )
    for width, item in results.get("columns", {}).items():
        rows.append(
            (
                f"`mlspec test data`, 200 rows x {int(width):,} columns",
                f"{item['seconds']:.1f} s, CPU {item.get('cpu_seconds', 0):.1f} s (exit {item['exit']})",
                f"{item['per_column_ms']:.0f} ms/column {item['note']}".strip(),
            )
        )
    print(table(rows))
    print(f"results: {write_results('checks', results)}")


if __name__ == "__main__":
    main()
