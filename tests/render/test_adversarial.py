"""Hostile spec values: validation rejects them with a precise message, or they render to workflows
zizmor finds nothing in (the value never reaches a `run:` script or a `${{ }}` expression)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tests.helpers import run_cli
from tests.render.specs import BASE, merged, write_repo
from tests.tools import linters

INJECT = "${{ github.event.pull_request.title }}"

REJECTED = [
    (
        "name",
        {"name": INJECT},
        "name: '${{ github.event.pull_request.title }}' is not valid here: expected lowercase letters, digits and '-', "
        "starting with a letter, 2-40 characters [invalid-value]",
    ),
    (
        "label",
        {"data": {"label": INJECT}},
        "data.label: '${{ github.event.pull_request.title }}' is not valid here: expected a column name without quotes, "
        "$, backslashes or control characters [invalid-value]",
    ),
    (
        "data-path",
        {"data": {"train": f"data/{INJECT}.csv"}},
        "data.train: 'data/${{ github.event.pull_request.title }}.csv' is not valid here: expected a relative path of "
        "letters, digits and _ . - / @ +, or an s3://, gs://, gcs:// or http(s):// URL [invalid-value]",
    ),
    (
        "path-glob",
        {"triggers": {"paths": {"data": [f"data/{INJECT}/**"]}}},
        "triggers.paths.data: path glob 'data/${{ github.event.pull_request.title }}/**' may only use letters, digits "
        "and _ . - / @ + * ? [ ] { } , (with an optional leading !) [invalid-value]",
    ),
    (
        "runner-label",
        {"ci": {"runs_on": ["self-hosted", INJECT]}},
        "ci.runs_on: runner label '${{ github.event.pull_request.title }}' may only use letters, digits and _ . - "
        "[invalid-value]",
    ),
    (
        "branch",
        {"triggers": {"branches": ["main$(touch /tmp/x)"]}},
        "triggers.branches: 'main$(touch /tmp/x)' is not a safe branch name [invalid-value]",
    ),
    (
        "environment",
        {"environments": [{"name": "prod\nrun: evil"}]},
        "environments[0].name: 'prod\\nrun: evil' is not valid here: expected lowercase letters, digits and '-', "
        "starting with a letter [invalid-value]",
    ),
    (
        "actions-ref",
        {"ci": {"actions_ref": "v1$(curl evil)"}},
        "ci.actions_ref: 'v1$(curl evil)' is not valid here: expected a git ref of letters, digits and _ . - / "
        "[invalid-value]",
    ),
    (
        "python",
        {"ci": {"python": '3.11"\nrun: evil'}},
        "ci.python: '3.11\"\\nrun: evil' is not valid here: expected a Python version such as 3.11 [invalid-value]",
    ),
    (
        "pr-label",
        {"environments": [{"name": "prod", "labels": ['a"b']}]},
        "environments[0].labels: label 'a\"b' may use letters, digits, spaces and _ . : - / (50 at most) [invalid-value]",
    ),
    (
        "install-expression",
        {"ci": {"install": f"pip install x && echo {INJECT}"}},
        "ci.install: contains '${{', which GitHub Actions would evaluate as an expression inside "
        "the generated workflow [expression]\n",
    ),
    (
        "drift-command-expression",
        {"triggers": {"drift": {"command": f'echo {INJECT} > "$MLSPEC_CURRENT/x.csv"'}}},
        "triggers.drift.command: contains '${{', which GitHub Actions would evaluate as an "
        "expression inside the generated workflow [expression]\n",
    ),
]

RENDERED = [
    ("param-key", {"train": {"params": {INJECT: 1, "q'\"$(id)": "`x`"}}}),
    ("param-value", {"train": {"params": {"x": INJECT + "$(id)\n'q'\"é☃"}}}),
    ("description", {"description": INJECT + ' "quoted" $(id) `x` é\u2028'}),
    (
        "install-shell",
        {
            "ci": {
                "install": 'pip install -r \'req s.txt\' && echo "$(id)" `uname` ; rm -rf "$HOME/x"\n'
                "echo 'multi\nline' é☃ \u2028 \x7f"
            }
        },
    ),
    (
        "drift-command-shell",
        {"triggers": {"drift": {"command": 'curl -s "https://x/$(date +%F).csv" > "$MLSPEC_CURRENT/d.csv"'}}},
    ),
    ("train-command", {"train": {"entrypoint": None, "command": f"python t.py --title '{INJECT}' $(id)"}}),
]


@pytest.mark.parametrize("case, change, expected", REJECTED, ids=[c[0] for c in REJECTED])
def test_rejected(tmp_path: Path, case: str, change: dict, expected: str) -> None:
    write_repo(tmp_path, {"mlproject.yaml": merged(BASE, change)})
    result = run_cli("render", cwd=tmp_path)
    assert result.returncode == 1
    assert expected in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / ".github").exists()


@pytest.mark.parametrize("case, change", RENDERED, ids=[c[0] for c in RENDERED])
def test_rendered_safely(tmp_path: Path, case: str, change: dict) -> None:
    spec = merged(BASE, change)
    write_repo(tmp_path, {"mlproject.yaml": spec})
    result = run_cli("render", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    files = sorted((tmp_path / ".github" / "workflows").glob("*.yml"))
    findings = linters.zizmor(files)
    assert findings == [], linters.describe(findings)
    for path in files:
        text = path.read_text(encoding="utf-8")
        workflow = yaml.safe_load(text)
        assert INJECT not in text
        for job in workflow["jobs"].values():
            for step in job["steps"]:
                assert "${{ inputs" not in step.get("run", "")
                assert "install" not in step.get("run", "")
    install = spec.get("ci", {}).get("install")
    if install:  # travels as data: a JSON/YAML string that loads back to exactly the spec's text
        ci = yaml.safe_load((tmp_path / ".github" / "workflows" / "mlspec-churn-ci.yml").read_text(encoding="utf-8"))
        setup = next(s for s in ci["jobs"]["pipeline"]["steps"] if s.get("name") == "Set up Python and mlspec")
        assert setup["with"]["install"] == install
