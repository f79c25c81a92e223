"""The monitor's current data comes from exactly one place: triggers.drift.current, triggers.drift.command, or the
serving log of serve.monitoring (mlspec.spec.semantic._drift_source_findings), and serve.monitoring's own fields."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from mlspec.spec.semantic import Finding, semantic_findings
from mlspec.spec.serving_log import ServingLog
from tests.spec.test_semantic import _spec


def _findings(**sections: object) -> list[Finding]:
    from pathlib import Path

    return [f for f in semantic_findings(_spec(**sections), Path("."), check_files=False) if f.kind == "drift-source"]


def test_the_serving_log_is_a_source_of_its_own() -> None:
    assert _findings(serve={"monitoring": {"sink": "s3://logs/p"}}, triggers={"drift": {}}) == []
    assert _findings(serve={"monitoring": {"sink": "/mnt/logs"}}, triggers={"drift": {}}) == []
    assert _findings(triggers={"drift": {"current": "c.csv"}}) == []
    assert _findings(triggers={"drift": {"enabled": False}}) == []


def test_no_source_is_refused() -> None:
    (finding,) = _findings(triggers={"drift": {}})
    assert finding.loc == ("triggers", "drift") and "serve.monitoring" in finding.message


@pytest.mark.parametrize("key, value", [("current", "c.csv"), ("command", "echo")])
def test_two_sources_are_refused(key: str, value: str) -> None:
    (finding,) = _findings(serve={"monitoring": {"sink": "s3://logs/p"}}, triggers={"drift": {key: value}})
    assert finding.loc == ("triggers", "drift", key)
    assert finding.hint == f"remove triggers.drift.{key}, or remove serve.monitoring to monitor that data instead"


def test_a_relative_folder_sink_is_out_of_a_runners_reach() -> None:
    (finding,) = _findings(serve={"monitoring": {"sink": "logs"}}, triggers={"drift": {}})
    assert finding.loc == ("serve", "monitoring", "sink")
    assert _findings(serve={"monitoring": {"sink": "logs"}}) == []  # no monitor workflow: a local folder is fine


@pytest.mark.parametrize("sink", ["s3://bucket/prefix", "gs://b/p", "az://container/p", "/var/log/serving", "logs"])
def test_sinks_accepted(sink: str) -> None:
    assert ServingLog(sink=sink).sink == sink


@pytest.mark.parametrize(
    "sink", ["http://host/x", "s3://", "s3://b/../x", "../x", "s3://b/$(id)", "s3://b/p'+x", "file:///tmp/x"]
)
def test_sinks_refused(sink: str) -> None:
    with pytest.raises(ValidationError):
        ServingLog(sink=sink)


def test_read_credentials_name_secrets_and_window_is_a_duration() -> None:
    log = ServingLog(sink="s3://b/p", read_credentials={"AWS_ACCESS_KEY_ID": "LOG_READER_KEY"}, window="12h")
    assert log.read_credentials == {"AWS_ACCESS_KEY_ID": "LOG_READER_KEY"} and log.window == "12h"
    with pytest.raises(ValidationError, match="not a secret name"):
        ServingLog(sink="s3://b/p", read_credentials={"AWS_ACCESS_KEY_ID": "GITHUB_TOKEN"})
    with pytest.raises(ValidationError, match="environment variable name"):
        ServingLog(sink="s3://b/p", read_credentials={"GITHUB_TOKEN": "X"})
    with pytest.raises(ValidationError):
        ServingLog(sink="s3://b/p", window="7w")


@pytest.mark.parametrize(
    "credentials",
    [
        {"AWS_KEY": "LOG_KEY"},
        {"GITHUB_X": "A"},
        {"RUNNER_X": "A"},
        {"MLSPEC_X": "A"},
        {"A": "GITHUB_TOKEN"},
        {"A": "x-y"},
    ],
)
def test_read_credentials_follow_the_spec_wide_rule(credentials: dict[str, str]) -> None:
    """serve.monitoring checks secret names as models.check_credentials does (its own copy: no import cycle)."""
    from mlspec.spec.models import check_credentials

    try:
        check_credentials(dict(credentials))
        expected = None
    except ValueError as exc:
        expected = str(exc)
    if expected is None:
        assert ServingLog(sink="s3://b/p", read_credentials=credentials).read_credentials == credentials
    else:
        with pytest.raises(ValidationError) as caught:
            ServingLog(sink="s3://b/p", read_credentials=credentials)
        assert expected in str(caught.value)
