"""mlspec/hosts/github/job.py ActionsEnv: the one reader of the GitHub Actions environment, used by the GitHub client,
the report's run link and the run record's trigger."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mlspec.hosts.github.client import GitHubSettings
from mlspec.hosts.github.job import ActionsEnv
from mlspec.pipeline.changes import trigger
from mlspec.report.markdown import actions_run_url

JOB = {
    "GITHUB_REPOSITORY": "acme/churn",
    "GITHUB_RUN_ID": "77",
    "GITHUB_SERVER_URL": "https://ghe.example/",
    "GITHUB_API_URL": "https://ghe.example/api/v3/",
    "GITHUB_EVENT_NAME": "push",
    "GITHUB_ACTOR": "alice",
    "GITHUB_REF": "refs/heads/main",
    "GITHUB_SHA": "abc123",
}


def test_the_client_and_the_report_read_the_same_run() -> None:
    actions = ActionsEnv.from_env(JOB)
    settings = GitHubSettings.from_env(JOB)
    assert (
        actions.run_url == settings.run_url == actions_run_url(JOB) == "https://ghe.example/acme/churn/actions/runs/77"
    )
    assert (
        (settings.api_url, settings.server_url)
        == (actions.api_url, actions.server_url)
        == ("https://ghe.example/api/v3", "https://ghe.example")
    )
    assert (settings.repository, settings.sha, settings.ref, settings.actor, settings.event_name) == (
        "acme/churn",
        "abc123",
        "refs/heads/main",
        "alice",
        "push",
    )


def test_without_github_server_url_the_run_link_is_on_github_com() -> None:
    """The client's default won: the report's copy used to print no run link when GITHUB_SERVER_URL was unset."""
    environ = {"GITHUB_REPOSITORY": "acme/churn", "GITHUB_RUN_ID": "5"}
    assert (
        actions_run_url(environ)
        == GitHubSettings.from_env(environ).run_url
        == "https://github.com/acme/churn/actions/runs/5"
    )
    assert actions_run_url({"GITHUB_REPOSITORY": "acme/churn"}) is None
    assert actions_run_url({}) is None


def test_the_run_record_trigger_comes_from_the_same_reader(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name, value in JOB.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("GITHUB_EVENT_NAME", "")  # empty is unset, as for the client
    assert trigger() == {
        "actor": "alice",
        "ref": "refs/heads/main",
        "sha": "abc123",
        "run_id": "77",
        "repository": "acme/churn",
    }
    event = tmp_path / "event.json"
    event.write_text(
        json.dumps(
            {
                "action": "mlspec-drift-churn",
                "client_payload": {"summary": "feature `income` drifted", "environment": "production"},
            }
        )
    )
    monkeypatch.setenv("GITHUB_EVENT_NAME", "repository_dispatch")
    monkeypatch.setenv("GITHUB_EVENT_PATH", str(event))
    assert trigger() == {
        "event": "repository_dispatch",
        "actor": "alice",
        "ref": "refs/heads/main",
        "sha": "abc123",
        "run_id": "77",
        "repository": "acme/churn",
        "drift": "feature `income` drifted",
        "drift_environment": "production",
    }


def test_outside_github_actions_the_trigger_is_local(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in JOB:
        monkeypatch.delenv(name, raising=False)
    assert trigger() == {"event": "local"}
    assert ActionsEnv.from_env({}).trigger() == {}
