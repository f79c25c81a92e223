"""`mlspec train` then `mlspec build` with no --version: the Bento is built from the model the latest
run saved (the model contract end to end)."""

from __future__ import annotations

import asyncio
import types
from pathlib import Path

import pytest

from tests.helpers import copy_example, run_mlspec

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("serve")]


def test_build_from_the_model_mlspec_train_saved(tmp_path: Path) -> None:
    import pandas as pd

    from mlspec.state.record import RunStore

    root = copy_example("breast-cancer", tmp_path)
    trained = run_mlspec("train", str(root / "mlproject.yaml"))
    assert trained.returncode == 0, trained.stdout + trained.stderr
    record = RunStore(root).latest()
    assert record.model is not None
    built = run_mlspec("build", str(root / "mlproject.yaml"))
    assert built.returncode == 0, built.stderr
    assert f"for model {record.model.tag} (from run {record.run_id})" in built.stdout

    source = (root / ".mlspec" / "service" / "breast_cancer" / "service.py").read_text()
    module = types.ModuleType("generated_from_train")
    exec(compile(source, "service.py", "exec", dont_inherit=True), module.__dict__)
    test = pd.read_csv(root / "data" / "test.csv").drop(columns=["benign"]).head(10)
    service = module.BreastCancer.inner()
    rows = [module.Row.model_validate(r) for r in test.to_dict("records")]
    assert asyncio.run(service.predict(rows)) == service.model.predict(test).tolist()
    assert len(asyncio.run(service.predict_proba(rows))) == 10
