"""Production feeds the monitor, for real: the built service with `serve.monitoring` serves shifted traffic, its
request log lands in the sink folder (the rows sent, the model's predictions), and `mlspec drift
--from-serving-log` finds the drift and dispatches CT to the GitHub stand-in."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import pytest
import requests
import yaml

from mlspec.monitor.commands import drift_command
from tests.github_standin import GitHubStandIn
from tests.helpers import run_mlspec
from tests.serve.conftest import Project, free_port, start_server, stop_server, wait_ready

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("serve")]


def _wait_for_rows(sink: Path, rows: int, timeout: float = 60) -> list[Path]:
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        files = sorted(sink.glob("*.csv"))
        if sum(len(p.read_text().splitlines()) - 1 for p in files) >= rows:
            return files
        time.sleep(0.5)
    raise AssertionError(f"the serving log in {sink} did not reach {rows} rows within {timeout} s")


def test_serving_log_drives_a_drift_dispatch(
    project: Project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, github_standin: GitHubStandIn
) -> None:
    import pandas as pd

    for folder in ("data", "src"):  # copies: drift reads the training data, which must be inside the project
        shutil.copytree(project.root / folder, tmp_path / folder)
    sink = tmp_path / "serving-log"
    spec = yaml.safe_load(project.spec.read_text())
    spec["serve"]["monitoring"] = {"sample": 1.0, "sink": str(sink)}
    spec_file = tmp_path / "mlproject.yaml"
    spec_file.write_text(yaml.safe_dump(spec, sort_keys=False))
    built = run_mlspec("build", str(spec_file), "--version", project.tag)
    assert built.returncode == 0, built.stderr

    shifted = project.X_test.copy() * 3.0  # every feature three times what training saw
    port = free_port()
    log = tmp_path / "serve.log"
    process = start_server(spec_file, port, log)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_ready(url, process, log)
        for start in range(0, len(shifted), 25):
            chunk = shifted.iloc[start : start + 25]
            answer = requests.post(
                f"{url}/predict", json={"rows": json.loads(chunk.to_json(orient="records"))}, timeout=60
            )
            assert answer.status_code == 200, answer.text[:300]
        files = _wait_for_rows(sink, len(shifted))
    finally:
        stop_server(process)

    logged = pd.concat([pd.read_csv(p) for p in files], ignore_index=True)
    assert len(logged) == len(shifted)  # sample 1.0: every row
    features = list(project.X_test.columns)
    order = logged[features].round(6).apply(tuple, axis=1)
    expected = dict(zip(shifted.round(6).apply(tuple, axis=1), project.model.predict(shifted).tolist(), strict=True))
    assert [expected[key] for key in order] == logged["mlspec_prediction"].tolist()

    for key, value in github_standin.env(GITHUB_RUN_ID="4343", GITHUB_SERVER_URL="https://github.com").items():
        monkeypatch.setenv(key, value)
    code = drift_command(str(spec_file), from_serving_log=str(sink), since="1d", dispatch=True)
    assert code == 1  # drift found
    (sent,) = github_standin.state.dispatches
    assert sent["kind"] == "repository_dispatch" and sent["event_type"] == "mlspec-drift-breast-cancer"
    assert sent["client_payload"]["drifted"]
    assert github_standin.violations == []
