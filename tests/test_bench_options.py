"""`python bench/run.py --quick` passes `--quick` to every bench: each one that parses its options must
accept it (bench_serve.py and bench_state.py stopped the whole run with an argparse usage error)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.helpers import ROOT

BENCHES = sorted((ROOT / "bench").glob("bench_*.py"))
# Benches that parse options (the others read no options and run the same with or without --quick).
PARSING = [path for path in BENCHES if "ArgumentParser(" in path.read_text()]


def test_the_option_parsing_benches_include_serve_and_state() -> None:
    assert {"bench_serve.py", "bench_state.py"} <= {path.name for path in PARSING}


@pytest.mark.parametrize("bench", PARSING, ids=[path.stem for path in PARSING])
def test_bench_accepts_quick(bench) -> None:
    done = subprocess.run(
        [sys.executable, str(bench), "--help"], capture_output=True, text=True, timeout=120, cwd=ROOT / "bench"
    )
    assert done.returncode == 0, done.stderr
    assert "--quick" in done.stdout
