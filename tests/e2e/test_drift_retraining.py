"""Drift starts retraining, through the rendered workflows of the monorepo example.

The diabetes project serves a model in production. Its monitor workflow runs (as the schedule
would) on current data whose `bmi` moved; the drift action finds it and sends the
`repository_dispatch` to the GitHub stand-in. The dispatch, delivered as GitHub would, starts the
project's CT workflow, whose run records and reports why it happened. The wine project in the same
repository is not started."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
import yaml

from mlspec.deploy import DeployedModel, Deployment, write_deployment
from mlspec.record import RunStore
from tests.e2e.loop import Loop, job_log
from tests.github_standin import GitHubStandIn
from tests.helpers import ROOT, git, init_repo, run_mlspec

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("e2e-drift")]

SPEC_DIR = "projects/diabetes"


@pytest.fixture
def loop(tmp_path: Path):
    work = tmp_path / "monorepo"
    shutil.copytree(ROOT / "examples" / "monorepo", work, ignore=shutil.ignore_patterns(".mlspec", "__pycache__"))
    for project in ("diabetes", "wine"):
        spec_path = work / "projects" / project / "mlproject.yaml"
        spec = yaml.safe_load(spec_path.read_text())
        spec["ci"] = {"actions": "local"}  # run this checkout's composite actions
        spec_path.write_text(yaml.safe_dump(spec, sort_keys=False))
    rendered = run_mlspec("render", "--root", str(work), cwd=work)
    assert rendered.returncode == 0, rendered.stdout + rendered.stderr
    init_repo(work, remote=tmp_path / "remote.git")
    with GitHubStandIn() as gh:
        yield Loop(work, gh, tmp_path / "bentoml", "diabetes", SPEC_DIR)
        assert gh.violations == []


def _serve_in_production(loop: Loop) -> str:
    """Train the current model and record it in deploy/production.yaml, as a merged promotion would."""
    project = loop.work / SPEC_DIR
    trained = run_mlspec("run", cwd=project, env={"BENTOML_HOME": str(loop.bentoml_home)})
    assert trained.returncode == 0, trained.stdout + trained.stderr
    record = RunStore(project).latest()
    assert record.model is not None and record.model.path
    # The model travels as on GitHub: inside the state artifact of the CT run that trained it.
    ct_run = loop.new_run()
    inner = f"runs/{record.run_id}/{record.model.path}"
    archive = loop.artifacts.folder(ct_run, "mlspec-diabetes-ct-state") / inner
    archive.parent.mkdir(parents=True)
    shutil.copy2(RunStore(project).run_dir(record.run_id) / record.model.path, archive)
    write_deployment(project, Deployment(
        project="diabetes", environment="production",
        model=DeployedModel(tag=record.model.tag, version=record.model.tag.split(":")[1],
                            artifact=f"gh-artifact:{ct_run}/mlspec-diabetes-ct-state/{inner}"),
        lineage={"run_id": record.run_id, "commit": record.git.commit, "data": {d.role: d.digest for d in record.data},
                 "rows": {d.role: d.rows for d in record.data}, "spec_digest": record.spec_digest},
    ))
    return record.model.tag


def test_drift_in_current_data_starts_ct_which_says_why(loop: Loop) -> None:
    gh = loop.gh
    tag = _serve_in_production(loop)
    current = loop.work / SPEC_DIR / "data" / "current.csv"
    frame = pd.read_csv(current)
    frame["bmi"] = frame["bmi"] + 3 * frame["bmi"].std()  # the population got heavier
    frame.to_csv(current, index=False)
    _before, after, _changed = loop.commit(f"Serve {tag} in production; this week's data")

    # The scheduled monitor run, on a fresh runner (an empty BentoML store): it downloads the serving
    # model from its CT run for prediction drift, finds the shift and dispatches CT.
    fresh_store = loop.bentoml_home.parent / "monitor-bentoml"
    monitor = loop.harness("schedule", {"schedule": "0 6 * * *"}, after, bentoml_home=fresh_store).run_job(
        loop.workflow("monitor"), "drift")
    assert monitor.status == "success", job_log(monitor)
    assert (fresh_store / "models" / "diabetes" / tag.split(":")[1]).is_dir()  # imported from the artifact
    assert "prediction drift: skipped" not in monitor.stdout()
    assert "prediction drift: " in monitor.stdout()
    assert monitor.step("Drift against the training reference").outputs == {"drifted": "true"}
    assert [d["event_type"] for d in gh.state.dispatches] == ["mlspec-drift-diabetes"]
    payload = gh.state.dispatches[0]["client_payload"]
    assert payload["project"] == "diabetes" and payload["environment"] == "production"
    assert "feature `bmi` drifted" in payload["summary"]
    assert payload["drifted"][0]["feature"] == "bmi"

    # GitHub starts the CT workflows that listen to that event type: diabetes', not wine's.
    def listens(project: str) -> bool:
        workflow = yaml.safe_load((loop.work / ".github" / "workflows" / f"mlspec-{project}-ct.yml").read_text())
        on = workflow.get("on", workflow.get(True))
        return "mlspec-drift-diabetes" in on["repository_dispatch"]["types"]

    assert listens("diabetes") and not listens("wine")
    event = {"action": "mlspec-drift-diabetes", "client_payload": payload, "repository": {"full_name": gh.repository}}
    pipeline, _promote = loop.run_ct(after, after, event_name="repository_dispatch", event=event)
    assert [s["status"] for s in loop.record()["stages"]] == ["passed"] * 4, job_log(pipeline)
    first = loop.record()["changes"][0]
    assert first == {"kind": "drift", "what": "production", "detail": payload["summary"]}
    assert loop.record()["trigger"]["event"] == "repository_dispatch"
    assert ("retrained because the drift monitor found drift in `production`: feature `bmi` drifted"
            in pipeline.summary)
    report = (loop.run_dir() / "report.md").read_text()
    assert "retrained because the drift monitor found drift in `production`" in report
    assert json.loads((loop.run_dir() / "record.json").read_text())["model"]["tag"] != tag  # a new model
    assert git("status", "--porcelain", "--untracked-files=no", cwd=loop.work) == ""
