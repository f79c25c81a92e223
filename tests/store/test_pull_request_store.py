"""A pull request that points `store:` at its own store (filled with the right objects under the right digests, as an
attacker would) gets nothing reused from it in CI: every stage is computed and the run says why. A pull request that
leaves `store:` alone reuses from the base branch's store (the control). And CI's one-command-per-stage steps each
say, and record for the report, that their stage came from the store; the servability check serves a reused model."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.acceptance.test_store import _ok, _project
from tests.helpers import git, run_mlspec

pytestmark = pytest.mark.slow  # trains (a 5-tree forest, seconds)


def _pull_request(root: Path, branch: str, old: str, new: str) -> None:
    """``branch`` edits the spec; the merge commit into main is checked out, as in GitHub's pull-request job."""
    git("checkout", "-q", "-b", branch, "main", cwd=root)
    spec = root / "mlproject.yaml"
    spec.write_text(spec.read_text().replace(old, new, 1))
    git("commit", "-qam", branch, cwd=root)
    git("checkout", "-q", "--detach", "main", cwd=root)
    git("merge", "-q", "--no-ff", "-m", f"Merge {branch}", branch, cwd=root)
    shutil.rmtree(root / ".mlspec", ignore_errors=True)  # a fresh runner


def _ci_env(tmp_path: Path, name: str) -> dict[str, str]:
    return {
        **{k: "" for k in os.environ if k.startswith("GITHUB_")},
        "GITHUB_EVENT_NAME": "pull_request",
        "GITHUB_BASE_REF": "main",
        "BENTOML_HOME": str(tmp_path / name),
    }


def test_a_pull_request_reads_only_the_store_its_base_branch_names(tmp_path: Path) -> None:
    trusted = tmp_path / "store"
    root = _project(tmp_path / "proj", str(trusted))
    first = _ok(run_mlspec("run", cwd=root))
    run_id = first.split("\nrun ")[1].split(":")[0]
    _ok(run_mlspec("push", cwd=root))

    _pull_request(root, "gates", "min: 0.5}", "min: 0.55}")  # the control: reused from the base branch's store
    control = _ok(run_mlspec("run", cwd=root, env=_ci_env(tmp_path, "b1")))
    assert f"train ... reused from run {run_id}" in control and "passed in" not in control

    planted = tmp_path / "attacker-store"
    shutil.copytree(trusted, planted)  # the attacker's bucket: every object where mlspec would look for it
    git("checkout", "-q", "main", cwd=root)
    _pull_request(root, "evil", f"store: {trusted}", f"store: {planted}")
    ci = _ok(run_mlspec("run", cwd=root, env=_ci_env(tmp_path, "b2")))
    assert "train ... passed in" in ci and "reused from run" not in ci
    assert "this pull request changes `store:`" in ci and str(planted) in ci and str(trusted) in ci

    shutil.rmtree(root / ".mlspec")
    local = _ok(run_mlspec("run", cwd=root, env={"GITHUB_EVENT_NAME": "", "BENTOML_HOME": str(tmp_path / "b3")}))
    assert f"train ... reused from run {run_id}" in local  # outside a pull-request job the spec's store is read


def test_stage_by_stage_commands_each_say_the_stage_came_from_the_store(tmp_path: Path) -> None:
    """CI runs `mlspec train`, `mlspec evaluate`, ... one command each: the first downloads every stage the store
    holds; the later ones still say (and record, for the report) that theirs came from the store, not "cached"."""
    root = _project(tmp_path / "proj", str(tmp_path / "store"))
    run_id = _ok(run_mlspec("run", cwd=root)).split("\nrun ")[1].split(":")[0]
    _ok(run_mlspec("push", cwd=root))
    shutil.rmtree(root / ".mlspec")  # another machine
    env = {"BENTOML_HOME": str(tmp_path / "b")}
    assert f"train ... reused from run {run_id}" in _ok(run_mlspec("train", cwd=root, env=env))
    evaluate = _ok(run_mlspec("evaluate", cwd=root, env=env))
    assert f"evaluate ... reused from run {run_id}" in evaluate, evaluate
    _ok(run_mlspec("report", "--output", str(tmp_path / "report.md"), cwd=root, env=env))
    report = (tmp_path / "report.md").read_text()
    assert f"train: reused from run {run_id}" in report and f"evaluate: reused from run {run_id}" in report
    # CT's servability check on a fresh runner: the reused model is in no BentoML store there, its archive is
    served = _ok(run_mlspec("test", "serving", cwd=root, env=env))
    assert "servability of stored:" in served and ": pass" in served, served
