"""Spec validation cases as data folders: tests/cases/{valid,invalid}/<case>/mlproject.yaml.

An invalid case's expected.txt is the exact output of `mlspec validate mlproject.yaml` run in its folder.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from mlspec.cli import main

CASES = Path(__file__).resolve().parents[1] / "cases"
VALID = sorted(p.name for p in (CASES / "valid").iterdir())
INVALID = sorted(p.name for p in (CASES / "invalid").iterdir())


def _validate(folder: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    monkeypatch.chdir(folder)
    code = main(["validate", "mlproject.yaml"])
    out, err = capsys.readouterr()
    assert err == ""
    return code, out


@pytest.mark.parametrize("case", VALID)
def test_valid_case(case: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = _validate(CASES / "valid" / case, monkeypatch, capsys)
    assert (code, out) == (0, "ok: 1 spec valid\n")


@pytest.mark.parametrize("case", INVALID)
def test_invalid_case(case: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    folder = CASES / "invalid" / case
    code, out = _validate(folder, monkeypatch, capsys)
    assert code == 1
    assert out == (folder / "expected.txt").read_text("utf-8")


def test_cases_cover_every_yaml_problem() -> None:
    """The issue lists these bad-YAML situations; each must have a case folder."""
    wanted = {"yaml-syntax", "yaml-tabs", "yaml-duplicate-key", "yaml-not-mapping", "yaml-empty",
              "yaml-binary", "yaml-alias-bomb"}
    assert wanted <= set(INVALID)
