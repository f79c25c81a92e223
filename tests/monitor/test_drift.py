"""`mlspec drift` with real deepchecks and a real BentoML model (tests/monitor/conftest.py)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from mlspec.errors import DataError
from mlspec.monitor.commands import drift_command
from mlspec.monitor.summary import fmt
from tests.helpers import EXAMPLES, run_mlspec

pytestmark = [
    pytest.mark.slow,
    pytest.mark.xdist_group("monitor"),
]  # trains and runs deepchecks for real: `make test-fast` skips it


def _latest(root: Path) -> Path:
    drift = root / ".mlspec" / "drift"
    return drift / (drift / "latest").read_text().strip()


def test_no_drift_on_held_out_sample(churn_project, tmp_path, capsys) -> None:
    project = churn_project.copy(tmp_path)
    code = drift_command(project.spec, str(project.holdout))
    assert code == 0
    result = json.loads((_latest(project.root) / "drift.json").read_text())
    assert result["verdict"] == "ok" and result["drifted_features"] == []
    assert {f["feature"] for f in result["features"]} == {"income", "age", "tenure", "plan"}
    assert all(f["score"] < 0.1 for f in result["features"])
    # every check ran: the label is present and the served model was loaded from the BentoML store
    assert result["label"]["ran"] and result["multivariate"]["ran"] and result["prediction"]["ran"]
    assert result["model"] == project.model_tag
    assert result["reference"]["rows"] == 4000 and result["current"]["rows"] == 2000
    assert result["reference"]["digest"].startswith("xxh3_128:")
    assert result["notes"] == []  # the lineage digest matches data/train.csv
    out = capsys.readouterr().out
    assert "churn in production: no drift" in out


def test_shifted_copy_is_drift_with_the_feature_ranked_first(
    churn_project, shifted_current, tmp_path, monkeypatch, capsys
) -> None:
    project = churn_project.copy(tmp_path)
    summary = tmp_path / "step-summary.md"
    summary.write_text("# earlier step\n")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    code = drift_command(project.spec, str(shifted_current))
    assert code == 1
    folder = _latest(project.root)
    result = json.loads((folder / "drift.json").read_text())
    assert result["verdict"] == "drift"
    assert result["features"][0]["feature"] == "income" and result["features"][0]["drifted"]
    assert result["drifted_features"][:2] == ["income", "plan"]
    plan = next(f for f in result["features"] if f["feature"] == "plan")
    assert plan["method"] == "Cramer's V" and plan["score"] > 0.2
    assert not next(f for f in result["features"] if f["feature"] == "age")["drifted"]
    assert result["multivariate"]["drifted"]
    md = (folder / "drift.md").read_text()
    rows = [line for line in md.splitlines() if line.startswith("| 1 |") or line.startswith("| 2 |")]
    assert rows[0].startswith("| 1 | `income` |") and rows[1].startswith("| 2 | `plan` |")
    assert (folder / "drift.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    html = (folder / "drift.html").read_text()
    assert "Feature Drift" in html and html.count("plotly.js v") == 1
    step = summary.read_text()
    assert step.startswith("# earlier step\n## Drift: churn (production)") and "![" not in step
    out = capsys.readouterr().out
    assert out.splitlines()[2].split()[0] == "income" and "DRIFT" in out.splitlines()[2]


def test_dispatch_reaches_the_github_standin(
    churn_project, income_only_shift, tmp_path, monkeypatch, github_standin
) -> None:
    project = churn_project.copy(tmp_path)
    for key, value in github_standin.env(GITHUB_RUN_ID="4242", GITHUB_SERVER_URL="https://github.com").items():
        monkeypatch.setenv(key, value)
    code = drift_command(project.spec, str(income_only_shift), dispatch=True)
    assert code == 1
    result = json.loads((_latest(project.root) / "drift.json").read_text())
    income = result["features"][0]
    assert income["feature"] == "income" and result["drifted_features"] == ["income"]

    assert len(github_standin.state.dispatches) == 1
    sent = github_standin.state.dispatches[0]
    assert sent["kind"] == "repository_dispatch" and sent["event_type"] == "mlspec-drift-churn"
    payload = sent["client_payload"]
    assert payload["summary"].startswith(f"feature `income` drifted (score {fmt(income['score'])} > 0.2)")
    assert payload["drifted"] == [{"feature": "income", "score": round(income["score"], 4), "threshold": 0.2}]
    assert payload["project"] == "churn" and payload["environment"] == "production"
    assert payload["run_url"] == "https://github.com/octo-org/ml-repo/actions/runs/4242"
    assert len(payload) <= 10 and len(json.dumps(payload)) < 64_000
    assert github_standin.violations == []
    written = json.loads((_latest(project.root) / "dispatch.json").read_text())
    assert written["sent"] is True and written["body"]["client_payload"] == payload


def test_without_a_token_the_dispatch_is_written_to_a_file(churn_project, income_only_shift, tmp_path, capsys) -> None:
    project = churn_project.copy(tmp_path)
    code = drift_command(project.spec, str(income_only_shift), dispatch=True)
    assert code == 1
    path = _latest(project.root) / "dispatch.json"
    written = json.loads(path.read_text())
    assert written["sent"] is False and "no GITHUB_TOKEN" in written["reason"]
    assert written["endpoint"] == "/repos/{owner}/{repo}/dispatches"
    assert written["body"]["event_type"] == "mlspec-drift-churn"
    assert written["body"]["client_payload"]["summary"].startswith("feature `income` drifted (score ")
    assert "would have started training is in" in capsys.readouterr().out


def test_no_dispatch_without_the_flag_or_without_drift(churn_project, income_only_shift, tmp_path) -> None:
    project = churn_project.copy(tmp_path)
    assert drift_command(project.spec, str(income_only_shift)) == 1
    assert not (_latest(project.root) / "dispatch.json").exists()
    assert drift_command(project.spec, str(project.holdout), dispatch=True) == 0
    assert not (_latest(project.root) / "dispatch.json").exists()


def test_renamed_column_gets_the_schema_guard_error(churn_project, tmp_path) -> None:
    import pandas as pd

    project = churn_project.copy(tmp_path)
    frame = pd.read_csv(project.holdout).rename(columns={"income": "incomes"})
    frame["age"] = "x" + frame["age"].astype(str)
    current = tmp_path / "renamed.csv"
    frame.to_csv(current, index=False)
    result = run_mlspec("drift", "--current", str(current), cwd=project.root)
    assert result.returncode == 1, result.stderr
    assert result.stderr == (
        f"error: the current data {current} does not match the training data data/train.csv (3 differences):\n"
        "  - column 'income' is missing from the current data (did you mean 'incomes'?)\n"
        "  - column 'incomes' is not in the training data (renamed from 'income'?)\n"
        "  - column 'age' changed type: numeric (int64) in the training data, string (object) in the current data\n"
        "  hint: rename or convert the columns of the current data to match the training data "
        "(or retrain on data with the new columns before monitoring it)\n"
    )
    assert "Traceback" not in result.stderr and not (project.root / ".mlspec" / "drift").exists()


@pytest.mark.parametrize("kind", ["one-row", "infinite"])
def test_drift_checks_that_error_are_not_no_drift(churn_project, tmp_path, kind) -> None:
    """Fails closed: errored drift checks give exit 4 and verdict "error", never "no drift" (exit 0)."""
    import numpy as np
    import pandas as pd

    project = churn_project.copy(tmp_path)
    frame = pd.read_csv(project.holdout)
    if kind == "one-row":
        frame = frame.head(1)
    else:
        frame["income"] = np.inf
        frame["age"] = -np.inf
    current = tmp_path / f"{kind}.csv"
    frame.to_csv(current, index=False)
    result = run_mlspec("drift", "--current", str(current), cwd=project.root)
    assert "no drift" not in result.stdout and "Traceback" not in result.stderr
    verdict = json.loads((_latest(project.root) / "drift.json").read_text())["verdict"]
    if kind == "infinite":  # the domain classifier still tells the tables apart: drift, or undecided
        assert (result.returncode, verdict) in ((1, "drift"), (4, "error")), result.stdout + result.stderr
        return
    assert result.returncode == 4, result.stdout + result.stderr
    assert "churn in production: could not decide" in result.stdout
    assert result.stderr.startswith("error: drift could not be decided: ")
    assert verdict == "error"


def test_a_folder_of_csv_and_parquet_files(churn_project, tmp_path) -> None:
    import pandas as pd

    project = churn_project.copy(tmp_path)
    frame = pd.read_csv(project.holdout)
    folder = tmp_path / "incoming"
    (folder / "2024-02").mkdir(parents=True)
    frame.iloc[:700].to_csv(folder / "2024-01.csv", index=False)
    frame.iloc[700:1400].to_parquet(folder / "2024-02" / "part.parquet", index=False)
    frame.iloc[1400:][list(reversed(frame.columns))].to_csv(folder / "2024-03.csv", index=False)
    assert drift_command(project.spec, str(folder)) == 0
    result = json.loads((_latest(project.root) / "drift.json").read_text())
    assert result["current"]["rows"] == 2000 and result["current"]["files"] == 3

    frame.iloc[:10].drop(columns=["tenure"]).to_csv(folder / "2024-04.csv", index=False)
    with pytest.raises(DataError, match=r"2024-04.csv: its columns differ from .*2024-01.csv \(missing 'tenure'\)"):
        drift_command(project.spec, str(folder))


def test_regression_example_without_deploy_file_falls_back_with_a_note(tmp_path, capsys) -> None:
    project = tmp_path / "diabetes"
    shutil.copytree(
        EXAMPLES / "monorepo" / "projects" / "diabetes", project, ignore=shutil.ignore_patterns(".mlspec", "deploy")
    )
    code = drift_command(str(project / "mlproject.yaml"), str(project / "data" / "test.csv"))
    assert code == 0
    result = json.loads((_latest(project) / "drift.json").read_text())
    assert result["environment"] == "production" and result["model"] is None
    assert result["label"]["ran"] and result["label"]["method"] == "Kolmogorov-Smirnov"
    assert result["prediction"] == {
        "score": None,
        "threshold": 0.2,
        "drifted": False,
        "ran": False,
        "method": "",
        "reason": "no model is deployed in this environment yet",
    }
    assert "no deploy/production.yaml next to the spec yet" in result["notes"][0]
    assert "note: no deploy/production.yaml next to the spec yet" in capsys.readouterr().err
