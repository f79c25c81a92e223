"""The rendered monitor workflow with `serve.monitoring` on a real Actions runner engine (act, host mode): its drift
job reads the serving log from an S3 bucket (moto's server on 127.0.0.1) with the read-only credentials the spec
names as repository secrets and finds the drift production saw; its dispatch job (no secrets, contents: write)
starts CT on the GitHub stand-in. The log
objects are laid out as the generated service writes them (that the service writes them, for real:
tests/serve/test_serving_log_s3.py). Nothing of AWS is in the runner's environment but those secrets."""

from __future__ import annotations

import os
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pandas as pd
import pytest

from tests.acceptance.act.runner import example_on_standin
from tests.moto_s3 import moto_s3_server, s3_client

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("act")]

PROJECT = "breast-cancer"
BUCKET = "serving-logs"
PREFIX = "breast-cancer/production"
SECRETS = {  # secret name -> the variable serve.monitoring.read_credentials sets from it
    "LOG_READER_KEY_ID": "AWS_ACCESS_KEY_ID",
    "LOG_READER_SECRET": "AWS_SECRET_ACCESS_KEY",
    "LOG_READER_ENDPOINT": "AWS_ENDPOINT_URL",
}


def _put_log(env: dict[str, str], work: Path, label: str) -> None:
    """Two objects of shifted rows in the window, one old object outside it (a column the model never saw: read,
    it would fail the drift run's schema check)."""
    client = s3_client(env)
    client.create_bucket(Bucket=BUCKET)
    rows = pd.read_csv(work / "data" / "test.csv").drop(columns=[label])
    shifted = rows.copy()
    shifted["mean_radius"] = shifted["mean_radius"] + 3 * shifted["mean_radius"].std()
    shifted["mlspec_prediction"] = 1
    now = datetime.now(timezone.utc)
    half = len(shifted) // 2
    for n, (when, part) in enumerate(
        [(now - timedelta(hours=3), shifted.iloc[:half]), (now - timedelta(hours=1), shifted.iloc[half:])], start=1
    ):
        key = f"{PREFIX}/{when.strftime('%Y%m%dT%H%M%SZ')}-5e1f0a9b2c3d-{n:06d}.csv"
        client.put_object(Bucket=BUCKET, Key=key, Body=part.to_csv(index=False).encode())
    old = rows.head(20).assign(unexpected_column=1.0, mlspec_prediction=0)
    key = f"{PREFIX}/{(now - timedelta(days=3)).strftime('%Y%m%dT%H%M%SZ')}-5e1f0a9b2c3d-000009.csv"
    client.put_object(Bucket=BUCKET, Key=key, Body=old.to_csv(index=False).encode())


@pytest.mark.timeout(1800)
def test_the_monitor_job_reads_the_serving_log_in_s3(tmp_path_factory: pytest.TempPathFactory) -> None:
    given = {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL", "AWS_PROFILE"}
    assert not given & set(os.environ), "the runner must get AWS access from the secrets only"
    with moto_s3_server() as s3:

        def with_serving_log(work: Path, spec: dict) -> None:
            spec["serve"]["monitoring"] = {
                "sample": 0.5,
                "sink": f"s3://{BUCKET}/{PREFIX}",
                "read_credentials": {variable: secret for secret, variable in SECRETS.items()},
                "window": "1d",
            }
            spec["triggers"]["drift"] = {"schedule": "0 6 * * *"}
            _put_log(s3, work, spec["data"]["label"])

        base = tmp_path_factory.mktemp("act-monitor-log")
        with example_on_standin(base, PROJECT, with_serving_log) as (work, gh, act):
            workflow = work / ".github" / "workflows" / f"mlspec-{PROJECT}-monitor.yml"
            assert 'serving-log: "true"' in workflow.read_text()
            result = act.run(
                work,
                "schedule",
                {"schedule": "0 6 * * *"},
                workflow,
                env={"BENTOML_HOME": str(base / "bentoml")},
                secrets={secret: s3[variable] for secret, variable in SECRETS.items()},
            )
            (base / "monitor.log").write_text(result.log)
            assert result.returncode == 0, result.log[-6000:]
            assert "serving-log.csv" in result.log  # the current data: what the log held in the window
            # The drift job (secrets, contents: read) only wrote the request; the dispatch job sent it.
            assert "no GitHub token: the mlspec-drift-breast-cancer dispatch" in result.log
            assert "started continuous training: repository_dispatch mlspec-drift-breast-cancer sent" in result.log
            assert [d["event_type"] for d in gh.state.dispatches] == [f"mlspec-drift-{PROJECT}"]
            assert "feature `mean_radius` drifted" in gh.state.dispatches[0]["client_payload"]["summary"]
