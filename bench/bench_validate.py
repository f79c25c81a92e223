"""Cold `mlspec validate` vs `python -c "import yaml, pydantic"`, and 1,000 specs in one call."""

from __future__ import annotations

import argparse
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from common import PYTHON, ROOT, table, time_command, time_interleaved, write_results

EXAMPLE = ROOT / "examples" / "breast-cancer"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    repeat = 3 if args.quick else 11
    # An installed package has its bytecode; without it every run would compile mlspec's modules again.
    subprocess.run([PYTHON, "-m", "compileall", "-q", str(ROOT / "mlspec")], capture_output=True, check=False)
    timed = time_interleaved(
        {
            "baseline": ([PYTHON, "-c", "import yaml, pydantic"], None, None),
            "basemodel": ([PYTHON, "-c", "from pydantic import BaseModel"], None, None),
            "imports": (
                [
                    PYTHON,
                    "-c",
                    "import yaml, argparse; from pydantic import BaseModel, ConfigDict, Field, "
                    "field_validator, model_validator",
                ],
                None,
                None,
            ),
            "cold": ([PYTHON, "-m", "mlspec", "validate", str(EXAMPLE / "mlproject.yaml")], None, None),
        },
        repeat=repeat,
    )
    baseline, basemodel, imports, cold = timed["baseline"], timed["basemodel"], timed["imports"], timed["cold"]

    with tempfile.TemporaryDirectory() as tmp:
        specs = []
        for i in range(1000):
            folder = Path(tmp) / f"p{i:04d}"
            shutil.copytree(EXAMPLE, folder, ignore=shutil.ignore_patterns(".mlspec", ".github", "*.csv"))
            (folder / "data").mkdir(exist_ok=True)
            for name in ("train.csv", "test.csv"):
                (folder / "data" / name).write_text("x\n")
            specs.append(str(folder / "mlproject.yaml"))
        many = time_command([PYTHON, "-m", "mlspec", "validate", *specs], repeat=1 if args.quick else 3)
        from mlspec.gc_tuning import fewer_collections
        from mlspec.spec.validate import check_files

        start = time.perf_counter()
        with fewer_collections():  # as `mlspec validate` does
            check_files([Path(s) for s in specs])
        in_process = time.perf_counter() - start

    results = {
        "baseline_import_yaml_pydantic_s": baseline["median"],
        "baseline_pydantic_basemodel_s": basemodel["median"],
        "cold_validate_s": cold["median"],
        "cold_validate_ratio": cold["median"] / baseline["median"],
        "cold_validate_ratio_paired": cold["ratio_to_baseline"],
        "cold_validate_cpu_s": cold["cpu_median"],
        "baseline_cpu_s": baseline["cpu_median"],
        "pydantic_imports_the_spec_models_need_s": imports["median"],
        "pydantic_imports_ratio": imports["median"] / baseline["median"],
        "cold_validate_ratio_vs_basemodel": cold["median"] / basemodel["median"],
        "validate_1000_specs_s": many["median"],
        "validate_1000_specs_in_process_s": in_process,
    }
    path = write_results("validate", results)
    print(
        table(
            [
                ("`python -c 'import yaml, pydantic'` (baseline)", f"{baseline['median'] * 1000:.0f} ms", "1.00x"),
                (
                    "`python -c 'from pydantic import BaseModel'`",
                    f"{basemodel['median'] * 1000:.0f} ms",
                    f"{basemodel['median'] / baseline['median']:.2f}x",
                ),
                (
                    "`python -c 'import yaml, argparse; from pydantic import BaseModel, ConfigDict, Field, field_validator, "
                    "model_validator'` (what the models need)",
                    f"{imports['median'] * 1000:.0f} ms",
                    f"{imports['median'] / baseline['median']:.2f}x",
                ),
                (
                    "cold `mlspec validate` (example)",
                    f"{cold['median'] * 1000:.0f} ms",
                    f"{results['cold_validate_ratio']:.2f}x (target ≤ 1.5x)",
                ),
                ("`mlspec validate` of 1,000 specs, one call", f"{many['median']:.2f} s", "target < 2 s"),
                ("  of which validation in process", f"{in_process:.2f} s", ""),
            ]
        )
    )
    print(f"\nwrote {path}")


if __name__ == "__main__":
    main()
