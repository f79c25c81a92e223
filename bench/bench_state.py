"""State that stays small (issue 14 item 5): the size of `.mlspec/` after N runs of the bundled example
(`mlspec run --force`, every stage and both deepchecks suites each time; target < 50 MB after 10), beside
the size the same runs would take with every deepchecks HTML report kept as deepchecks wrote it (the
`.html.gz` files decompressed: measured in the same run); and the time of `mlspec gc --keep 3`, beside
`rm -rf` of a copy of the same run folders.

Usage: python bench/bench_state.py [--quick] [--runs 10]   (--quick: 3 runs unless --runs is given)"""

from __future__ import annotations

import argparse
import gzip
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from common import PYTHON, ROOT, table, write_results


def du(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file() and not p.is_symlink())


def uncompressed_html(runs: Path) -> int:
    """Bytes the .html.gz reports hold once decompressed, minus their compressed size."""
    extra = 0
    for packed in runs.rglob("*.html.gz"):
        with gzip.open(packed, "rb") as handle:
            size = sum(len(chunk) for chunk in iter(lambda: handle.read(1 << 20), b""))
        extra += size - packed.stat().st_size
    return extra


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="3 runs instead of 10 (unless --runs is given)")
    parser.add_argument("--runs", type=int, default=None)
    args = parser.parse_args()
    if args.runs is None:
        args.runs = 3 if args.quick else 10
    env = {**os.environ, "BENTOML_DO_NOT_TRACK": "true", "MPLBACKEND": "Agg"}
    with tempfile.TemporaryDirectory(prefix="mlspec-bench-state-") as tmp:
        env["BENTOML_HOME"] = str(Path(tmp) / "bentoml")
        project = Path(tmp) / "breast-cancer"
        shutil.copytree(
            ROOT / "examples" / "breast-cancer", project, ignore=shutil.ignore_patterns(".mlspec", "__pycache__")
        )
        seconds = []
        for index in range(args.runs):
            start = time.perf_counter()
            proc = subprocess.run(
                [PYTHON, "-m", "mlspec", "run", "--force"], cwd=project, env=env, capture_output=True, text=True
            )
            seconds.append(time.perf_counter() - start)
            if proc.returncode not in (0, 1):  # 1: the gate may fail; the state is written either way
                print(proc.stdout[-2000:], proc.stderr[-2000:])
                return 1
            print(f"run {index + 1}/{args.runs}: {seconds[-1]:.1f} s")
        state = project / ".mlspec"
        runs = state / "runs"
        size = du(state)
        run_count = len([p for p in runs.iterdir() if p.is_dir()])
        html = sum(p.stat().st_size for p in runs.rglob("*.html*"))
        as_written = size + uncompressed_html(runs)

        copy = Path(tmp) / "runs-copy"
        shutil.copytree(runs, copy, symlinks=True)
        start = time.perf_counter()
        gc = subprocess.run(
            [PYTHON, "-m", "mlspec", "gc", "--keep", "3"], cwd=project, env=env, capture_output=True, text=True
        )
        gc_seconds = time.perf_counter() - start
        if gc.returncode != 0:
            print(gc.stdout, gc.stderr)
            return 1
        after_gc = du(state)
        kept = len([p for p in runs.iterdir() if p.is_dir()])
        doomed = sorted(p for p in copy.iterdir() if p.is_dir() and not (runs / p.name).exists())
        start = time.perf_counter()
        subprocess.run(["rm", "-rf", *map(str, doomed)], check=True)
        rm_seconds = time.perf_counter() - start

    results = {
        "runs": args.runs,
        "run_folders": run_count,
        "state_bytes": size,
        "html_bytes": html,
        "state_bytes_with_html_as_written": as_written,
        "run_seconds_median": sorted(seconds)[len(seconds) // 2],
        "gc_seconds": gc_seconds,
        "gc_kept_runs": kept,
        "state_bytes_after_gc": after_gc,
        "rm_rf_seconds": rm_seconds,
        "gc_stdout": gc.stdout.strip(),
    }
    write_results("state", results)
    mb = 1e6
    print(
        table(
            [
                (
                    f"`.mlspec/` after {args.runs} runs of the example",
                    f"{size / mb:.1f} MB (HTML {html / mb:.1f} MB)",
                    f"HTML kept as written: {as_written / mb:.1f} MB (target < 50 MB)",
                ),
                (
                    f"`mlspec gc --keep 3` ({run_count} -> {kept} runs)",
                    f"{gc_seconds:.2f} s",
                    f"`rm -rf` of the same folders: {rm_seconds:.3f} s",
                ),
            ]
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
