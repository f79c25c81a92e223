"""The GitOps loop for end-to-end tests: a git repository with a bare remote, the GitHub stand-in,
and the rendered workflows' jobs run through the workflow harness, with artifacts moving between
jobs and workflow runs as on GitHub."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import yaml

from tests.github_standin import GitHubStandIn
from tests.helpers import ROOT, git
from tests.path_filters import triggers
from tests.workflow_harness import ArtifactStore, JobResult, WorkflowHarness

VENV_BIN = Path(__import__("sys").executable).parent
WORKFLOWS = Path(".github/workflows")


class Loop:
    """The repository, the GitHub stand-in and helpers to push commits and run workflows."""

    def __init__(self, work: Path, gh: GitHubStandIn, bentoml_home: Path, project: str,
                 spec_dir: str = ".") -> None:
        self.work = work
        self.project = project
        self.spec_dir = spec_dir  # the project's folder, relative to the repository root
        self.state = work / spec_dir / ".mlspec"
        self.gh = gh
        self.bentoml_home = bentoml_home
        self.artifacts = ArtifactStore(bentoml_home.parent / "artifacts")
        self.run_number = 100
        self.last_ct_run = ""

    def workflow(self, kind: str) -> Path:
        return self.work / WORKFLOWS / f"mlspec-{self.project}-{kind}.yml"

    def push_paths(self, kind: str) -> list[str]:
        workflow = yaml.safe_load(self.workflow(kind).read_text())
        on = workflow.get("on", workflow.get(True))  # YAML 1.1 reads the key `on` as true
        return list(on["push"]["paths"])

    def commit(self, message: str) -> tuple[str, str, list[str]]:
        before = git("rev-parse", "HEAD", cwd=self.work)
        git("add", "-A", cwd=self.work)
        git("commit", "-q", "-m", message, cwd=self.work)
        git("push", "-q", "origin", "main", cwd=self.work)
        after = git("rev-parse", "HEAD", cwd=self.work)
        changed = git("diff", "--name-only", before, after, cwd=self.work).splitlines()
        return before, after, changed

    def started(self, kind: str, changed: list[str]) -> bool:
        paths = self.push_paths(kind)
        return any(triggers(paths, path) for path in changed)

    def new_run(self) -> str:
        """A new workflow run id (the jobs of one run share it, and its artifacts)."""
        self.run_number += 1
        return str(self.run_number)

    def harness(self, event_name: str, event: dict[str, Any], sha: str, ref: str = "refs/heads/main",
                run_id: str | None = None, bentoml_home: Path | None = None) -> WorkflowHarness:
        return WorkflowHarness(
            self.work,
            actions_dir=ROOT / "actions",
            path_prepend=[VENV_BIN],
            github={
                "event_name": event_name,
                "event": event,
                "sha": sha,
                "ref": ref,
                "repository": self.gh.repository,
                "repository_owner": self.gh.state.owner,
                "api_url": self.gh.api_url,
                "token": self.gh.token,
                "run_id": run_id or self.new_run(),
            },
            artifacts=self.artifacts,
            base_env={**clean_env(), "BENTOML_HOME": str(bentoml_home or self.bentoml_home),
                      "MLSPEC_GITHUB_RETRY_BASE_SECONDS": "0.01"},
        )

    def run_ct(self, before: str, after: str, *, event_name: str = "push",
               event: dict[str, Any] | None = None) -> tuple[JobResult, JobResult]:
        """CT: the pipeline job on a fresh runner (no .mlspec state), then the promote job."""
        shutil.rmtree(self.state, ignore_errors=True)
        event = event if event is not None else {"before": before, "after": after, "ref": "refs/heads/main"}
        run_id = self.new_run()
        pipeline = self.harness(event_name, event, after, run_id=run_id).run_job(self.workflow("ct"), "pipeline")
        shutil.rmtree(self.state, ignore_errors=True)  # the promote job runs on another runner
        promote = self.harness(event_name, event, after, run_id=run_id).run_job(self.workflow("ct"), "promote",
                                                                                needs={"pipeline": pipeline})
        self.last_ct_run = run_id
        return pipeline, promote

    def run_dir(self) -> Path:
        """The latest run of the last CT workflow run, as its uploaded state artifact holds it."""
        runs = self.artifacts.folder(self.last_ct_run, f"mlspec-{self.project}-ct-state") / "runs"
        return runs / (runs / "latest").read_text().strip()

    def record(self) -> dict[str, Any]:
        return json.loads((self.run_dir() / "record.json").read_text())

    def merge(self, pull_number: int) -> tuple[str, str, list[str]]:
        """Merge a promotion PR: its deploy file lands on main (locally, on origin and in the stand-in)."""
        pull = self.gh.state.pulls[pull_number]
        branch = pull.head
        deploy_file = str(Path(self.spec_dir) / "deploy" / "staging.yaml")
        deploy = self.gh.state.file_text(branch, deploy_file)
        assert deploy is not None
        (self.work / deploy_file).write_text(deploy)
        self.gh.state.put_file("main", deploy_file, deploy, f"Merge pull request #{pull_number}")
        pull.state = "closed"
        return self.commit(f"Merge pull request #{pull_number} from {branch}")


def clean_env() -> dict[str, str]:
    import os

    return {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "GH_"))}


def job_log(job: JobResult) -> str:
    return "\n".join(job.log)[-8000:]
