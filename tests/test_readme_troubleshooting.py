"""The README's troubleshooting advice that is spec text is valid spec text: each `tests: {...}` snippet of the
table, added to a minimal regression spec, passes `mlspec validate`'s model and check-catalog checks."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from mlspec.spec.validate import check_file

ROOT = Path(__file__).resolve().parents[1]
TROUBLESHOOTING = (
    (ROOT / "README.md").read_text(encoding="utf-8").split("## Troubleshooting", 1)[1].split("\n## ", 1)[0]
)
MINIMAL = """apiVersion: mlspec/v1
name: rents
data: {train: data/train.csv, test: data/test.csv, label: rent}
train: {entrypoint: src/train.py:train}
evaluate: {task: regression}
"""


def test_the_log_target_advice_is_a_valid_spec(tmp_path: Path) -> None:
    snippets = re.findall(r"`(tests: \{.*?\})`", TROUBLESHOOTING)
    assert any("RegressionErrorDistribution" in s for s in snippets), TROUBLESHOOTING
    (tmp_path / "data").mkdir()
    (tmp_path / "src").mkdir()
    for name in ("train.csv", "test.csv"):
        (tmp_path / "data" / name).write_text("x,rent\n1,2\n")
    (tmp_path / "src" / "train.py").write_text("def train(X, y, params):\n    return None\n")
    for snippet in snippets:
        assert isinstance(yaml.safe_load(snippet), dict)
        (tmp_path / "mlproject.yaml").write_text(MINIMAL + snippet + "\n")
        result = check_file(tmp_path / "mlproject.yaml")
        assert result.ok, (snippet, [i.message for i in result.issues])
