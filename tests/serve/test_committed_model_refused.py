"""CD and the drift monitor never unpickle a model file committed to git that a deploy file names.

The attack: a pull request commits `models/fast.bentomodel` (a pickle of its author's making: a binary blob in the
diff) and sets deploy/staging.yaml's `model.artifact` to that path. Once merged, CD's build job (in the staging
GitHub Environment, with its secrets) imported it. A `gh-artifact:` reference must come from a CT run of the default
branch (mlspec/serve/provenance.py) and a store reference from a store the spec names; a local path now must not be
a tracked file either: the local form is mlspec's own state (`.mlspec/runs/<run>/model.bentomodel`, never
committed)."""

from __future__ import annotations

from pathlib import Path

from mlspec.monitor.reference import load_served_model
from mlspec.state.deploy import DeployedModel, Deployment, read_deployment, write_deployment
from tests.helpers import copy_example, git, init_repo, run_cli

PLANTED = b"not a model: whoever unpickles this runs its committer's code" * 20


def _project(tmp_path: Path, artifact: str, *, commit: bool) -> Path:
    root = copy_example("breast-cancer", tmp_path / "repo")
    (root / ".gitignore").write_text(".mlspec/\n")
    init_repo(root)
    archive = root / artifact
    archive.parent.mkdir(parents=True, exist_ok=True)
    archive.write_bytes(PLANTED)
    write_deployment(
        root,
        Deployment(
            project="breast-cancer",
            environment="staging",
            model=DeployedModel(tag="breast-cancer:v1aaaa", version="v1aaaa", artifact=artifact),
            lineage={"run_id": "20260101T000000000000Z-00001", "commit": "feedfacefeedface"},
        ),
    )
    if commit:
        git("add", "-A", "-f", cwd=root)
        git("commit", "-qm", "Use the faster model", cwd=root)
    return root


def test_cd_refuses_a_committed_model_file(tmp_path: Path) -> None:
    root = _project(tmp_path, "models/fast.bentomodel", commit=True)
    for args in (("--locate",), ()):
        result = run_cli("build", "mlproject.yaml", "--env", "staging", *args, cwd=root)
        assert result.returncode == 1, result.stdout + result.stderr
        assert "'models/fast.bentomodel' is a file committed to git" in result.stderr, result.stderr
        assert "nothing was loaded" in result.stderr and "Traceback" not in result.stderr


def test_cd_refuses_a_committed_file_in_the_state_folder_too(tmp_path: Path) -> None:
    """`.mlspec/` is git-ignored, but `git add -f` commits there as well."""
    root = _project(tmp_path, ".mlspec/runs/20260101T000000000000Z-00001/model.bentomodel", commit=True)
    result = run_cli("build", "mlproject.yaml", "--env", "staging", "--locate", cwd=root)
    assert result.returncode == 1 and "is a file committed to git" in result.stderr, result.stderr


def test_mlspecs_own_state_is_located(tmp_path: Path) -> None:
    """The local promotion's reference (no token): the run's exported model in the git-ignored state folder."""
    inner = ".mlspec/runs/20260101T000000000000Z-00001/model.bentomodel"
    root = _project(tmp_path, inner, commit=False)
    result = run_cli("build", "mlproject.yaml", "--env", "staging", "--locate", cwd=root)
    assert result.returncode == 0, result.stderr
    (line,) = [line for line in result.stdout.splitlines() if line.startswith("artifact=")]
    assert (root / line.removeprefix("artifact=")).resolve() == (root / inner).resolve()  # relative to the cwd


def test_the_drift_monitor_does_not_load_a_committed_model(tmp_path: Path) -> None:
    root = _project(tmp_path, "models/fast.bentomodel", commit=True)
    deployment = read_deployment(root, "staging")
    served, reason = load_served_model(deployment, root)
    assert served is None and "is a file committed to git" in reason
