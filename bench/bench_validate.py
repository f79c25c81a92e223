"""Cold `mlspec validate` vs `python -c "import yaml, pydantic"`, and 1,000 specs in one call."""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

from common import PYTHON, ROOT, table, time_command, write_results

EXAMPLE = ROOT / "examples" / "breast-cancer"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    repeat = 3 if args.quick else 9
    baseline = time_command([PYTHON, "-c", "import yaml, pydantic"], repeat=repeat)
    basemodel = time_command([PYTHON, "-c", "from pydantic import BaseModel"], repeat=repeat)
    cold = time_command([PYTHON, "-m", "mlspec", "validate", str(EXAMPLE / "mlproject.yaml")], repeat=repeat)

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
        from mlspec.spec.validate import check_files

        start = time.perf_counter()
        check_files([Path(s) for s in specs])
        in_process = time.perf_counter() - start

    results = {
        "baseline_import_yaml_pydantic_s": baseline["median"],
        "baseline_pydantic_basemodel_s": basemodel["median"],
        "cold_validate_s": cold["median"],
        "cold_validate_ratio": cold["median"] / baseline["median"],
        "cold_validate_ratio_vs_basemodel": cold["median"] / basemodel["median"],
        "validate_1000_specs_s": many["median"],
        "validate_1000_specs_in_process_s": in_process,
    }
    path = write_results("validate", results)
    print(table([
        ("`python -c 'import yaml, pydantic'` (baseline)", f"{baseline['median']*1000:.0f} ms", "1.00x"),
        ("`python -c 'from pydantic import BaseModel'`", f"{basemodel['median']*1000:.0f} ms",
         f"{basemodel['median']/baseline['median']:.2f}x"),
        ("cold `mlspec validate` (example)", f"{cold['median']*1000:.0f} ms", f"{results['cold_validate_ratio']:.2f}x (target ≤ 1.5x)"),
        ("`mlspec validate` of 1,000 specs, one call", f"{many['median']:.2f} s", "target < 2 s"),
        ("  of which validation in process", f"{in_process:.2f} s", ""),
    ]))
    print(f"\nwrote {path}")


if __name__ == "__main__":
    main()
