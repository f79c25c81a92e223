"""The release of mlspec-gitops under the real runner (act, host mode, offline), with a local package index
(pypiserver on 127.0.0.1) standing in for PyPI:

1. A copy of this repository gets its release PR (`scripts/release_pin.py prepare`, the next patch version),
   and the tag `vX.Y.Z` on it; `.github/workflows/release.yml` runs for the tag push up to `publish` (act
   runs the jobs it needs: build and check, the built wheel running the README tutorial with its SBOM,
   provenance, publish). `pypa/gh-action-pypi-publish` and `actions/attest-build-provenance` have no offline
   copy (../shared/gha-actions): checking stand-ins mapped to the pinned commits (tests/acceptance/act/standin_actions)
   upload to the local index (PYPI_REPOSITORY_URL) and write the unsigned provenance statement.
   `github-release` and `pin-pr` need GitHub's release and pull-request API through `gh`: not run here.
2. On this machine, in a virtual environment with nothing of mlspec in it (the locked dependencies only, from
   the uv cache, as the setup action installs them): `pip install --index-url <local> mlspec-gitops==X.Y.Z`
   and the README tutorial (`mlspec init`, `run`, `render`, `gate`, `report`, `promote --dry-run`).
3. A workflow on act using the setup action with `mlspec-package: mlspec-gitops==X.Y.Z` and `index-url`
   installs the release from that index (the version and the tagged commit say so, not the action's checkout).
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import time
import urllib.request
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from mlspec import __version__
from mlspec.render.pins import PINS
from tests.acceptance.act.runner import STANDIN_ACTIONS, Act, export_worktree, free_port
from tests.helpers import ROOT, SOURCE_COMMIT, git, init_repo

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("act-package-release")]

BIN = Path(sys.executable).parent
RELEASE = Path(".github/workflows/release.yml")
STANDINS = {
    "pypa/gh-action-pypi-publish": "gh-action-pypi-publish",
    "actions/attest-build-provenance": "attest-build-provenance",
}
VERSION = ".".join([*__version__.split(".")[:2], str(int(__version__.split(".")[2]) + 1)])
TAG = f"v{VERSION}"


def _wait(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """pypiserver on 127.0.0.1 (uploads without authentication): (its URL, its package folder)."""
    packages = tmp_path_factory.mktemp("index")
    port = free_port()
    log = open(packages.parent / "pypiserver.log", "w")  # noqa: SIM115 (closed below)
    server = subprocess.Popen(
        [str(BIN / "pypi-server"), "run", "-i", "127.0.0.1", "-p", str(port), "-a", ".", "-P", ".", str(packages)],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        url = f"http://127.0.0.1:{port}/"
        _wait(url + "simple/")
        yield url, packages
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


@pytest.fixture(scope="module")
def released(tmp_path_factory: pytest.TempPathFactory, index: tuple[str, Path]) -> dict:
    """The copy of the repository, tagged, and the release workflow's act run up to `publish`."""
    base = tmp_path_factory.mktemp("act-package-release")
    repo = export_worktree(ROOT, base / "repo")
    init_repo(repo, remote=base / "remote.git")
    git("remote", "set-url", "origin", "https://github.com/mlspec/mlspec.git", cwd=repo)
    prepared = subprocess.run(
        [sys.executable, "scripts/release_pin.py", "prepare", VERSION, "--date", "2027-01-04"],
        cwd=repo,
        capture_output=True,
        text=True,
        check=False,
    )
    assert prepared.returncode == 0, prepared.stderr
    git("commit", "-qam", f"Release {VERSION}", cwd=repo)
    git("tag", "-a", TAG, "-m", TAG, cwd=repo)
    tagged = git("rev-parse", "HEAD", cwd=repo)

    url, packages = index
    act = Act(base / "act")
    published = base / "published"
    result = act.run(
        repo,
        "push",
        {"ref": f"refs/tags/{TAG}", "ref_type": "tag", "before": "0" * 40, "after": tagged},
        repo / RELEASE,
        job="publish",
        env={
            "PYPI_REPOSITORY_URL": url,
            "MLSPEC_STANDIN_TWINE": str(BIN / "twine"),
            "MLSPEC_STANDIN_PUBLISHED": str(published),
        },
        timeout=1500,
    )
    (base / "release.log").write_text(result.log)
    return {"repo": repo, "tagged": tagged, "act": act, "result": result, "published": published, "url": url}


def _tail(text: str) -> str:
    return text[-8000:]


def _artifact(act: Act, name: str) -> zipfile.ZipFile:
    (found,) = act.artifacts.glob(f"*/{name}/{name}.zip")
    return zipfile.ZipFile(found)


def test_the_tag_is_built_checked_tried_attested_and_published(released: dict, index: tuple[str, Path]) -> None:
    result = released["result"]
    assert result.returncode == 0, _tail(result.log)
    log = result.log
    assert f"tag {TAG} names the version in mlspec/__init__.py" in log
    assert (
        f"mlspec-gitops {VERSION}: sdist and wheel checked (twine, metadata, files, commit {released['tagged']})" in log
    )
    assert f"mlspec {VERSION} commit {released['tagged']}" in log  # the built wheel, in a clean venv
    assert "the README tutorial ran: " in log
    assert "(unsigned, stand-in) written to" in log

    _url, packages = index
    names = {f"mlspec_gitops-{VERSION}.tar.gz", f"mlspec_gitops-{VERSION}-py3-none-any.whl"}
    assert {p.name for p in packages.iterdir()} == names
    (record,) = [json.loads(p.read_text()) for p in released["published"].glob("*.json")]
    assert record["files"] == {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in packages.iterdir()}
    assert record["job"] == "publish" and record["ref"] == f"refs/tags/{TAG}"

    with _artifact(released["act"], "provenance") as archive:
        (line,) = archive.read("provenance.intoto.jsonl").decode().splitlines()
    statement = json.loads(line)["unsigned_statement"]
    assert statement["predicateType"] == "https://slsa.dev/provenance/v1"
    assert {s["name"]: s["digest"]["sha256"] for s in statement["subject"]} == record["files"]
    with _artifact(released["act"], "sbom") as archive:
        sbom = json.loads(archive.read(f"mlspec_gitops-{VERSION}.cdx.json"))
    assert sbom["bomFormat"] == "CycloneDX"
    components = {c["name"]: c.get("version") for c in sbom["components"]}
    assert components.get("mlspec-gitops") == VERSION and components.get("deepchecks") == "0.19.1"


def test_the_actions_without_an_offline_copy_have_stand_ins() -> None:
    """The runner maps both pins to these folders (tests/acceptance/act/runner.py: Act.local_repositories)."""
    for key in ("pypi-publish", "attest-build-provenance"):
        pin = PINS[key]
        assert not pin.offline_copy and pin.uses in (ROOT / RELEASE).read_text()
        assert (STANDIN_ACTIONS / pin.repository.split("/", 1)[1] / "action.yml").is_file()


def test_the_workflow_asks_for_the_least_and_publishes_without_a_token() -> None:
    workflow = yaml.safe_load((ROOT / RELEASE).read_text())
    assert workflow["permissions"] == {}
    assert workflow[True] == {"push": {"tags": ["v*"]}}  # yaml reads the key `on` as True
    jobs = workflow["jobs"]
    writes = {name: job["permissions"] for name, job in jobs.items() if "write" in job["permissions"].values()}
    assert writes == {
        "attest": {"id-token": "write", "attestations": "write"},
        "publish": {"id-token": "write"},
        "github-release": {"contents": "write"},
        "pin-pr": {"contents": "write", "pull-requests": "write"},
    }
    publish = jobs["publish"]["steps"][-1]
    assert publish["uses"].startswith("pypa/gh-action-pypi-publish@")
    assert set(publish["with"]) == {"packages-dir", "repository-url"}  # no password, no token: OIDC
    assert "secrets." not in (ROOT / RELEASE).read_text()


def test_a_clean_environment_installs_the_release_from_the_index_and_runs_the_tutorial(
    released: dict, tmp_path: Path
) -> None:
    assert released["result"].returncode == 0, "the release run failed (see the test above)"
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MLSPEC_", "VIRTUAL_ENV", "PIP_"))}
    env.update(UV_CACHE_DIR=released["act"].uv_cache, UV_OFFLINE="1")
    # The locked dependencies, from the uv cache; nothing of mlspec.
    bootstrap = [str(venv / "bin" / "python"), "-m", "pip", "install", "-q", "--no-deps", "--require-hashes"]
    subprocess.run([*bootstrap, "-r", str(ROOT / "requirements" / "bootstrap.txt")], env=env, check=True, timeout=300)
    lock = [
        str(venv / "bin" / "uv"),
        "pip",
        "install",
        "-q",
        "--python",
        str(venv / "bin" / "python"),
        "--require-hashes",
    ]
    subprocess.run([*lock, "-r", str(ROOT / "requirements" / "runtime.txt")], env=env, check=True, timeout=900)
    assert not (venv / "bin" / "mlspec").exists()

    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "--isolated", "--no-cache-dir"]
    done = subprocess.run(
        [*pip, "--index-url", released["url"] + "simple/", f"mlspec-gitops=={VERSION}"],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    version = subprocess.run([str(venv / "bin" / "mlspec"), "--version"], env=env, capture_output=True, text=True)
    assert version.stdout.strip() == f"mlspec {VERSION} commit {released['tagged']}"

    tutorial = subprocess.run(
        [
            sys.executable,
            str(released["repo"] / "scripts" / "release_tutorial.py"),
            "--bin",
            str(venv / "bin"),
            "--work",
            str(tmp_path / "tutorial"),
            "--readme",
            str(released["repo"] / "README.md"),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=1200,
    )
    assert tutorial.returncode == 0, _tail(tutorial.stdout + tutorial.stderr)
    assert "the README tutorial ran: " in tutorial.stdout
    assert "dry run: nothing was changed" in tutorial.stdout


SETUP_FROM_INDEX = f"""name: mlspec from a package index
on: workflow_dispatch
permissions: {{}}
jobs:
  setup:
    runs-on: ubuntu-latest
    permissions:
      contents: read
    steps:
      - name: Set up mlspec from the index
        uses: mlspec/mlspec/actions/setup@{SOURCE_COMMIT} # v{__version__}
        with:
          mlspec-package: mlspec-gitops=={VERSION}
          index-url: ${{{{ env.MLSPEC_TEST_INDEX }}}}
      - name: Which mlspec
        run: mlspec --version
"""


def test_the_setup_action_installs_the_release_from_the_index(released: dict) -> None:
    assert released["result"].returncode == 0, "the release run failed (see the test above)"
    repo = released["repo"]
    workflow = repo / ".github" / "workflows" / "setup-from-index.yml"
    workflow.write_text(SETUP_FROM_INDEX)
    result = released["act"].run(
        repo, "workflow_dispatch", {}, workflow, env={"MLSPEC_TEST_INDEX": released["url"] + "simple/"}, timeout=900
    )
    assert result.returncode == 0, _tail(result.log)
    # The release from the index, not the action's own checkout (version __version__, commit SOURCE_COMMIT).
    assert f"mlspec {VERSION} commit {released['tagged']}" in result.log
    assert f"mlspec-gitops=={VERSION}" in result.log
