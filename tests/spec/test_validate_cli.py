from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from mlspec.cli import main
from tests.helpers import EXAMPLES, ROOT, run_cli, run_mlspec

HEAVY = ("deepchecks", "bentoml", "github3", "docker", "sklearn", "pandas", "matplotlib")


def test_json_format_lists_every_issue(
    cases: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # two mistakes: `label` is missing and `colour` is unknown (a misspelt `label` would be one issue)
    spec = (cases / "invalid" / "unknown-key" / "mlproject.yaml").read_text("utf-8")
    (tmp_path / "mlproject.yaml").write_text(spec.replace("lable: churned", "colour: churned"), "utf-8")
    monkeypatch.chdir(tmp_path)
    assert main(["validate", "--format", "json", "mlproject.yaml"]) == 1
    payload = json.loads(capsys.readouterr().out)
    assert payload["valid"] is False
    issues = payload["files"][0]["issues"]
    assert [(i["line"], i["column"], i["key"], i["kind"]) for i in issues] == [
        (3, 1, "data.label", "missing-key"),
        (6, 3, "data.colour", "unknown-key"),
    ]
    assert issues[1]["hint"].startswith("allowed keys: ")


def test_github_format_is_workflow_commands(
    cases: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(cases / "invalid" / "enum-typo")
    assert main(["validate", "--format", "github", "mlproject.yaml"]) == 1
    assert capsys.readouterr().out == (
        "::error file=mlproject.yaml,line=10,col=3,title=mlspec invalid-value::evaluate.task: "
        "'binry' is not one of%3A binary, multiclass, regression (did you mean 'binary'?)\n"
    ).replace("one of%3A", "one of:")


def test_many_files_in_one_call_report_each(
    cases: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(cases)
    code = main(["validate", "valid/minimal/mlproject.yaml", "invalid/bad-cron/mlproject.yaml"])
    out = capsys.readouterr().out
    assert code == 1
    assert out.startswith("invalid/bad-cron/mlproject.yaml:12:3: triggers.schedule: hour: 25 is outside 0-23")
    assert out.endswith("1 error in 1 file (2 checked)\n")


def test_missing_spec_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["validate"]) == 1
    assert capsys.readouterr().out == (
        "mlproject.yaml:1:1: (file): file not found [file]\n"
        "  hint: give the spec's path (e.g. path/to/mlproject.yaml), run from the project's folder (or, for "
        "`mlspec validate`, a git repository holding specs), or create one with `mlspec init`\n"
        "1 error in 1 file (1 checked)\n"
    )


def test_usage_error_exits_2() -> None:
    result = run_mlspec("validate", "--format", "xml")
    assert result.returncode == 2
    assert "invalid choice: 'xml'" in result.stderr
    assert "Traceback" not in result.stderr


def test_example_is_valid() -> None:
    result = run_mlspec("validate", str(EXAMPLES / "breast-cancer" / "mlproject.yaml"))
    assert (result.returncode, result.stdout) == (0, "ok: 1 spec valid\n")


def test_examples_start_with_schema_comment() -> None:
    for spec in EXAMPLES.rglob("mlproject.yaml"):
        first = spec.read_text().splitlines()[0]
        assert first.startswith("# yaml-language-server: $schema=") and first.endswith("schemas/mlproject.schema.json")
        target = (spec.parent / first.split("=", 1)[1]).resolve()
        assert target == ROOT / "schemas" / "mlproject.schema.json", spec


@pytest.mark.parametrize("argv", [["--help"], ["validate", "examples/breast-cancer/mlproject.yaml"], ["schema"]])
def test_fast_commands_import_no_heavy_library(argv: list[str]) -> None:
    code = (
        "import sys\nfrom mlspec.cli import main\n"
        f"try:\n    main({argv!r})\nexcept SystemExit:\n    pass\n"
        f"print('HEAVY=' + ','.join(sorted(m for m in {HEAVY!r} if m in sys.modules)))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert result.stdout.strip().splitlines()[-1] == "HEAVY="


def test_internal_error_exits_3_with_traceback_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import mlspec.spec.commands as commands

    monkeypatch.chdir(tmp_path)  # no spec here nor under it: nothing printed before the error

    def boom(**_kwargs: object) -> int:
        raise RuntimeError("kaboom")

    monkeypatch.setattr(commands, "validate_command", boom)
    assert main(["validate"]) == 3
    err = capsys.readouterr().err
    assert err.startswith("internal error: RuntimeError: kaboom\n  the full traceback is in ")
    path = Path(err.split("traceback is in ", 1)[1].split(";", 1)[0])
    assert "RuntimeError: kaboom" in path.read_text()


def test_alias_bomb_is_rejected_quickly(cases: Path) -> None:
    start = time.perf_counter()
    result = run_mlspec("validate", str(cases / "invalid" / "yaml-alias-bomb" / "mlproject.yaml"))
    assert result.returncode == 1
    assert "alias bomb" in result.stdout
    assert time.perf_counter() - start < 10


def test_deep_nesting_is_rejected(tmp_path: Path) -> None:
    spec = tmp_path / "mlproject.yaml"
    spec.write_text("a: " + "[" * 5000 + "]" * 5000 + "\n")
    result = run_mlspec("validate", str(spec))
    assert result.returncode == 1
    assert f"{spec}:1:67: (file): nested more than 64 levels deep [yaml]" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr


def test_not_utf8(tmp_path: Path) -> None:
    spec = tmp_path / "mlproject.yaml"
    spec.write_bytes("apiVersion: mlspec/v1\nname: caf\xe9\n".encode("latin-1"))
    result = run_cli("validate", str(spec))
    assert result.returncode == 1
    assert (
        ":2:1: (file): not UTF-8 text (invalid byte 0xe9 at offset 31): save the file as UTF-8 [file]" in result.stdout
    )


def test_cross_checks_skip_a_section_with_errors_of_its_own(tmp_path: Path) -> None:
    """One pass reports the cross-field problems of the valid sections, and never judges against the default of
    an invalid one: `environments` with an error is not the default [production] for the gate check."""
    from mlspec.spec.validate import check_file

    (tmp_path / "mlproject.yaml").write_text(
        "apiVersion: mlspec/v1\nname: churn\n"
        "data: {train: data/train.csv, test: data/test.csv, label: churned, categorcal: [plan]}\n"
        "train: {entrypoint: src/train.py:train}\nevaluate: {task: binary}\n"
        "gates: [{metric: roc_auc, min: 0.8, environment: staging}, {metric: rmse, min: 0.1}]\n"
        "environments: [{name: staging, soak_hours: 2}]\n"
    )
    result = check_file(tmp_path / "mlproject.yaml", check_files=False)
    assert [(i.key, i.kind) for i in result.issues] == [
        ("data.categorcal", "unknown-key"),
        ("gates[1].metric", "unknown-metric"),  # evaluate and gates are valid: checked in the same pass
        ("environments[0]", "invalid-value"),  # soak_hours without requires
    ]
