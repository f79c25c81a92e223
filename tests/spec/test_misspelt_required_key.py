"""A misspelt required key (`lable:` for `label:`) is one mistake: `mlspec validate` reports it once, as the unknown
key with its did-you-mean, not also as "missing required key 'label'" pointing at the mapping above it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mlspec.cli import main


def _issues(folder: Path, spec_text: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> list:
    (folder / "mlproject.yaml").write_text(spec_text, "utf-8")
    monkeypatch.chdir(folder)
    assert main(["validate", "--format", "json", "mlproject.yaml"]) == 1
    return [
        (i["line"], i["key"], i["kind"], i["hint"]) for i in json.loads(capsys.readouterr().out)["files"][0]["issues"]
    ]


def test_a_misspelt_required_key_is_one_issue(
    cases: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = (cases / "invalid" / "unknown-key" / "mlproject.yaml").read_text("utf-8")
    assert _issues(tmp_path, spec, monkeypatch, capsys) == [
        (6, "data.lable", "unknown-key", "did you mean 'label'? (`label` is required and not set)")
    ]


def test_a_misspelling_of_a_key_that_is_set_is_still_only_unknown(
    cases: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = (cases / "invalid" / "unknown-key" / "mlproject.yaml").read_text("utf-8")
    spec = spec.replace("  lable: churned", "  label: churned\n  lable: churned")
    assert _issues(tmp_path, spec, monkeypatch, capsys) == [(7, "data.lable", "unknown-key", "did you mean 'label'?")]


def test_a_missing_key_with_an_unrelated_unknown_key_is_two_issues(
    cases: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = (cases / "invalid" / "unknown-key" / "mlproject.yaml").read_text("utf-8")
    issues = _issues(tmp_path, spec.replace("lable: churned", "colour: churned"), monkeypatch, capsys)
    assert [i[:3] for i in issues] == [(3, "data.label", "missing-key"), (6, "data.colour", "unknown-key")]
