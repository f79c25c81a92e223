"""The example's CI job on a real runner engine (act, host mode) with and without a model store, in one run:
what a pull request that changes only the gates waits for.

1. no store (the artifact default): every stage computed;
2. an S3 store (moto's server on 127.0.0.1, credentials as act secrets) that holds nothing yet: every lookup misses,
   every stage computed: what the store adds to a cold CI job (target: at most 10%);
3. the same store after a maintainer's `mlspec push` of main (not timed): every stage reused, nothing trained.

Ratios are to (1). `--quick` skips (2): one CI job fewer (each is minutes).

Usage: python bench/bench_store_act.py [--quick]
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import table, write_results  # noqa: E402
from tests.acceptance.act.runner import ActResult, pull_request_merge  # noqa: E402
from tests.acceptance.act.store_repo import READ, WRITE, Repo, on_standin, open_pull  # noqa: E402
from tests.helpers import SOURCE_COMMIT, copy_example, git  # noqa: E402
from tests.moto_s3 import moto_s3_bucket  # noqa: E402

PROJECT = "breast-cancer"
STAGES = ("data tests", "train", "evaluate", "model tests")


def gates_pull_request(repo: Repo) -> dict:
    """A pull request that lowers a gate's floor (nothing a stage depends on), checked out as GitHub does."""
    import yaml

    git("checkout", "-q", "-b", "gates", "main", cwd=repo.work)
    spec_path = repo.work / "mlproject.yaml"
    spec = yaml.safe_load(spec_path.read_text())
    spec["gates"][0]["min"] = 0.94
    spec_path.write_text(yaml.safe_dump(spec, sort_keys=False))
    git("commit", "-qam", "a gate's floor", cwd=repo.work)
    pull_request_merge(repo.work, "gates")
    number = open_pull(repo.gh, "gates", "Lower a gate's floor")
    return {"number": number, "pull_request": {"number": number, "head": {"ref": "gates"}, "base": {"ref": "main"}}}


def timed_ci(repo: Repo, event: dict) -> tuple[float, ActResult]:
    started = time.perf_counter()
    result = repo.run("pull_request", event, "ci")
    seconds = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"the CI job failed:\n{result.log[-4000:]}")
    return seconds, result


def reused(log: str) -> int:
    return sum(f"{stage} ... reused from run " in log for stage in STAGES)


def main(argv: list[str]) -> int:
    quick = "--quick" in argv
    os.environ["MLSPEC_SOURCE_COMMIT"] = SOURCE_COMMIT
    base = Path(tempfile.mkdtemp(prefix="mlspec-bench-store-act-"))
    results: dict[str, float | int] = {}
    try:
        with moto_s3_bucket("models") as s3:
            endpoint = {k: v for k, v in s3.items() if k in ("AWS_ENDPOINT_URL", "AWS_DEFAULT_REGION")}
            keys = {k: v for k, v in s3.items() if k.startswith("AWS_") and k.endswith(("_ID", "_KEY"))}

            def write(target: Path) -> Path:
                return copy_example(PROJECT, target)

            with on_standin(base / "plain", PROJECT, write, None, endpoint, keys) as plain:
                results["no_store_s"], log = timed_ci(plain, gates_pull_request(plain))
                results["no_store_reused"] = reused(log.log)
            store = {"url": f"s3://models/{PROJECT}", "credentials": WRITE, "read_credentials": READ}
            with on_standin(base / "stored", PROJECT, write, store, endpoint, keys) as stored:
                if not quick:
                    results["cold_store_s"], log = timed_ci(stored, gates_pull_request(stored))
                    results["cold_store_reused"] = reused(log.log)
                    git("checkout", "-q", "main", cwd=stored.work)
                    git("branch", "-qD", "gates", cwd=stored.work)
                shutil.rmtree(stored.work / ".mlspec", ignore_errors=True)
                stored.mlspec("run")  # a maintainer's run of main, pushed (CT's push on the default branch)
                stored.mlspec("push")
                shutil.rmtree(stored.work / ".mlspec")
                results["warm_store_s"], log = timed_ci(stored, gates_pull_request(stored))
                results["warm_store_reused"] = reused(log.log)
    finally:
        shutil.rmtree(base, ignore_errors=True)
    plain_s = float(results["no_store_s"])
    rows = [("CI job, no store (every stage computed)", f"{plain_s:.1f} s", "baseline")]
    if "cold_store_s" in results:
        ratio = float(results["cold_store_s"]) / plain_s
        results["cold_store_ratio"] = ratio
        rows.append(
            ("CI job, empty S3 store (lookups miss)", f"{results['cold_store_s']:.1f} s", f"{ratio:.2f}x (<= 1.10)")
        )
    ratio = float(results["warm_store_s"]) / plain_s
    results["warm_store_ratio"] = ratio
    rows.append(
        (
            f"CI job, S3 store holding main's run ({results['warm_store_reused']} of 4 stages reused)",
            f"{results['warm_store_s']:.1f} s",
            f"{ratio:.2f}x",
        )
    )
    print(table(rows))
    write_results("store_act", results)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
