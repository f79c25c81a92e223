"""Issue 12 item 4: with `data.index`, predictions are keyed by the index; re-scoring the champion on the
current test set matches rows by key (string or integer IDs), never by position."""

from __future__ import annotations

import pandas as pd
import pytest

from mlspec.gate.evaluate import evaluate_gates
from mlspec.spec import load_spec
from mlspec.state.record import RunStore
from tests.gate.support import make_record
from tests.gate.test_bootstrap import BOOT, _bootstrap_project, models  # noqa: F401 - the session fixture
from tests.helpers import git

pytestmark = pytest.mark.xdist_group("gate-bootstrap")
RUN = "20250102T000000000000Z-00001"


def _with_ids(project, ids: list) -> None:
    """Give the test table an `id` column (data.index) and shuffle its rows: positions no longer match."""
    spec = project / "mlproject.yaml"
    spec.write_text(spec.read_text().replace("  label: benign\n", "  label: benign\n  index: id\n"))
    for name in ("train", "test"):
        path = project / "data" / f"{name}.csv"
        frame = pd.read_csv(path)
        frame.insert(0, "id", ids[: len(frame)] if name == "test" else [f"t{i}" for i in range(len(frame))])
        frame.to_csv(path, index=False)
    git("commit", "-q", "-am", "ids", cwd=project)


@pytest.mark.parametrize(
    "make_id", [lambda i: f"cust-{i:05d}", lambda i: 4_101_998 - 7 * i], ids=["string-id", "integer-id"]
)
def test_champion_is_rescored_by_key(tmp_path, models, make_id) -> None:  # noqa: F811
    project = _bootstrap_project(tmp_path, models, "accuracy, min_delta: 0.0")
    test_rows = len(models["strong"])
    ids = [make_id(i) for i in range(test_rows)]
    _with_ids(project, ids)
    preds = models["strong"].copy()
    preds["row"] = ids  # predictions keyed by data.index, as `mlspec evaluate` writes them
    preds = preds.sample(frac=1.0, random_state=3)  # any order: rows are matched by key
    folder = RunStore(project).run_dir(RUN)
    folder.mkdir(parents=True)
    preds.to_csv(folder / "predictions.csv", index=False)
    record = make_record(
        project, {"accuracy": models["strong_acc"], "roc_auc": 0.99}, run_id=RUN, predictions="predictions.csv"
    )
    result = evaluate_gates(load_spec(project / "mlproject.yaml"), record, "staging").results[0]
    assert result.passed, result.reason
    assert result.baseline == pytest.approx(models["weak_acc"])  # the champion on the same rows, by key
    assert result.delta == pytest.approx(models["strong_acc"] - models["weak_acc"])


def test_keys_missing_from_the_current_test_table_fail_closed_saying_so(tmp_path, models) -> None:  # noqa: F811
    project = _bootstrap_project(tmp_path, models, "accuracy, min_delta: 0.0")
    ids = [f"cust-{i:05d}" for i in range(len(models["strong"]))]
    _with_ids(project, ids)
    preds = models["strong"].copy()
    preds["row"] = [f"old-{i}" for i in range(len(preds))]
    folder = RunStore(project).run_dir(RUN)
    folder.mkdir(parents=True)
    preds.to_csv(folder / "predictions.csv", index=False)
    record = make_record(project, {"accuracy": models["strong_acc"]}, run_id=RUN, predictions="predictions.csv")
    result = evaluate_gates(load_spec(project / "mlproject.yaml"), record, "staging").results[0]
    assert result.verdict == "fail"
    assert result.reason == (
        f"{len(preds)} of the run's {len(preds)} prediction rows (e.g. key 'old-0') are not in the current test table "
        f"({len(preds)} rows, keyed by the data.index column 'id'); the test data changed after the run: rerun "
        "`mlspec evaluate --force` and gate again"
    )
