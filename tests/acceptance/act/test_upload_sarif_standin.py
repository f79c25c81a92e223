"""The upload-sarif stand-in the act test maps to github/codeql-action@<pinned sha>: run as its composite step
runs it (a python process with INPUT_* variables), it must accept what mlspec writes and reject what the
real action or code scanning would reject, or the act test would prove nothing. Fast: no act, no network."""

from __future__ import annotations

import copy
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from tests.acceptance.act.runner import STANDIN_ACTIONS
from tests.helpers import ROOT, run_mlspec

STANDIN = STANDIN_ACTIONS / "codeql-action" / "upload-sarif"
SARIF_SCHEMA = ROOT / "tests" / "spec" / "sarif-schema-2.1.0.json"
# upload-sarif/action.yml of github/codeql-action at 8aad20d150bbac5944a9f9d289da16a4b0d87c1e (v4.36.2):
# input -> (required, default); outputs.
REAL_INPUTS = {
    "sarif_file": (False, "../results"),
    "checkout_path": (False, "${{ github.workspace }}"),
    "ref": (False, None),
    "sha": (False, None),
    "token": (False, "${{ github.token }}"),
    "matrix": (None, "${{ toJson(matrix) }}"),
    "category": (False, None),
    "wait-for-processing": (True, "true"),
}
REAL_OUTPUTS = {"sarif-id", "sarif-ids"}


@pytest.fixture(scope="module")
def checkout_and_sarif(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    """A checkout of a valid project whose spec got one typo, on line 12 (of 12), column 3, and what
    `mlspec validate --format sarif` says about it (once: each test changes a copy)."""
    work = shutil.copytree(
        ROOT / "tests" / "cases" / "valid" / "minimal", tmp_path_factory.mktemp("standin") / "checkout"
    )
    spec = work / "mlproject.yaml"
    spec.write_text(spec.read_text() + "ci:\n  timout_minutes: 30\n")
    assert len(spec.read_text().splitlines()) == 12
    done = run_mlspec("validate", "--format", "sarif", "mlproject.yaml", cwd=work)
    assert done.returncode == 1, done.stderr
    return work, json.loads(done.stdout)


@pytest.fixture
def checkout(checkout_and_sarif: tuple[Path, dict]) -> Path:
    return checkout_and_sarif[0]


@pytest.fixture
def sarif(checkout_and_sarif: tuple[Path, dict]) -> dict:
    return copy.deepcopy(checkout_and_sarif[1])


def _upload(
    work: Path, sarif: dict | str | None, *, tmp_path: Path, process: bool = False, **inputs: str
) -> tuple[subprocess.CompletedProcess[str], Path]:
    sarif_path = tmp_path / "in.sarif"
    if sarif is not None:
        sarif_path.write_text(sarif if isinstance(sarif, str) else json.dumps(sarif))
    uploads = tmp_path / "uploads"
    given = {
        "sarif_file": str(sarif_path),
        "checkout_path": str(work),
        "token": "ghs_x",
        "category": "mlspec-demo",
        "wait_for_processing": "true",
        "matrix": "null",
        **inputs,
    }
    env = {
        **os.environ,
        "MLSPEC_STANDIN_UPLOADS": str(uploads),
        "MLSPEC_STANDIN_SARIF_SCHEMA": str(SARIF_SCHEMA),
        "GITHUB_OUTPUT": str(tmp_path / "output"),
        **{f"INPUT_{k.upper()}": v for k, v in given.items()},
    }
    if process:
        done = subprocess.run(
            [sys.executable, str(STANDIN / "upload_sarif.py")], cwd=work, env=env, capture_output=True, text=True
        )
    else:
        done = _in_process(work, env)
    return done, uploads


def _in_process(work: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """The stand-in's main() in this process, with the step's variables and working folder: the same checks
    without a Python start-up and a jsonschema import per case (the process is run by the acceptance test)."""
    import contextlib
    import io
    import runpy

    global _STANDIN_MAIN
    if _STANDIN_MAIN is None:
        _STANDIN_MAIN = runpy.run_path(str(STANDIN / "upload_sarif.py"), run_name="upload_sarif")["main"]
    out, saved_env, saved_cwd = io.StringIO(), dict(os.environ), os.getcwd()
    try:
        os.environ.clear()
        os.environ.update(env)
        os.chdir(work)
        with contextlib.redirect_stdout(out):
            code = _STANDIN_MAIN()
    finally:
        os.chdir(saved_cwd)
        os.environ.clear()
        os.environ.update(saved_env)
    return subprocess.CompletedProcess(["upload_sarif.py"], code, out.getvalue(), "")


_STANDIN_MAIN: Callable[[], int] | None = None


def test_the_standin_declares_the_real_actions_inputs_and_outputs() -> None:
    action = yaml.safe_load((STANDIN / "action.yml").read_text())
    declared = {name: (spec.get("required"), spec.get("default")) for name, spec in action["inputs"].items()}
    assert declared == REAL_INPUTS
    assert set(action["outputs"]) == REAL_OUTPUTS
    step_env = action["runs"]["steps"][0]["env"]
    assert {f"INPUT_{name.upper().replace('-', '_')}" for name in REAL_INPUTS} == set(step_env)


def test_accepts_mlspecs_sarif_and_records_it(checkout: Path, sarif: dict, tmp_path: Path) -> None:
    assert _location(sarif) == {
        "artifactLocation": {"uri": "mlproject.yaml"},
        "region": {"startLine": 12, "startColumn": 3},
    }
    done, uploads = _upload(checkout, sarif, tmp_path=tmp_path, process=True)  # as the composite step runs it
    assert done.returncode == 0, done.stdout
    assert json.loads((uploads / "1.sarif").read_text()) == sarif
    record = json.loads((uploads / "1.json").read_text())
    assert record["category"] == "mlspec-demo" and record["checkout_path"] == str(checkout) and record["token_given"]
    output = (tmp_path / "output").read_text()
    assert f"sarif-id={record['sarif_id']}\n" in output and '"code-scanning"' in output


def _errors(done: subprocess.CompletedProcess[str]) -> list[str]:
    assert done.returncode == 1, done.stdout
    return [line.removeprefix("::error::") for line in done.stdout.splitlines() if line.startswith("::error::")]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda log: log.update(version="2.0.0"), "- version: '2.0.0' is not one of ['2.1.0']"),
        (
            lambda log: log["runs"][0]["tool"]["driver"].pop("name"),
            "- runs/0/tool/driver: 'name' is a required property",
        ),
        (
            lambda log: log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"].update(startLine=0),
            "- runs/0/results/0/locations/0/physicalLocation/region/startLine: 0 is less than the minimum of 1",
        ),
    ],
)
def test_rejects_what_the_sarif_schema_rejects(
    checkout: Path, sarif: dict, tmp_path: Path, change, expected: str
) -> None:
    change(sarif)
    errors = _errors(_upload(checkout, sarif, tmp_path=tmp_path)[0])
    assert errors[0] == f'Unable to upload "{tmp_path / "in.sarif"}" as it is not valid SARIF:' and expected in errors


def _location(log: dict) -> dict:
    return log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda log: log.pop("$schema"), "- $schema None does not name the SARIF 2.1.0 schema"),
        (lambda log: log["runs"][0]["tool"]["driver"].update(name=""), "- runs[0]: no tool.driver.name"),
        (
            lambda log: log["runs"][0]["results"][0].update(ruleId="typo"),
            "- runs[0].results[0]: ruleId 'typo' is not one of the driver's rules ['unknown-key']",
        ),
        (
            lambda log: log["runs"][0]["results"][0].update(ruleIndex=3),
            "- runs[0].results[0]: ruleIndex 3 does not point at the rule 'unknown-key'",
        ),
        (
            lambda log: log["runs"][0]["results"][0].update(locations=[]),
            "- runs[0].results[0]: needs 1 to 10 locations",
        ),
        (
            lambda log: _location(log)["artifactLocation"].update(uri="absent.yaml"),
            "- runs[0].results[0].locations[0]: uri 'absent.yaml' names no file of the checkout {checkout}",
        ),
        (
            lambda log: _location(log)["artifactLocation"].update(uri="../in.sarif"),
            "- runs[0].results[0].locations[0]: uri '../in.sarif' names no file of the checkout {checkout}",
        ),
        (
            lambda log: _location(log)["artifactLocation"].update(uri="https://example.com/mlproject.yaml"),
            "- runs[0].results[0].locations[0]: uri 'https://example.com/mlproject.yaml' names no file of the checkout {checkout}",
        ),
        (
            lambda log: _location(log).pop("region"),
            "- runs[0].results[0].locations[0]: no region.startLine (code scanning shows an alert on a line)",
        ),
        (
            lambda log: _location(log)["region"].update(startLine=13),
            "- runs[0].results[0].locations[0]: region.startLine 13 is not a line of mlproject.yaml (1 to 12)",
        ),
    ],
)
def test_rejects_what_code_scanning_would_reject(
    checkout: Path, sarif: dict, tmp_path: Path, change, expected: str
) -> None:
    change(sarif)
    errors = _errors(_upload(checkout, sarif, tmp_path=tmp_path)[0])
    assert errors[0] == f'code scanning would reject "{tmp_path / "in.sarif"}":'
    assert errors[1:] == [expected.format(checkout=checkout)]
    assert not (tmp_path / "uploads").exists()


def test_a_file_uri_inside_the_checkout_is_accepted(checkout: Path, sarif: dict, tmp_path: Path) -> None:
    _location(sarif)["artifactLocation"]["uri"] = (checkout / "mlproject.yaml").as_uri()
    assert _upload(checkout, sarif, tmp_path=tmp_path)[0].returncode == 0


def test_rejects_a_missing_file_bad_json_and_bad_inputs(checkout: Path, sarif: dict, tmp_path: Path) -> None:
    missing = tmp_path / "in.sarif"
    assert _errors(_upload(checkout, None, tmp_path=tmp_path)[0]) == [f"Path does not exist: {missing}"]
    assert _errors(_upload(checkout, None, tmp_path=tmp_path, sarif_file=str(checkout))[0]) == [
        f'No SARIF files found to upload in "{checkout}".'
    ]
    assert _errors(_upload(checkout, "{not json", tmp_path=tmp_path)[0])[0].startswith(
        "Invalid SARIF. JSON syntax error: "
    )
    good = sarif
    assert _errors(_upload(checkout, good, tmp_path=tmp_path, token="")[0]) == [
        "no token: the real action authenticates with the job's GITHUB_TOKEN, which needs security-events: write"
    ]
    assert _errors(_upload(checkout, good, tmp_path=tmp_path, ref="refs/pull/7/merge")[0]) == [
        "the ref and sha inputs go together: give both or neither"
    ]
    assert _errors(_upload(checkout, good, tmp_path=tmp_path, wait_for_processing="yes")[0]) == [
        "wait-for-processing must be true or false, not 'yes'"
    ]
