"""The README's main command: the bundled example, end to end, on local defaults.

`python -m mlspec.demo [EXAMPLE]` copies the example into a fresh git repository (with a local bare
remote standing in for GitHub) under build/demo/, then runs the same CLI steps the rendered workflows
run: validate, render, the pipeline (data tests, train, evaluate, model tests), gate, report, a local
promotion (branch plus PR title/body written to files) and the BentoML build. No GitHub account needed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from mlspec.state.layout import STATE_DIR, StateLayout

DEFAULT_EXAMPLE = "examples/breast-cancer"


@dataclass
class Step:
    title: str
    argv: list[str]
    outputs: str = ""
    status: str = "not run"
    seconds: float = 0.0


def _git(*args: str, cwd: Path) -> None:
    from mlspec.git import run

    run(*args, cwd=cwd)


def _commit_if_changed(project: Path, message: str) -> None:
    from mlspec.git import run

    if run("status", "--porcelain", cwd=project).stdout.strip():
        _git("add", "-A", cwd=project)
        _git("commit", "-q", "-m", message, cwd=project)


def _prepare(example: Path, workspace: Path) -> tuple[Path, dict[str, str]]:
    if workspace.exists():
        shutil.rmtree(workspace)
    project = workspace / example.name
    shutil.copytree(example, project, ignore=shutil.ignore_patterns(STATE_DIR, "__pycache__"))
    remote = workspace / "remote.git"
    _git("init", "-q", "--bare", "-b", "main", str(remote), cwd=workspace)
    _git("init", "-q", "-b", "main", cwd=project)
    _git("config", "user.email", "demo@mlspec.invalid", cwd=project)
    _git("config", "user.name", "mlspec demo", cwd=project)
    _git("add", "-A", cwd=project)
    _git("commit", "-q", "-m", f"{example.name}: initial commit", cwd=project)
    _git("remote", "add", "origin", str(remote), cwd=project)
    _git("push", "-q", "origin", "main", cwd=project)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "GH_"))}
    env.update(
        BENTOML_HOME=str(workspace / "bentoml"),
        BENTOML_DO_NOT_TRACK="true",
        MPLBACKEND="Agg",
        PYTHONUNBUFFERED="1",
    )
    return project, env


def _steps(project: Path) -> list[Step]:
    state = StateLayout(project)
    runs = state.runs
    return [
        Step("validate the spec", ["validate"]),
        Step("render the GitHub Actions workflows", ["render"], str(project / ".github" / "workflows")),
        Step("run the pipeline: data tests, train, evaluate, model tests", ["run"], f"{runs}/<run-id>/"),
        Step("gate against the staging champion", ["gate", "--env", "staging"], f"{runs}/<run-id>/gate.json"),
        Step("write the report", ["report", "--env", "staging"], f"{runs}/<run-id>/report.md"),
        Step(
            "promote to staging (local: branch + PR files)",
            ["promote", "--env", "staging"],
            str(state.promotions("staging")),
        ),
        Step("build the BentoML service", ["build"], str(state.services)),
    ]


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    example = Path(args[0] if args else DEFAULT_EXAMPLE).resolve()
    if not (example / "mlproject.yaml").is_file():
        print(f"error: {example} has no mlproject.yaml", file=sys.stderr)
        return 1
    workspace = Path("build/demo").resolve()
    project, env = _prepare(example, workspace)
    print(f"mlspec demo: {example.name} in a fresh git repository at {project}")
    print(f"  (origin = {workspace / 'remote.git'}, BentoML store = {env['BENTOML_HOME']})\n", flush=True)
    steps = _steps(project)
    failed = False
    for number, step in enumerate(steps, 1):
        print(f"==> [{number}/{len(steps)}] {step.title}: mlspec {' '.join(step.argv)}", flush=True)
        start = time.perf_counter()
        result = subprocess.run([sys.executable, "-m", "mlspec", *step.argv], cwd=project, env=env)
        step.seconds = time.perf_counter() - start
        step.status = "ok" if result.returncode == 0 else f"failed (exit {result.returncode})"
        print(flush=True)
        if step.argv[0] == "render" and result.returncode == 0:
            _commit_if_changed(project, "Render the mlspec workflows")
        if result.returncode != 0:
            failed = True
            break
    from mlspec.state.record import RunStore

    run_id = RunStore(project).latest_id() or "<run-id>"
    print("| step | result | time | output |\n|---|---|---|---|")
    for step in steps:
        outputs = step.outputs.replace("<run-id>", run_id)
        print(f"| mlspec {' '.join(step.argv)} | {step.status} | {step.seconds:.1f}s | {outputs} |")
    print(f"\n{'demo failed' if failed else 'demo finished'}: everything is under {workspace}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
