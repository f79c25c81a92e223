"""The report, the model card and the gate table name the positive class a binary run was scored for."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlspec.gate.evaluate import positive_class_note
from mlspec.gate.results import GateReport
from mlspec.report import card, markdown
from mlspec.spec.validate import load_spec
from mlspec.state.record import ModelRef, RunRecord

SPEC = """\
apiVersion: mlspec/v1
name: churn
data:
  train: data/all.csv
  label: churn
train:
  entrypoint: src/train.py:train
evaluate:
  task: binary
  positive_class: churned
gates:
  - {metric: f1, min: 0.5}
  - {metric: accuracy, min: 0.5}
environments:
  - name: staging
"""


def _record(positive: object) -> RunRecord:
    return RunRecord(
        run_id="20261204T190000Z-1",
        project="churn",
        spec_path="mlproject.yaml",
        spec_digest="d",
        created="2026-12-04T19:00:00.000000Z",
        task="binary",
        positive_class=positive,
        metrics={"f1": 0.8, "accuracy": 0.9},
        model=ModelRef(tag="churn:abc", kind="classifier", classes=["churned", "stayed"]),
    )


def test_report_card_and_gate_name_the_positive_class(tmp_path: Path) -> None:
    (tmp_path / "mlproject.yaml").write_text(SPEC)
    loaded = load_spec(tmp_path / "mlproject.yaml", check_files=False)
    record = _record("churned")
    gate = GateReport(
        project="churn",
        run_id=record.run_id,
        environment="staging",
        model_tag="churn:abc",
        champion=None,
        champion_source="",
    )
    report = "\n".join(markdown._metrics(loaded, record, gate))
    assert "Positive class: `churned` (evaluate.positive_class" in report
    assert "- positive class: `churned` (evaluate.positive_class" in "\n".join(card._what(loaded, record))
    note = positive_class_note(record, ["f1", "accuracy", "f1"])
    assert note == 'positive class: "churned" (evaluate.positive_class): f1 is scored for it'
    assert positive_class_note(record, ["accuracy"]) == ""  # accuracy does not depend on it
    assert positive_class_note(_record(None), ["f1"]) == ""  # regression, multiclass, or older records


def test_the_gate_rescores_and_bootstraps_for_the_positive_class() -> None:
    import numpy as np
    from sklearn import metrics as sk

    from mlspec.gate.bootstrap import Predictions, paired_bootstrap, point_metrics

    rng = np.random.default_rng(3)
    y = np.where(rng.random(300) < 0.3, "churned", "stayed")
    p = np.clip((y == "churned") * 0.4 + rng.random(300) * 0.6, 0, 1)
    preds = Predictions(np.where(p > 0.5, "churned", "stayed"), np.column_stack([p, 1 - p]), ["churned", "stayed"])
    values = point_metrics(task="binary", y_true=y, preds=preds, names=["f1", "roc_auc"], positive="churned")
    assert values["f1"] == pytest.approx(sk.f1_score(y, preds.y_pred, pos_label="churned"))
    assert values["roc_auc"] == pytest.approx(sk.roc_auc_score(y == "churned", p))
    outcome = paired_bootstrap(
        metric="f1",
        task="binary",
        direction="higher",
        relative=False,
        y_true=y,
        challenger=preds,
        champion=preds,
        resamples=50,
        confidence=0.95,
        seed=0,
        positive="churned",
    )
    assert outcome.challenger == pytest.approx(values["f1"])
