"""The example's CI with `train.engine.ray` on a real Actions runner engine (act, host mode), training on a
`ray start --head` cluster on 127.0.0.1 (issue 27's "Done when").

The runner has nothing of mlspec or Ray: the pipeline job installs mlspec through the setup action and the Ray
client through the rendered "Install the Ray client" step, both from the uv cache with UV_OFFLINE=1. The test
fills that cache itself (as the act harness does for the runtime lock): it installs the spec's Ray requirement,
pinned to the cluster's Ray version, into the harness's warm environment first, so it works on a clean clone
(`make setup` plus network for this one warm-up, like the harness's). The Jobs address reaches the job as the
repository secret the spec names.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import zipfile
from importlib.metadata import version
from pathlib import Path

import pytest

from tests.acceptance.act.runner import Act, example_on_standin, pull_request_merge
from tests.github_standin import GitHubStandIn
from tests.github_standin.server import Pull
from tests.helpers import git

pytest.importorskip("ray.job_submission")
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("act")]

PROJECT = "breast-cancer"
SECRET = "MLSPEC_RAY_ADDRESS"
RUN_ID = 2727


def _warm_ray(act: Act, package: str) -> None:
    """The spec's Ray requirement into the harness's warm environment (runtime lock already there), so that
    the job's offline `uv pip install` resolves the same set from the uv cache."""
    venv = act.base / "warm-venv"
    subprocess.run(
        [str(venv / "bin" / "uv"), "pip", "install", "--quiet", "--python", str(venv / "bin" / "python"), package],
        env={**{k: v for k, v in os.environ.items() if k != "UV_OFFLINE"}, "UV_CACHE_DIR": act.uv_cache},
        check=True,
        capture_output=True,
        timeout=1200,
    )


def _open_pull(gh: GitHubStandIn, head: str) -> int:
    number = gh.state.next_number
    gh.state.next_number += 1
    gh.state.pulls[number] = Pull(number, "Train on the cluster", "", head, "main", author="octocat")
    return number


def _reports(artifacts: Path) -> dict[str, bytes]:
    """The files of the CI run's uploaded reports artifact, by their path inside it."""
    archive = next((artifacts / str(RUN_ID)).glob(f"mlspec-{PROJECT}-ci-reports/*.zip"))
    with zipfile.ZipFile(archive) as zipped:
        return {name: zipped.read(name) for name in zipped.namelist()}


@pytest.mark.timeout(2400)  # the cluster's start-up on a loaded machine, then one CI run with two deepchecks suites
def test_the_examples_ci_trains_on_a_local_ray_cluster(tmp_path: Path) -> None:
    from ray.job_submission import JobSubmissionClient

    from tests.pipeline.engines.ray_cluster import ray_head

    package = f"ray[default]=={version('ray')}"  # the client the cluster's own Ray version

    def on_ray(work: Path, spec: dict) -> None:
        spec["train"]["engine"] = {"ray": {"address": SECRET, "entrypoint_resources": {"CPU": 1}, "package": package}}

    started = time.monotonic()
    with ray_head(num_cpus=2) as address, example_on_standin(tmp_path, PROJECT, on_ray) as (work, gh, act):
        _warm_ray(act, package)
        git("checkout", "-q", "-b", "on-ray", "main", cwd=work)
        train = work / "src" / "train.py"
        train.write_text(train.read_text() + "\n# trained on the cluster\n")
        git("commit", "-qam", "train on the cluster", cwd=work)
        pull_request_merge(work, "on-ray")
        number = _open_pull(gh, "on-ray")
        event = {
            "number": number,
            "pull_request": {"number": number, "head": {"ref": "on-ray"}, "base": {"ref": "main"}},
        }
        workflow = work / ".github" / "workflows" / f"mlspec-{PROJECT}-ci.yml"
        result = act.run(work, "pull_request", event, workflow, run_id=RUN_ID, secrets={SECRET: address})
        (tmp_path / "ci.log").write_text(result.log)
        assert result.returncode == 0, result.log[-6000:]
        assert "Install the Ray client (train.engine.ray)" in result.log

        files = _reports(act.artifacts)
        latest = next(name for name in files if name.endswith("latest"))  # runs/latest and runs/<id>/ inside
        run_dir = latest[: -len("latest")] + files[latest].decode().split()[0]
        record = json.loads(files[f"{run_dir}/record.json"])
        train_stage = next(stage for stage in record["stages"] if stage["name"] == "train")
        assert train_stage["status"] == "passed"
        assert ", trained on Ray as job mlspec-train-" in train_stage["message"]
        job_id = train_stage["message"].rsplit(" ", 1)[1]
        assert f"mlspec: Ray job {job_id}" in files[f"{run_dir}/train.log"].decode()
        assert "training on Ray node" in files[f"{run_dir}/train.log"].decode()
        assert record["metrics"]["roc_auc"] > 0.9  # evaluated on the runner, from the model the job sent back

        jobs = JobSubmissionClient(address).list_jobs()
        assert [(job.submission_id, str(job.status.value)) for job in jobs] == [(job_id, "SUCCEEDED")]
        assert jobs[0].metadata["mlspec_inputs"] == train_stage["inputs_digest"]
    print(f"act CI run on Ray: {time.monotonic() - started:.0f}s", file=sys.stderr)
