"""Spec validation cases as data folders: tests/cases/{valid,invalid}/<case>/mlproject.yaml.

An invalid case's expected.txt is the exact output of `mlspec validate mlproject.yaml` run in its folder, but for
`{passed through}`: where mlspec passes on the words of a library (libyaml's syntax error, pydantic's message for
a constraint mlspec does not word itself), the case asserts where, what kind and that there is a message. The
training script and data files most cases need are shared (tests/cases/_shared, put in place by the `cases`
fixture: tests/spec/cases.py).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from mlspec.cli import main
from tests.spec.cases import CASES, SHARED, case_folders, shared_files, shared_source

VALID = sorted(p.name for p in (CASES / "valid").iterdir())
INVALID = sorted(p.name for p in (CASES / "invalid").iterdir())
PASSED_THROUGH = "{passed through}"


def matches(expected: str, out: str) -> bool:
    """``out`` is ``expected`` with each PASSED_THROUGH standing for some words on the same line."""
    pattern = r"[^\n]*\S[^\n]*".join(re.escape(part) for part in expected.split(PASSED_THROUGH))
    return re.fullmatch(pattern, out) is not None


def _validate(folder: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    monkeypatch.chdir(folder)
    code = main(["validate", "mlproject.yaml"])
    out, err = capsys.readouterr()
    # the one note validate writes: a spec without `store:` loses its models after 30 days (mlspec/store/location.py)
    assert [line for line in err.splitlines() if "no `store:` in the spec" not in line] == []
    assert ("no `store:`" in err) == (code == 0 and "store:" not in (folder / "mlproject.yaml").read_text("utf-8"))
    return code, out


@pytest.mark.parametrize("case", VALID)
def test_valid_case(
    case: str, cases: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = _validate(cases / "valid" / case, monkeypatch, capsys)
    assert (code, out) == (0, "ok: 1 spec valid\n")


@pytest.mark.parametrize("case", INVALID)
def test_invalid_case(
    case: str, cases: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = cases / "invalid" / case
    code, out = _validate(folder, monkeypatch, capsys)
    assert code == 1
    expected = (folder / "expected.txt").read_text("utf-8")
    if PASSED_THROUGH in expected:
        assert matches(expected, out), out
    else:
        assert out == expected


def test_cases_cover_every_yaml_problem() -> None:
    """The issue lists these bad-YAML situations; each must have a case folder."""
    wanted = {
        "yaml-syntax",
        "yaml-tabs",
        "yaml-duplicate-key",
        "yaml-not-mapping",
        "yaml-empty",
        "yaml-binary",
        "yaml-alias-bomb",
    }
    assert wanted <= set(INVALID)


def test_cases_share_one_training_script_and_one_table(cases: Path) -> None:
    """No case carries a copy of a shared file (but valid/minimal, a checkout for tests/acceptance/act); each case gets them."""
    shared = {path.read_bytes() for path in SHARED.iterdir()}
    copies = sorted(
        str(path.relative_to(CASES))
        for path in CASES.rglob("*")
        if path.is_file() and SHARED not in path.parents and path.read_bytes() in shared
    )
    assert copies == ["valid/minimal/data/test.csv", "valid/minimal/data/train.csv", "valid/minimal/src/train.py"]
    for case in case_folders():
        for relative in shared_files(case):
            given = cases / case.relative_to(CASES) / relative
            assert given.read_bytes() == shared_source(relative).read_bytes(), given
    assert not (cases / "invalid" / "missing-files" / "src").exists()
    assert not list(cases.rglob("shared.txt")) and not (cases / "_shared").exists()


def test_passed_through_stands_for_words_on_one_line() -> None:
    expected = "a.yaml:3:5: (file): invalid YAML: {passed through} [yaml]\n1 error\n"
    assert matches(expected, "a.yaml:3:5: (file): invalid YAML: anything a parser says [yaml]\n1 error\n")
    assert not matches(expected, "a.yaml:3:5: (file): invalid YAML:  [yaml]\n1 error\n")
    assert not matches(expected, "a.yaml:3:5: (file): invalid YAML: x\ny [yaml]\n1 error\n")
    assert not matches(expected, "a.yaml:3:6: (file): invalid YAML: x [yaml]\n1 error\n")
    assert not matches(expected, "a.yaml:3:5: (file): invalid YAML: x [file]\n1 error\n")
