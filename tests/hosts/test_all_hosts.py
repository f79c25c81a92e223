"""The code-host seam (mlspec/hosts/base.py, all_hosts.py): the report's run link and the run record's trigger come
from the host whose CI this process runs in. The toy host (tests/hosts/toy_host/) registered here supplies both."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from mlspec.hosts import all_hosts
from mlspec.hosts.github import GitHubHost
from mlspec.pipeline.changes import trigger
from mlspec.report.markdown import actions_run_url
from tests.hosts.toy_host import ToyHost


@pytest.fixture
def toy_host(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(all_hosts, "HOSTS", list(all_hosts.HOSTS))
    all_hosts.register(ToyHost())
    yield


@pytest.mark.usefixtures("toy_host")
def test_the_ci_a_run_is_in_supplies_the_run_link_and_the_trigger(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("GITHUB_ACTIONS", "GITHUB_REPOSITORY", "GITHUB_RUN_ID", "GITHUB_EVENT_NAME"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TOY_CI", "1")
    monkeypatch.setenv("TOY_RUN", "7")
    assert actions_run_url() == "https://ci.example/runs/7"
    assert trigger() == {"event": "toy-push", "run_id": "7"}
    monkeypatch.delenv("TOY_CI")  # outside the toy CI: GitHub, the default, and nothing is known
    assert isinstance(all_hosts.current(), GitHubHost)
    assert actions_run_url() is None and trigger() == {"event": "local"}


def test_github_is_the_host_in_github_actions() -> None:
    env = {"GITHUB_ACTIONS": "true", "GITHUB_REPOSITORY": "o/r", "GITHUB_RUN_ID": "5", "GITHUB_EVENT_NAME": "push"}
    host = all_hosts.current(env)
    assert isinstance(host, GitHubHost)
    assert host.run_url(env) == "https://github.com/o/r/actions/runs/5"
    assert host.trigger(env) == {"event": "push", "run_id": "5", "repository": "o/r"}
    assert host.path_matches(["src/**"], "src/a/b.py") and not host.path_matches(["src/*"], "src/a/b.py")
