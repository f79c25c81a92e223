"""State that stays small, the rest of issue 14 item 5: the rendered CI uploads only the current run (the
folder `runs/latest` names, and the pointer), and `mlspec show RUN` gives a run's reports, regenerating the
test reports' HTML from their stored JSON when the HTML was replaced by a note page."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
from pathlib import Path

import yaml

from mlspec.state.retention import shrink_html
from tests.helpers import ROOT, run_cli
from tests.pipeline.conftest import SPEC

RUN_IDS = ["20260101T000001000000Z-00001", "20260101T000002000000Z-00001", "20260101T000003000000Z-00001"]

OUTCOME = {
    "kind": "data",
    "passed": False,
    "fail_on": "fail",
    "skipped": ["StringMismatch"],
    "rows": {"train": 400, "test": 100},
    "checks": [
        {
            "name": "FeatureDrift",
            "suite": "train_test_validation",
            "dataset": None,
            "ran": True,
            "reason": "",
            "conditions": [{"name": "drift score < 0.2", "category": "FAIL", "details": "lot <b>sqft</b>: 0.41"}],
        },
        {
            "name": "MixedNulls",
            "suite": "data_integrity",
            "dataset": "train",
            "ran": True,
            "reason": "",
            "conditions": [{"name": "Not more than 1 null type", "category": "PASS", "details": ""}],
        },
        {
            "name": "Custom",
            "suite": "(configured)",
            "dataset": None,
            "ran": False,
            "reason": "needs a model",
            "conditions": [],
        },
    ],
}


def _runs(root: Path) -> Path:
    (root / "data").mkdir(parents=True, exist_ok=True)
    (root / "mlproject.yaml").write_text(SPEC)
    runs = root / ".mlspec" / "runs"
    for run_id in RUN_IDS:
        (runs / run_id).mkdir(parents=True)
        (runs / run_id / "record.json").write_text("{}")
    (runs / "latest").write_text(RUN_IDS[-1] + "\n")
    return runs


def _report_action_step(name: str) -> str:
    action = yaml.safe_load((ROOT / "actions" / "report" / "action.yml").read_text())
    return next(step["run"] for step in action["runs"]["steps"] if step["name"] == name)


def test_report_action_names_the_current_run_folder(tmp_path: Path) -> None:
    runs = _runs(tmp_path / "ml")
    script = _report_action_step("Name the current run")
    output = tmp_path / "github_output"
    for latest, expected in (
        (RUN_IDS[-1], f"run-dir=ml/.mlspec/runs/{RUN_IDS[-1]}\n"),
        ("../../etc", ""),
        ("no-such-run", ""),
    ):
        (runs / "latest").write_text(latest + "\n")
        output.write_text("")
        subprocess.run(
            ["bash", "-euo", "pipefail", "-c", script],
            cwd=tmp_path,
            check=True,
            env={**os.environ, "MLSPEC_SPEC": "ml/mlproject.yaml", "GITHUB_OUTPUT": str(output)},
        )
        assert output.read_text() == expected, latest
    action = yaml.safe_load((ROOT / "actions" / "report" / "action.yml").read_text())
    assert action["outputs"]["run-dir"]["value"] == "${{ steps.run.outputs.run-dir }}"


def test_rendered_ci_uploads_only_the_current_run() -> None:
    workflows = [
        *(ROOT / "examples").glob("*/.github/workflows/*-ci.yml"),
        *(ROOT / "tests" / "golden").glob("*/*-ci.yml"),
    ]
    assert len(workflows) >= 3
    for path in workflows:
        document = yaml.safe_load(path.read_text())
        steps = [step for job in document["jobs"].values() for step in job.get("steps", [])]
        report = next(step for step in steps if str(step.get("uses", "")).split("@")[0].endswith("actions/report"))
        assert report["id"] == "report"
        upload = next(step for step in steps if step.get("name") == "Upload the run reports")
        lines = [line for line in upload["with"]["path"].splitlines() if line.strip()]
        assert lines[0] == "${{ steps.report.outputs.run-dir }}", path
        assert len(lines) == 2 and lines[1].endswith(".mlspec/runs/latest"), path  # artifact root stays runs/


def test_show_regenerates_a_note_page_from_the_stored_json(tmp_path: Path) -> None:
    root = tmp_path / "proj"
    runs = _runs(root)
    folder = runs / RUN_IDS[1]
    (folder / "data_tests.html").write_bytes(os.urandom(3 * 1024 * 1024))  # over the budget even compressed
    assert shrink_html(folder, "data_tests.html") == "data_tests.html"  # replaced by the note page
    assert "deepchecks report not kept" in (folder / "data_tests.html").read_text()
    (folder / "data_tests.json").write_text(json.dumps(OUTCOME))
    (folder / "model_tests.html").write_bytes(b"<html>" + b"<p>model</p>" * 200_000 + b"</html>")
    assert shrink_html(folder, "model_tests.html") == "model_tests.html.gz"
    (folder / "report.md").write_text("# report\n")

    result = run_cli("show", RUN_IDS[1], cwd=root)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == f"run {RUN_IDS[1]} of synth:"
    assert lines[1] == f"  report: .mlspec/runs/{RUN_IDS[1]}/report.md (the run's Markdown report)"
    data_line = next(line for line in lines if line.startswith("  data tests: "))
    assert data_line.endswith("data_tests.html (regenerated from data_tests.json (deepchecks' HTML was not kept))")
    page = Path(data_line.split(": ", 1)[1].split(" (", 1)[0])
    text = page.read_text()
    assert "synth: data tests of run " + RUN_IDS[1] in text and "<strong>failed</strong>" in text
    assert "FeatureDrift" in text and "drift score &lt; 0.2" in text and "lot &lt;b&gt;sqft&lt;/b&gt;: 0.41" in text
    assert "<b>" not in text  # details are escaped
    assert (
        "MixedNulls (train)" in text and "ERRORED" in text and "needs a model" in text
    )  # no status (older record): not a pass
    assert "Skipped by the spec: StringMismatch" in text
    model_line = next(line for line in lines if line.startswith("  model tests: "))
    assert model_line.endswith("model_tests.html (deepchecks' report, decompressed from model_tests.html.gz)")
    unpacked = Path(model_line.split(": ", 1)[1].split(" (", 1)[0])
    assert unpacked.read_bytes() == gzip.decompress((folder / "model_tests.html.gz").read_bytes())
    assert not (folder / "model_tests.html").exists()  # the run folder stays as small as it was


def test_show_latest_by_default_and_errors_say_what_to_do(tmp_path: Path) -> None:
    root = tmp_path / "proj"
    runs = _runs(root)
    (runs / RUN_IDS[-1] / "data_tests.html").write_text("<html>small</html>")
    result = run_cli("show", cwd=root)
    assert result.returncode == 0, result.stderr
    assert result.stdout == (
        f"run {RUN_IDS[-1]} of synth:\n  data tests: .mlspec/runs/{RUN_IDS[-1]}/data_tests.html (deepchecks' report)\n"
        "every output of the run:\n"
        f"  record: .mlspec/runs/{RUN_IDS[-1]}/record.json "
        "(metrics, data fingerprints, params, code commit, check outcomes, timings)\n"
    )
    same = run_cli("show", "mlproject.yaml", cwd=root)
    assert same.stdout == result.stdout

    missing = run_cli("show", "20250101T000000000000Z-00001", cwd=root)
    assert missing.returncode == 1
    assert missing.stderr == (
        "error: no run '20250101T000000000000Z-00001' under .mlspec/runs (newest runs: "
        + ", ".join(RUN_IDS)
        + ")\n  hint: give a run id from `.mlspec/runs/`, or `latest` "
        "(`mlspec gc` may have deleted old runs)\n"
    )
    empty = run_cli("show", RUN_IDS[0], cwd=root)
    assert empty.returncode == 1 and "Traceback" not in empty.stderr
    assert empty.stderr.startswith(f"error: run {RUN_IDS[0]} has no reports in .mlspec/runs/{RUN_IDS[0]}\n")


def test_show_lists_every_output_of_a_run(tmp_path: Path) -> None:
    root = tmp_path / "proj"
    folder = _runs(root) / RUN_IDS[-1]
    names = [
        "report.md",
        "report.png",
        "predictions.csv",
        "servability.json",
        "gate.json",
        "train.log",
        "model.bentomodel",
        "data_tests.json",
        "gate_history.png",
        "notes.txt",
    ]
    for name in names:
        (folder / name).write_text("x")
    (folder / "data_tests.json").write_text(json.dumps(OUTCOME))
    (folder / ".predictions.csv.123.tmp").write_text("half written")
    result = run_cli("show", cwd=root)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    listed = [line.split(": ", 1)[1].split(" (", 1)[0].rsplit("/", 1)[1] for line in lines if ": .mlspec/" in line]
    assert sorted(listed) == sorted(["record.json", *names])  # each file once, the temporary file left out
    where = lines.index("every output of the run:")
    assert lines[where + 1 :][:3] == [
        f"  record: .mlspec/runs/{RUN_IDS[-1]}/record.json "
        "(metrics, data fingerprints, params, code commit, check outcomes, timings)",
        f"  predictions: .mlspec/runs/{RUN_IDS[-1]}/predictions.csv (every test row's prediction)",
        f"  gate: .mlspec/runs/{RUN_IDS[-1]}/gate.json (the gate's verdict per environment)",
    ]
    assert f"  plot: .mlspec/runs/{RUN_IDS[-1]}/report.png (a chart of the report)" in lines
    assert any(line.startswith("  servability: ") for line in lines)
