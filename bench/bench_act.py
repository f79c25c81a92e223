"""Wall time of the example's rendered CI job on a real runner engine (act, host mode), by step:
what a pull request waits for. Baseline in the same run: `mlspec run --force` of the same project
on this machine, without any runner (the pipeline's own work).

Usage: python bench/bench_act.py [--quick]   (--quick is the same single run: one CI job is the unit)
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import ROOT, table, write_results  # noqa: E402
from tests.acceptance.act.runner import TOKEN, Act, pull_request_merge  # noqa: E402
from tests.github_standin import GitHubStandIn  # noqa: E402
from tests.github_standin.server import Pull  # noqa: E402
from tests.helpers import SOURCE_COMMIT, copy_example, git, init_repo  # noqa: E402

STEP = re.compile(r"\]   ✅  Success - Main (.+?) \[([0-9hms.µ]+)\]$")


def seconds(text: str) -> float:
    total = 0.0
    for value, unit in re.findall(r"([0-9.]+)(ms|µs|h|m|s)", text):
        total += float(value) * {"h": 3600, "m": 60, "s": 1, "ms": 1e-3, "µs": 1e-6}[unit]
    return total


def main() -> int:
    os.environ["MLSPEC_SOURCE_COMMIT"] = SOURCE_COMMIT
    base = Path(tempfile.mkdtemp(prefix="mlspec-bench-act-"))
    try:
        work = copy_example("breast-cancer", base / "work")
        shutil.rmtree(work / ".github", ignore_errors=True)
        subprocess.run(
            [sys.executable, "-m", "mlspec", "render", "--root", str(work)], cwd=work, check=True, capture_output=True
        )
        init_repo(work)
        git("remote", "add", "origin", "https://github.com/octo-org/ml-repo.git", cwd=work)  # the stand-in's
        git("checkout", "-q", "-b", "tweak", cwd=work)
        (work / "src" / "train.py").write_text((work / "src" / "train.py").read_text() + "\n# tweak\n")
        git("commit", "-qam", "tweak", cwd=work)
        pull_request_merge(work, "tweak")
        with GitHubStandIn() as gh:  # the sticky comment goes to the local stand-in
            gh.token = TOKEN
            gh.state.pulls[1] = Pull(1, "tweak", "", "tweak", "main", author="octocat")
            gh.state.next_number = 2
            act = Act(base / "act", api_url=gh.api_url, extra_env={"GITHUB_REPOSITORY": gh.repository})
            started = time.perf_counter()
            result = act.run(
                work,
                "pull_request",
                {"number": 1, "pull_request": {"number": 1}},
                work / ".github/workflows/mlspec-breast-cancer-ci.yml",
            )
            wall = time.perf_counter() - started
        steps = {}
        for line in result.log.splitlines():
            match = STEP.search(line)
            if match and "mlspec-breast-cancer-ci " in line.split("]")[0] + " ":
                steps.setdefault(match.group(1), seconds(match.group(2)))
        copy = base / "plain"
        shutil.copytree(ROOT / "examples" / "breast-cancer", copy, ignore=shutil.ignore_patterns(".mlspec"))
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "mlspec", "run", "--force"], cwd=copy, capture_output=True)
        plain = time.perf_counter() - t0
    finally:
        shutil.rmtree(base, ignore_errors=True)
    keys = [
        "Set up Python and mlspec",
        "Validate the spec and check the rendered workflows",
        "Data tests",
        "Train and evaluate",
        "Model tests",
        "Gate against the champion and report",
        "Upload the run reports",
    ]
    rows = [(name, f"{steps[name]:.1f} s", "") for name in keys if name in steps]
    rows.append(
        (
            "whole workflow (changes job + pipeline job, act)",
            f"{wall:.1f} s",
            f"`mlspec run --force` without a runner: {plain:.1f} s ({wall / plain:.2f}x)",
        )
    )
    print(table(rows))
    write_results("act", {"wall_s": wall, "steps_s": steps, "plain_run_s": plain, "returncode": result.returncode})
    return 0 if result.returncode in (0, 1) else 1


if __name__ == "__main__":
    raise SystemExit(main())
