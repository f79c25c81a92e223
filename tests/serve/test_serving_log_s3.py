"""Production feeds the monitor through an object store, for real: the built service with `serve.monitoring`
writing to `s3://` on moto's S3 server serves shifted traffic, its request log lands in the bucket as whole CSV
objects (the rows sent, the model's predictions), and `mlspec drift --from-serving-log s3://…` finds the drift and
dispatches CT to the GitHub stand-in. A sink the service cannot write to stops it at startup with the reason."""

from __future__ import annotations

import io
import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
import yaml

from mlspec.monitor.commands import drift_command
from tests.github_standin import GitHubStandIn
from tests.helpers import run_mlspec
from tests.moto_s3 import moto_s3_bucket, s3_client
from tests.serve.conftest import (
    Project,
    free_port,
    predict_in_chunks,
    serving,
    spec_with_serving_log,
    start_server,
    stop_server,
)

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("serve")]

BUCKET = "serving-logs"
SINK = f"s3://{BUCKET}/breast-cancer/production"


@pytest.fixture(scope="module")
def s3() -> Iterator[dict[str, str]]:
    with moto_s3_bucket(BUCKET) as env:
        yield env


def _log_objects(env: dict[str, str], rows: int, timeout: float = 60) -> dict[str, bytes]:
    client = s3_client(env)
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        listed = client.list_objects_v2(Bucket=BUCKET, Prefix="breast-cancer/production/").get("Contents", [])
        keys = [item["Key"] for item in listed if item["Key"].endswith(".csv")]
        bodies = {key: client.get_object(Bucket=BUCKET, Key=key)["Body"].read() for key in keys}
        if sum(len(body.splitlines()) - 1 for body in bodies.values()) >= rows:
            return bodies
        time.sleep(0.5)
    raise AssertionError(f"the serving log in {SINK} did not reach {rows} rows within {timeout} s")


def test_serving_log_in_s3_drives_a_drift_dispatch(
    project: Project,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    github_standin: GitHubStandIn,
    s3: dict[str, str],
) -> None:
    import pandas as pd

    for key, value in s3.items():  # the service's write credentials come from its environment
        monkeypatch.setenv(key, value)
    spec_file = spec_with_serving_log(project, tmp_path, SINK)
    built = run_mlspec("build", str(spec_file), "--version", project.tag)
    assert built.returncode == 0, built.stderr
    bentofile = yaml.safe_load((tmp_path / ".mlspec/service/breast_cancer/bentofile.yaml").read_text())
    assert any(p.startswith("s3fs==") for p in bentofile["python"]["packages"])  # the Bento ships the backend

    shifted = project.X_test.copy() * 3.0  # every feature three times what training saw
    with serving(spec_file, tmp_path / "serve.log") as server:
        predict_in_chunks(server.url, shifted)
        bodies = _log_objects(s3, len(shifted))
        metrics = requests.get(f"{server.url}/metrics", timeout=10).text

    assert "mlspec_serving_log_dropped_rows_total 0.0" in metrics  # nothing dropped, and the count is exported
    marker = s3_client(s3).get_object(Bucket=BUCKET, Key="breast-cancer/production/mlspec-serving-log.json")
    assert json.loads(marker["Body"].read())["model"] == project.tag
    logged = pd.concat([pd.read_csv(io.BytesIO(body)) for body in bodies.values()], ignore_index=True)
    assert len(logged) == len(shifted)  # sample 1.0: every row, in whole objects
    features = list(project.X_test.columns)
    order = logged[features].round(6).apply(tuple, axis=1)
    expected = dict(zip(shifted.round(6).apply(tuple, axis=1), project.model.predict(shifted).tolist(), strict=True))
    assert [expected[key] for key in order] == logged["mlspec_prediction"].tolist()

    for key, value in github_standin.env(GITHUB_RUN_ID="4343", GITHUB_SERVER_URL="https://github.com").items():
        monkeypatch.setenv(key, value)
    code = drift_command(str(spec_file), from_serving_log=SINK, since="1d", dispatch=True)
    assert code == 1  # drift found in what production saw
    (sent,) = github_standin.state.dispatches
    assert sent["kind"] == "repository_dispatch" and sent["event_type"] == "mlspec-drift-breast-cancer"
    assert sent["client_payload"]["drifted"]
    assert github_standin.violations == []


def test_a_sink_it_cannot_write_stops_the_service_at_startup(
    project: Project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, s3: dict[str, str]
) -> None:
    for key, value in s3.items():
        monkeypatch.setenv(key, value)
    spec_file = spec_with_serving_log(project, tmp_path, "s3://no-such-bucket/log")
    built = run_mlspec("build", str(spec_file), "--version", project.tag)
    assert built.returncode == 0, built.stderr
    log = tmp_path / "serve.log"
    port = free_port()
    process = start_server(spec_file, port, log)
    message = "serve.monitoring.sink s3://no-such-bucket/log: cannot write to it"
    try:
        deadline = time.monotonic() + 90
        while message not in log.read_text(errors="replace") and time.monotonic() < deadline:
            time.sleep(0.5)
        with pytest.raises(requests.RequestException):  # not serving
            requests.get(f"http://127.0.0.1:{port}/readyz", timeout=2).raise_for_status()
    finally:
        stop_server(process)
    assert message in log.read_text(errors="replace")

    monkeypatch.setenv("MLSPEC_SERVING_LOG", "off")  # the documented switch: the same service serves, logging nothing
    off_log = tmp_path / "serve-off.log"
    with serving(spec_file, off_log):  # ready (else it fails with the server's output), then stopped
        pass
