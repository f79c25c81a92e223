"""`mlspec validate --format sarif`: SARIF 2.1.0 for GitHub code scanning, checked against the SARIF schema
(tests/spec/sarif-schema-2.1.0.json, the copy github/codeql-action v4.36.2 ships in src/ and validates uploads
with; MIT licence, from the OASIS SARIF TC)."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from mlspec.cli import main

SCHEMA = json.loads((Path(__file__).with_name("sarif-schema-2.1.0.json")).read_text("utf-8"))


def _sarif(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], folder: Path, *specs: str
) -> tuple[int, dict]:
    monkeypatch.chdir(folder)
    code = main(["validate", "--format", "sarif", *specs])
    out = capsys.readouterr().out
    log = json.loads(out)
    jsonschema.Draft202012Validator(SCHEMA).validate(log)  # raises on any structural error
    return code, log


def test_one_result_per_error_with_file_line_column_rule(
    cases: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # two mistakes, two rules: `label` is missing and `colour` is unknown (a misspelt `label` would be one error)
    spec = (cases / "invalid" / "unknown-key" / "mlproject.yaml").read_text("utf-8")
    (tmp_path / "mlproject.yaml").write_text(spec.replace("lable: churned", "colour: churned"), "utf-8")
    code, log = _sarif(monkeypatch, capsys, tmp_path, "mlproject.yaml")
    assert code == 1
    assert log["version"] == "2.1.0"
    (run,) = log["runs"]
    assert run["tool"]["driver"]["name"] == "mlspec"
    rules = [rule["id"] for rule in run["tool"]["driver"]["rules"]]
    assert rules == ["missing-key", "unknown-key"]
    got = [
        (
            r["ruleId"],
            rules[r["ruleIndex"]],
            r["level"],
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            r["locations"][0]["physicalLocation"]["region"],
            r["message"]["text"],
        )
        for r in run["results"]
    ]
    assert got[0][:5] == ("missing-key", "missing-key", "error", "mlproject.yaml", {"startLine": 3, "startColumn": 1})
    assert got[0][5].startswith("data.label: ")
    assert got[1][:5] == ("unknown-key", "unknown-key", "error", "mlproject.yaml", {"startLine": 6, "startColumn": 3})
    assert got[1][5].startswith("data.colour: unknown key 'colour' (allowed keys: ")


def test_many_files_and_repository_relative_uris(
    cases: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, log = _sarif(
        monkeypatch,
        capsys,
        cases,
        "valid/minimal/mlproject.yaml",
        "invalid/bad-cron/mlproject.yaml",
        "invalid/many-errors/mlproject.yaml",
    )
    assert code == 1
    results = log["runs"][0]["results"]
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in results}
    assert uris == {"invalid/bad-cron/mlproject.yaml", "invalid/many-errors/mlproject.yaml"}
    cron = [
        r
        for r in results
        if r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].startswith("invalid/bad-cron")
    ]
    assert [(r["locations"][0]["physicalLocation"]["region"]["startLine"], r["message"]["text"]) for r in cron] == [
        (12, "triggers.schedule: hour: 25 is outside 0-23")
    ]
    assert len(results) > 2


def test_valid_spec_is_an_empty_run(
    cases: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, log = _sarif(monkeypatch, capsys, cases / "valid" / "minimal", "mlproject.yaml")
    assert code == 0
    assert log["runs"][0]["results"] == [] and log["runs"][0]["tool"]["driver"]["rules"] == []


def test_missing_file_and_awkward_paths(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "my project").mkdir()
    (tmp_path / "my project" / "mlproject.yaml").write_text("apiVersion: [\n", "utf-8")
    code, log = _sarif(monkeypatch, capsys, tmp_path, "my project/mlproject.yaml", "absent.yaml")
    assert code == 1
    locations = [r["locations"][0]["physicalLocation"] for r in log["runs"][0]["results"]]
    assert [loc["artifactLocation"]["uri"] for loc in locations] == ["my%20project/mlproject.yaml", "absent.yaml"]
    assert all(loc["region"]["startLine"] >= 1 for loc in locations if "region" in loc)


def test_schema_rejects_what_code_scanning_would_reject() -> None:
    """The schema check is real: a result without a message fails it."""
    broken = {"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "mlspec"}}, "results": [{"ruleId": "x"}]}]}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft202012Validator(SCHEMA).validate(broken)


def test_validate_action_writes_sarif_and_leaves_the_verdict_to_the_alerts(cases: Path, tmp_path: Path) -> None:
    """The step of actions/validate with `sarif-file` set, run by bash as the runner does (`bash -e`)."""
    import os
    import subprocess
    import sys

    import yaml

    from tests.helpers import ROOT

    action = yaml.safe_load((ROOT / "actions" / "validate" / "action.yml").read_text("utf-8"))
    script = action["runs"]["steps"][0]["run"]
    for case, status, valid in (("invalid/unknown-key", 0, "false"), ("valid/minimal", 0, "true")):
        output, sarif = tmp_path / f"{status}{valid}.out", tmp_path / f"{valid}.sarif"
        env = {
            **os.environ,
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
            "MLSPEC_SPEC": "mlproject.yaml",
            "MLSPEC_SARIF_FILE": str(sarif),
            "GITHUB_OUTPUT": str(output),
        }
        done = subprocess.run(["bash", "-e", "-c", script], cwd=cases / case, env=env, capture_output=True, text=True)
        assert done.returncode == status, done.stderr
        assert output.read_text() == f"valid={valid}\n"
        log = json.loads(sarif.read_text("utf-8"))
        jsonschema.Draft202012Validator(SCHEMA).validate(log)
        assert bool(log["runs"][0]["results"]) is (valid == "false")
    env["MLSPEC_SPEC"] = "--no-such-option"  # a usage error (exit 2) still fails the step
    done = subprocess.run(["bash", "-e", "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert done.returncode == 2
