"""`mlspec report` (with the PNG plot) for a run with 50 checks and 20 metrics, against two baselines
measured in the same run: `python -c "import matplotlib.pyplot"` and a bare `mlspec --version`."""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from common import PYTHON, ROOT, table, time_interleaved, write_results

sys.path.insert(0, str(ROOT))
EXAMPLE = ROOT / "examples" / "breast-cancer"


def make_project(folder: Path) -> Path:
    from mlspec.state.record import (
        Change,
        CheckOutcome,
        ConditionOutcome,
        DataFile,
        GitInfo,
        ModelRef,
        RunRecord,
        RunStore,
        TestOutcome,
    )

    project = folder / "breast-cancer"
    shutil.copytree(EXAMPLE, project, ignore=shutil.ignore_patterns(".mlspec", "__pycache__"))
    metrics = {
        "roc_auc": 0.98,
        "f1": 0.96,
        "accuracy": 0.95,
        "log_loss": 0.12,
        "precision": 0.97,
        "recall": 0.95,
        "balanced_accuracy": 0.95,
        "average_precision": 0.98,
    }
    metrics.update({f"slice_{i:02d}_accuracy": 0.9 + i / 200 for i in range(12)})
    checks = [
        CheckOutcome(
            name=f"Check{i:02d}",
            suite="data_integrity" if i % 2 else "model_evaluation",
            conditions=[
                ConditionOutcome(
                    name=f"condition {i}",
                    category="FAIL" if i < 5 else "PASS",
                    details=f"score {i / 50:.3f} against threshold 0.1",
                )
            ],
        )
        for i in range(50)
    ]
    store = RunStore(project)
    for n in range(5):  # history for the second panel
        record = RunRecord(
            run_id=f"2025010{n}T000000000000Z-0000{n}",
            project="breast-cancer",
            spec_path="mlproject.yaml",
            spec_digest="sha256:" + "c" * 64,
            created=f"2025-01-0{n + 1}T00:00:00Z",
            git=GitInfo(commit="a" * 40),
            data=[DataFile(role="test", path="data/test.csv", digest="xxh3_128:" + "b" * 32, bytes=1, rows=143)],
            params={"n_estimators": 100},
            seed=42,
            task="binary",
            metrics={k: v - (4 - n) / 100 for k, v in metrics.items()},
            tests={
                "data": TestOutcome(kind="data", passed=False, checks=checks[:25]),
                "model": TestOutcome(kind="model", passed=False, checks=checks[25:]),
            },
            changes=[Change(kind="data", what="data/train.csv", detail="+1,204 rows")],
            model=ModelRef(tag=f"breast-cancer:v{n}"),
            status="passed",
        )
        store.save(record)
    return project


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    repeat = 3 if parser.parse_args().quick else 11
    subprocess.run([PYTHON, "-m", "compileall", "-q", str(ROOT / "mlspec")], capture_output=True, check=False)
    with tempfile.TemporaryDirectory() as tmp:
        project = make_project(Path(tmp))
        spec = str(project / "mlproject.yaml")
        env = {"MPLBACKEND": "Agg"}
        timed = time_interleaved(
            {  # in turn, so the load of a shared machine falls on all three alike
                "matplotlib": ([PYTHON, "-c", "import matplotlib.pyplot"], None, env),
                "version": ([PYTHON, "-m", "mlspec", "--version"], None, env),
                "report": ([PYTHON, "-m", "mlspec", "report", spec], None, env),
            },
            repeat=repeat,
        )
        matplotlib, version, report = timed["matplotlib"], timed["version"], timed["report"]
        assert (project / ".mlspec" / "runs" / "20250104T000000000000Z-00004" / "report.png").is_file()
    results = {
        "baseline_import_matplotlib_pyplot_s": matplotlib["median"],
        "baseline_mlspec_version_s": version["median"],
        "report_s": report["median"],
        "report_ratio_vs_matplotlib_import": report["median"] / matplotlib["median"],
        "report_ratio_vs_mlspec_version": report["median"] / version["median"],
        "report_cpu_s": report["cpu_median"],
        "baseline_import_matplotlib_pyplot_cpu_s": matplotlib["cpu_median"],
        "target_s": 1.0,
    }
    path = write_results("report", results)
    print(
        table(
            [
                ("`python -c 'import matplotlib.pyplot'` (baseline)", f"{matplotlib['median'] * 1000:.0f} ms", "1.00x"),
                (
                    "`mlspec --version` (baseline)",
                    f"{version['median'] * 1000:.0f} ms",
                    f"{version['median'] / matplotlib['median']:.2f}x",
                ),
                (
                    "`mlspec report` (50 checks, 20 metrics, plot with history)",
                    f"{report['median'] * 1000:.0f} ms (CPU {report['cpu_median'] * 1000:.0f} ms)",
                    f"{results['report_ratio_vs_matplotlib_import']:.2f}x of matplotlib import; target < 1 s",
                ),
            ]
        )
    )
    print(f"\nwrote {path}")


if __name__ == "__main__":
    main()
