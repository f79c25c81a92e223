"""The rendered monitor job with `serve.monitoring`: it reads the serving log (the window `serve.monitoring.window`)
instead of a committed file, with the sink's read-only credentials on the drift step alone; without the section it
renders as before (the job, run under act against moto's S3: tests/acceptance/act/test_monitor_serving_log.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml


def _monitor(rendered_variants: dict[str, list[Path]], variant: str) -> dict[str, Any]:
    (path,) = [p for p in rendered_variants[variant] if p.name.endswith("-monitor.yml")]
    return dict(yaml.safe_load(path.read_text()))


def _drift_step(job: dict[str, Any]) -> dict[str, Any]:
    (step,) = [s for s in job["steps"] if "/actions/drift@" in str(s.get("uses"))]
    return dict(step)


def test_the_monitor_reads_the_serving_log_with_read_credentials_on_its_step(
    rendered_variants: dict[str, list[Path]],
) -> None:
    jobs = _monitor(rendered_variants, "drift-serving-log")["jobs"]
    job = jobs["drift"]
    step = _drift_step(job)
    assert step["with"] == {"spec": "mlproject.yaml", "serving-log": "true", "since": "2d", "dispatch": "file"}
    assert step["env"] == {
        "AWS_ACCESS_KEY_ID": "${{ secrets.LOG_READER_KEY_ID }}",
        "AWS_SECRET_ACCESS_KEY": "${{ secrets.LOG_READER_SECRET }}",
    }
    assert "env" not in job  # no other step of the job gets the sink's credentials
    others = [s for s in job["steps"] if s["name"] != step["name"] and "secrets." in yaml.safe_dump(s)]
    assert others == []
    # The job that reads what clients sent cannot write; the job that dispatches CT holds no secret, runs no
    # project code, sends only the drift job's request for this project's event, and may only do that.
    assert job["permissions"] == {"actions": "read", "contents": "read"}
    assert job["outputs"]["dispatch-body"] == "${{ steps.drift.outputs.dispatch-body }}"
    dispatch = jobs["dispatch"]
    assert dispatch["needs"] == "drift" and dispatch["permissions"] == {"contents": "write"}
    assert dispatch["if"] == "${{ needs.drift.outputs.drifted == 'true' }}"
    (send,) = dispatch["steps"]
    assert "secrets." not in yaml.safe_dump(dispatch) and "uses" not in send
    assert send["env"]["MLSPEC_EVENT_TYPE"] == "mlspec-drift-churn"


def test_no_dispatch_job_when_drift_does_not_retrain(rendered_variants: dict[str, list[Path]]) -> None:
    jobs = _monitor(rendered_variants, "drift-serving-log-no-retrain")["jobs"]
    assert list(jobs) == ["drift"] and _drift_step(jobs["drift"])["with"]["dispatch"] == "false"
    assert jobs["drift"]["permissions"] == {"actions": "read", "contents": "read"}


def test_without_monitoring_the_monitor_reads_the_committed_data(rendered_variants: dict[str, list[Path]]) -> None:
    step = _drift_step(_monitor(rendered_variants, "drift-on")["jobs"]["drift"])
    assert step["with"]["current"].startswith("incoming/") and "serving-log" not in step["with"] and "env" not in step
