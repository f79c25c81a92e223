"""The drift action's verdict step (actions/drift/action.yml), run as the runner runs it: bash with the step's
environment. `mlspec drift` exits 1 both for "drift found" and for bad input, so the step must say drift only when
this invocation wrote a result saying so; anything else fails the step with `drifted=unknown`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def _drift_step() -> str:
    action = yaml.safe_load((ROOT / "actions" / "drift" / "action.yml").read_text())
    (step,) = [s for s in action["runs"]["steps"] if s.get("id") == "drift"]
    return str(step["run"])


def _run(tmp_path: Path, mlspec_dir: Path) -> tuple[int, dict[str, str], str]:
    output = tmp_path / "github_output"
    output.write_text("")
    current = tmp_path / "current.csv"
    current.write_text("a,b\n1,2\n")
    env = {
        "PATH": f"{mlspec_dir}{os.pathsep}{Path(sys.executable).parent}{os.pathsep}/usr/bin:/bin",
        "HOME": str(tmp_path),
        "GITHUB_OUTPUT": str(output),
        "MLSPEC_SPEC": str(tmp_path / "project" / "mlproject.yaml"),
        "MLSPEC_CURRENT_INPUT": str(current),
        "MLSPEC_DISPATCH": "false",
    }
    done = subprocess.run(["bash", "-e", "-c", _drift_step()], env=env, capture_output=True, text=True, timeout=120)
    outputs = dict(line.split("=", 1) for line in output.read_text().splitlines() if "=" in line)
    return done.returncode, outputs, done.stdout + done.stderr


def _fake_mlspec(tmp_path: Path, body: str) -> Path:
    """A stand-in for `mlspec drift` that only does what the step reads: the exit code and .mlspec/drift/."""
    folder = tmp_path / "bin"
    folder.mkdir()
    script = folder / "mlspec"
    script.write_text(f"#!/bin/bash\nstate={tmp_path / 'project' / '.mlspec' / 'drift'}\n{body}\n")
    script.chmod(0o755)
    return folder


def _result(tmp_path: Path, drift_id: str, drifted: bool) -> None:
    folder = tmp_path / "project" / ".mlspec" / "drift" / drift_id
    folder.mkdir(parents=True)
    (folder / "drift.json").write_text(json.dumps({"drift_id": drift_id, "drifted": drifted}))
    (folder.parent / "latest").write_text(drift_id + "\n")


def _writes_a_result(drifted: bool) -> str:
    """The stand-in's body: a new drift result saying ``drifted``, then exit 1."""
    new = "20260102T000000Z-new"
    verdict = json.dumps({"drifted": drifted})
    return (
        f'mkdir -p "$state/{new}"\necho \'{verdict}\' > "$state/{new}/drift.json"\necho {new} > "$state/latest"\nexit 1'
    )


def test_a_spec_mlspec_cannot_read_is_no_drift_verdict(tmp_path: Path) -> None:
    (tmp_path / "project").mkdir()
    (tmp_path / "project" / "mlproject.yaml").write_text("name: [not, a, name\n")  # real mlspec: exit 1, bad input
    code, outputs, log = _run(tmp_path, Path(sys.executable).parent)
    assert code == 1, log
    assert outputs["drifted"] == "unknown"
    assert "drift was not checked" in log


def test_an_earlier_drift_result_is_not_this_runs_verdict(tmp_path: Path) -> None:
    _result(tmp_path, "20260101T000000Z-old", drifted=True)  # yesterday's drift, then today's run fails early
    code, outputs, log = _run(tmp_path, _fake_mlspec(tmp_path, "echo 'error: no rows' >&2; exit 1"))
    assert (code, outputs["drifted"]) == (1, "unknown"), log


def test_a_result_this_run_wrote_with_drift_is_drift(tmp_path: Path) -> None:
    _result(tmp_path, "20260101T000000Z-old", drifted=False)
    code, outputs, log = _run(tmp_path, _fake_mlspec(tmp_path, _writes_a_result(drifted=True)))
    assert (code, outputs["drifted"]) == (0, "true"), log


def test_a_new_result_without_drift_and_exit_1_is_not_drift(tmp_path: Path) -> None:
    code, outputs, log = _run(tmp_path, _fake_mlspec(tmp_path, _writes_a_result(drifted=False)))
    assert (code, outputs["drifted"]) == (1, "unknown"), log


def test_exit_0_is_no_drift(tmp_path: Path) -> None:
    code, outputs, log = _run(tmp_path, _fake_mlspec(tmp_path, "exit 0"))
    assert (code, outputs["drifted"]) == (0, "false"), log
