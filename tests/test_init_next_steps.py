"""`mlspec init` prints the whole loop (git init and first commit, run, render, gate, report, promote),
and the README's tutorial runs the same commands in the same order (issue 14 item 6)."""

from __future__ import annotations

import re
from pathlib import Path

from mlspec.scaffold import next_steps
from tests.helpers import ROOT, run_cli


def _commands(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.startswith("       ")]


def test_init_prints_the_next_steps_of_the_whole_loop(tmp_path: Path) -> None:
    result = run_cli("init", "churn", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.endswith("\n" + next_steps("churn") + "\n")
    assert _commands(next_steps("churn")) == [
        "cd churn",
        "git init -b main",
        "git add -A",
        'git commit -m "mlspec project"',
        "mlspec run",
        "mlspec render",
        "git add .github",
        'git commit -m "mlspec workflows"',
        "mlspec gate --env staging",
        "mlspec report --output report.md",
        "mlspec promote --env staging --dry-run",
    ]
    here = run_cli("init", cwd=tmp_path / "churn2" if (tmp_path / "churn2").mkdir() is None else None)
    assert "cd " not in here.stdout  # initialised in the current folder: nothing to change into


def test_readme_tutorial_matches_init() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    tutorial = readme[readme.index("### 1. Install and scaffold") :]
    block = tutorial[tutorial.index("```sh") : tutorial.index("```", tutorial.index("```sh") + 5)]
    lines = [re.sub(r"\s+#.*$", "", line).strip() for line in block.splitlines()[1:]]
    assert "mlspec init churn" in lines
    assert lines[lines.index("mlspec init churn") + 1 :] == _commands(next_steps("churn"))
