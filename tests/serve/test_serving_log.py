"""Production feeds the monitor, for real: the built service with `serve.monitoring` serves shifted traffic, its
request log lands in the sink folder (the rows sent, the model's predictions), and `mlspec drift
--from-serving-log` finds the drift and dispatches CT to the GitHub stand-in."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from mlspec.monitor.commands import drift_command
from tests.github_standin import GitHubStandIn
from tests.helpers import run_mlspec
from tests.serve.conftest import Project, predict_in_chunks, serving, spec_with_serving_log

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

    sink = tmp_path / "serving-log"
    spec_file = spec_with_serving_log(project, tmp_path, str(sink))
    built = run_mlspec("build", str(spec_file), "--version", project.tag)
    assert built.returncode == 0, built.stderr

    shifted = project.X_test.copy() * 3.0  # every feature three times what training saw
    with serving(spec_file, tmp_path / "serve.log") as server:
        predict_in_chunks(server.url, shifted)
        files = _wait_for_rows(sink, len(shifted))

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
