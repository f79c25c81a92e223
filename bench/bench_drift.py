"""`mlspec drift` of 1,000,000 current rows against a 100,000-row reference (20 columns: 16 numeric,
4 categorical, two of them shifted) with a served model from the BentoML store, on 2 cores.

Baseline (same run): a process that only reads the two CSV tables. Reported: wall time, peak
memory (ru_maxrss of the measured process) and the ratios. Target: under 60 s with sampling."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import PYTHON, ROOT, table, write_results

REFERENCE_ROWS = 100_000
CURRENT_ROWS = 1_000_000
NUMERIC = [f"x{i:02d}" for i in range(16)]
CATEGORICAL = ["region", "plan", "channel", "device"]
TARGET_SECONDS = 60.0

SPEC = """\
apiVersion: mlspec/v1
name: bench
data:
  train: data/train.csv
  label: y
  categorical: [region, plan, channel, device]
train:
  entrypoint: src/train.py:train
evaluate:
  task: binary
triggers:
  drift:
    current: data/current.csv
"""

# Runs the command in a child process and reports that process's own wall time and peak RSS.
MEASURE = """\
import json, resource, subprocess, sys, time
start = time.perf_counter()
code = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE).returncode
seconds = time.perf_counter() - start
peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(json.dumps({"seconds": seconds, "peak_mib": peak_kib / 1024, "exit": code}))
"""

READ_ONLY = """\
import sys
from pathlib import Path
from mlspec.tables import read_table
for path in sys.argv[1:]:
    read_table(Path(path))
"""


def make_frame(rows: int, seed: int, shift: bool):
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    data = {name: rng.normal(i, 1 + i / 10, rows).astype("float32") for i, name in enumerate(NUMERIC)}
    if shift:
        data["x00"] = data["x00"] + 3.0
    choices = {
        "region": ["north", "south", "east", "west"],
        "plan": ["basic", "plus", "pro"],
        "channel": ["web", "app", "store"],
        "device": ["ios", "android", "desktop", "other"],
    }
    for name, values in choices.items():
        p = np.linspace(1, 2, len(values))
        p = (p[::-1] if shift and name == "plan" else p) / p.sum()
        data[name] = rng.choice(values, size=rows, p=p)
    frame = pd.DataFrame(data)
    logit = frame["x01"] - 1 + (frame["plan"] == "pro") * 0.5
    frame["y"] = (rng.random(rows) < 1 / (1 + np.exp(-logit))).astype(int)
    return frame


def save_model(frame, bentoml_home: Path) -> str:
    """Train a small pipeline and save it per the model contract, in a private BentoML store."""
    os.environ["BENTOML_HOME"] = str(bentoml_home)
    os.environ["BENTOML_DO_NOT_TRACK"] = "true"
    import warnings

    import bentoml
    from sklearn.compose import ColumnTransformer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    features = NUMERIC + CATEGORICAL
    sample = frame.sample(20_000, random_state=0)
    model = make_pipeline(
        ColumnTransformer(
            [("num", StandardScaler(), NUMERIC), ("cat", OneHotEncoder(handle_unknown="ignore"), CATEGORICAL)]
        ),
        LogisticRegression(max_iter=300),
    ).fit(sample[features], sample["y"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        saved = bentoml.picklable_model.save_model(
            "bench",
            model,
            signatures={"predict": {"batchable": False}, "predict_proba": {"batchable": False}},
            metadata={
                "project": "bench",
                "task": "binary",
                "label": "y",
                "features": features,
                "categorical": CATEGORICAL,
                "classes": [0, 1],
            },
        )
    return str(saved.tag)


def measure(argv: list[str], env: dict[str, str]) -> dict[str, float]:
    pinned = ["taskset", "-c", "0,1"] if os.path.exists("/usr/bin/taskset") else []
    out = subprocess.run([PYTHON, "-c", MEASURE, *pinned, *argv], env=env, capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def main() -> None:
    from mlspec.state.deploy import DeployedModel, Deployment, write_deployment
    from mlspec.tables import file_digest

    with tempfile.TemporaryDirectory(prefix="mlspec-bench-drift-") as tmp:
        root = Path(tmp) / "bench"
        (root / "data").mkdir(parents=True)
        (root / "src").mkdir()
        (root / "src" / "train.py").write_text("def train(X, y, params):\n    raise NotImplementedError\n")
        (root / "mlproject.yaml").write_text(SPEC)
        start = time.perf_counter()
        reference = make_frame(REFERENCE_ROWS, seed=1, shift=False)
        reference.to_csv(root / "data" / "train.csv", index=False)
        current = Path(tmp) / "current.csv"
        make_frame(CURRENT_ROWS, seed=2, shift=True).to_csv(current, index=False)
        tag = save_model(reference, Path(tmp) / "bentoml")
        write_deployment(
            root,
            Deployment(
                project="bench",
                environment="production",
                model=DeployedModel(tag=tag, version=tag.split(":")[1]),
                lineage={"data": {"train": file_digest(root / "data" / "train.csv")}},
            ),
        )
        print(
            f"data written in {time.perf_counter() - start:.1f} s ({current.stat().st_size / 1e6:.0f} MB current CSV)",
            file=sys.stderr,
        )

        env = {
            **os.environ,
            "OMP_NUM_THREADS": "2",
            "OPENBLAS_NUM_THREADS": "2",
            "MKL_NUM_THREADS": "2",
            "PYTHONPATH": str(ROOT),
        }
        baseline = measure([PYTHON, "-c", READ_ONLY, str(root / "data" / "train.csv"), str(current)], env)
        drift = measure([PYTHON, "-m", "mlspec", "drift", str(root / "mlproject.yaml"), "--current", str(current)], env)
        latest = (root / ".mlspec" / "drift" / "latest").read_text().strip()
        summary = json.loads((root / ".mlspec" / "drift" / latest / "drift.json").read_text())

    results = {
        "reference_rows": REFERENCE_ROWS,
        "current_rows": CURRENT_ROWS,
        "columns": len(NUMERIC) + len(CATEGORICAL),
        "n_samples": 100_000,
        "cores": 2,
        "baseline_read_seconds": round(baseline["seconds"], 2),
        "baseline_peak_mib": round(baseline["peak_mib"]),
        "drift_seconds": round(drift["seconds"], 2),
        "drift_peak_mib": round(drift["peak_mib"]),
        "drift_exit": drift["exit"],
        "time_ratio_vs_read": round(drift["seconds"] / baseline["seconds"], 2),
        "memory_ratio_vs_read": round(drift["peak_mib"] / baseline["peak_mib"], 2),
        "target_seconds": TARGET_SECONDS,
        "under_target": drift["seconds"] < TARGET_SECONDS,
        "drifted_features": summary["drifted_features"],
        "prediction_drift_ran": summary["prediction"]["ran"],
    }
    path = write_results("drift", results)
    print(
        table(
            [
                ("read both tables (baseline)", f"{baseline['seconds']:.1f} s, {baseline['peak_mib']:.0f} MiB", "1.00"),
                (
                    "mlspec drift (1M vs 100k rows, 20 cols)",
                    f"{drift['seconds']:.1f} s, {drift['peak_mib']:.0f} MiB",
                    f"{results['time_ratio_vs_read']}x time, {results['memory_ratio_vs_read']}x memory; "
                    f"target < {TARGET_SECONDS:.0f} s: {'met' if results['under_target'] else 'MISSED'}",
                ),
            ]
        )
    )
    print(
        f"exit {drift['exit']} (1 = drift found), drifted: {', '.join(summary['drifted_features'])}; "
        f"prediction drift ran: {summary['prediction']['ran']}"
    )
    print(f"results: {path}")


if __name__ == "__main__":
    main()
