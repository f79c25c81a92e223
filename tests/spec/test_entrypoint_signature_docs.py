"""Issue 12 item 10: the spec reference, the README and `mlspec init` describe the entrypoint as the
training code calls it: fn(X, y, params) with three required positional parameters, else fn(train_df, params)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from mlspec.pipeline import training
from mlspec.spec.models import Train
from tests.helpers import ROOT, run_cli

_takes_three = getattr(training, "takes_three", None) or training._takes_three  # renamed upstream
THREE = "function(X, y, params)"
TWO = "function(train_df, params)"


def test_the_reference_names_both_forms_the_code_supports() -> None:
    description = Train.model_fields["entrypoint"].description or ""
    assert THREE in description and TWO in description
    reference = (ROOT / "docs" / "spec-reference.md").read_text()
    row = next(line for line in reference.splitlines() if line.startswith("| `entrypoint` |"))
    assert THREE in row and TWO in row
    assert "train(X, y, params) or train(train_df, params)" in (ROOT / "README.md").read_text()


def test_init_scaffolds_the_three_argument_form_the_code_calls(tmp_path: Path) -> None:
    assert run_cli("init", str(tmp_path / "p")).returncode == 0
    train_file = tmp_path / "p" / "src" / "train.py"
    assert "train(X, y, params)" in train_file.read_text()
    spec = importlib.util.spec_from_file_location("scaffold_train", train_file)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert _takes_three(module.train)
    assert not _takes_three(lambda train_df, params: None)
