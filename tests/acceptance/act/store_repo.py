"""A project with `store:` as a repository on the GitHub stand-in, run by act: shared by tests/acceptance/act/test_store_loop.py
and bench/bench_store_act.py. The store's credentials reach act as repository secrets only; the maintainer's shell
(the local `mlspec` commands) has its own."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import yaml

from tests.acceptance.act.runner import TOKEN, Act, ActResult, commit_rendered
from tests.github_standin import GitHubStandIn
from tests.github_standin.artifacts import attach
from tests.github_standin.server import Pull
from tests.helpers import git, run_mlspec

WORKFLOWS = Path(".github/workflows")
READ = {"AWS_ACCESS_KEY_ID": "STORE_READ_KEY", "AWS_SECRET_ACCESS_KEY": "STORE_READ_SECRET"}
WRITE = {"AWS_ACCESS_KEY_ID": "STORE_WRITE_KEY", "AWS_SECRET_ACCESS_KEY": "STORE_WRITE_SECRET"}


@dataclass
class Repo:
    name: str
    work: Path
    gh: GitHubStandIn
    act: Act
    local_env: dict[str, str]  # what a maintainer's shell has (the store's credentials, no GitHub token)

    def workflow(self, kind: str) -> Path:
        return self.work / WORKFLOWS / f"mlspec-{self.name}-{kind}.yml"

    def run(self, event_name: str, event: dict, kind: str, **kwargs) -> ActResult:
        result = self.act.run(self.work, event_name, event, self.workflow(kind), **kwargs)
        (self.act.base / f"{kind}-{self.act.runs}.log").write_text(result.log)
        return result

    def mlspec(self, *args: str, env: dict[str, str] | None = None) -> str:
        """A maintainer's command; its git pushes go to the repository's own remote (the bare one beside it), as
        origin names the stand-in's github.com address for act."""
        origin = git("remote", "get-url", "origin", cwd=self.work)
        git("remote", "set-url", "origin", str(self.work.parents[1] / "remote.git"), cwd=self.work)
        try:
            done = run_mlspec(*args, cwd=self.work, env={**self.local_env, **(env or {})}, timeout=900)
        finally:
            git("remote", "set-url", "origin", origin, cwd=self.work)
        assert done.returncode == 0, f"mlspec {' '.join(args)}:\n{done.stdout}\n{done.stderr}"
        assert "Traceback" not in done.stderr
        return done.stdout + done.stderr

    def sync_main(self, message: str) -> str:
        """The stand-in's main holds what the local main holds (as after a merge on GitHub); returns the commit."""
        for path in git("ls-files", cwd=self.work).splitlines():
            self.gh.state.put_file("main", path, (self.work / path).read_text(errors="replace"), message)
        return git("rev-parse", "HEAD", cwd=self.work)

    def merge_promotion(self, pull: Pull, environment: str = "staging") -> dict:
        """Merge the promotion PR the stand-in holds: its deploy file lands on main; returns the deploy file."""
        text = self.gh.state.file_text(pull.head, f"deploy/{environment}.yaml")
        assert text is not None
        (self.work / "deploy").mkdir(exist_ok=True)
        (self.work / "deploy" / f"{environment}.yaml").write_text(text)
        git("add", f"deploy/{environment}.yaml", cwd=self.work)
        git("commit", "-qm", f"Merge pull request #{pull.number}", cwd=self.work)
        pull.state = "closed"
        self.sync_main(f"Merge pull request #{pull.number}")
        return dict(yaml.safe_load(text))


def maintainer_env(base: Path, extra: dict[str, str]) -> dict[str, str]:
    return {
        **{k: "" for k in os.environ if k.startswith("GITHUB_")},
        "GITHUB_TOKEN": "",
        "BENTOML_HOME": str(base / "maintainer-bentoml"),
        **extra,
    }


@contextmanager
def on_standin(
    base: Path,
    name: str,
    write: Callable[[Path], Path],
    store: dict | str | None,
    env: dict[str, str],
    local: dict[str, str],
) -> Iterator[Repo]:
    """The project written by ``write`` with ``store:`` in its spec, rendered, committed, mirrored on the stand-in's
    main; act given ``env`` (the store's endpoint) and the store's credentials as secrets only; the maintainer's
    shell ``env`` and ``local`` (their own credentials)."""
    work = write(base / "work")
    spec_path = work / "mlproject.yaml"
    spec = yaml.safe_load(spec_path.read_text())
    if store is not None:
        spec["store"] = store
    commit_rendered(work, spec, remote=base / "remote.git")
    with GitHubStandIn() as gh:
        git("remote", "set-url", "origin", f"https://github.com/{gh.repository}.git", cwd=work)
        act = Act(base / "act", api_url=gh.api_url, extra_env={"GITHUB_REPOSITORY": gh.repository, **env}, standin=gh)
        act.secrets = {secret: "testing" for secret in [*READ.values(), *WRITE.values()]}
        gh.token = TOKEN
        artifacts = attach(gh, act.artifacts)
        repo = Repo(name, work, gh, act, maintainer_env(base, {**env, **local}))
        repo.sync_main("initial")
        try:
            yield repo
        finally:
            artifacts.stop()
        assert gh.violations == []


def open_pull(gh: GitHubStandIn, head: str, title: str) -> int:
    number = gh.state.next_number
    gh.state.next_number += 1
    gh.state.pulls[number] = Pull(number, title, "", head, "main", author="octocat")
    return number
