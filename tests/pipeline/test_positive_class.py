"""evaluate.positive_class: resolved against the labels in the data, used by the metrics, shown to deepchecks."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn import metrics as sk

from mlspec.pipeline.labels import (
    PositiveClassError,
    RenamedClasses,
    deepchecks_names,
    resolve_positive_class,
)
from mlspec.pipeline.metrics import Predictions, compute_metrics
from mlspec.spec.validate import load_spec

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
{extra}environments:
  - name: staging
"""


def loaded(tmp_path: Path, positive: str | None = None):
    extra = f"  positive_class: {positive}\n" if positive is not None else ""
    (tmp_path / "mlproject.yaml").write_text(SPEC.format(extra=extra))
    return load_spec(tmp_path / "mlproject.yaml", check_files=False)


def test_zero_one_and_boolean_labels_default_to_1_and_true(tmp_path: Path) -> None:
    spec = loaded(tmp_path)
    assert resolve_positive_class(spec, pd.Series([0, 1, 1, 0]), "t") == 1
    assert resolve_positive_class(spec, pd.Series([True, False]), "t") is True
    assert resolve_positive_class(spec, pd.Series([0.0, 1.0]), "t") == 1.0


def test_other_binary_labels_need_the_spec_to_name_the_positive_class(tmp_path: Path) -> None:
    with pytest.raises(PositiveClassError) as caught:
        resolve_positive_class(loaded(tmp_path), pd.Series(["stayed", "churned", "stayed"]), "data/all.csv")
    message = str(caught.value)
    # the spec line (the `evaluate:` mapping, where the key belongs), the labels found and what to write
    assert "mlproject.yaml:8:1: evaluate.positive_class: " in message
    assert "'churned' and 'stayed'" in message and "data/all.csv" in message
    assert "positive_class:" in caught.value.hint
    with pytest.raises(PositiveClassError):  # 1/2 is not 0/1: which one is positive is not obvious
        resolve_positive_class(loaded(tmp_path), pd.Series([1, 2]), "t")


def test_a_positive_class_that_is_no_label_names_its_line_and_the_closest_label(tmp_path: Path) -> None:
    with pytest.raises(PositiveClassError) as caught:
        resolve_positive_class(loaded(tmp_path, "churnd"), pd.Series(["stayed", "churned"]), "data/all.csv")
    message = str(caught.value)
    assert "mlproject.yaml:10:3: evaluate.positive_class: 'churnd' is not a label" in message
    assert "did you mean 'churned'?" in message


def test_the_named_class_is_found_whatever_yaml_made_of_it(tmp_path: Path) -> None:
    assert resolve_positive_class(loaded(tmp_path, "churned"), pd.Series(["stayed", "churned"]), "t") == "churned"
    # unquoted `yes` is a YAML boolean; the labels are the words: the word as written matches
    assert resolve_positive_class(loaded(tmp_path, "yes"), pd.Series(["no", "yes"]), "t") == "yes"
    assert resolve_positive_class(loaded(tmp_path, "no"), pd.Series(["no", "yes"]), "t") == "no"
    assert resolve_positive_class(loaded(tmp_path, '"2"'), pd.Series([1, 2]), "t") == 2
    assert resolve_positive_class(loaded(tmp_path, "0"), pd.Series([0, 1]), "t") == 0
    assert resolve_positive_class(loaded(tmp_path, "false"), pd.Series([True, False]), "t") is False


def _predictions(positive: str | None) -> Predictions:
    rng = np.random.default_rng(0)
    y = np.where(rng.random(200) < 0.3, "churned", "stayed")
    p_churn = np.clip((y == "churned") * 0.5 + rng.random(200) * 0.6, 0, 1)
    proba = np.column_stack([p_churn, 1 - p_churn])  # columns in classes order: churned, stayed
    y_pred = np.where(p_churn > 0.5, "churned", "stayed")
    return Predictions(y, y_pred, proba, ["churned", "stayed"], np.arange(200), positive)


def test_binary_metrics_score_the_positive_class() -> None:
    p = _predictions("churned")
    names = ["precision", "recall", "f1", "roc_auc", "average_precision", "log_loss"]
    values, problems = compute_metrics(names, "binary", p)
    assert not problems
    truth = p.y_true == "churned"
    assert values["precision"] == pytest.approx(sk.precision_score(p.y_true, p.y_pred, pos_label="churned"))
    assert values["recall"] == pytest.approx(sk.recall_score(p.y_true, p.y_pred, pos_label="churned"))
    assert values["f1"] == pytest.approx(sk.f1_score(p.y_true, p.y_pred, pos_label="churned"))
    assert values["roc_auc"] == pytest.approx(sk.roc_auc_score(truth, p.proba[:, 0]))
    assert values["average_precision"] == pytest.approx(sk.average_precision_score(truth, p.proba[:, 0]))
    # without it, the last class ("stayed") was positive: another f1, and the same log_loss
    other, _ = compute_metrics(names, "binary", _predictions(None))
    assert other["f1"] != pytest.approx(values["f1"])
    assert other["log_loss"] == pytest.approx(values["log_loss"])


def test_deepchecks_sees_the_positive_class_last() -> None:
    assert deepchecks_names(["no", "yes"], "yes") is None  # already last: nothing renamed
    assert deepchecks_names([0, 1], 1) is None
    names = deepchecks_names(["stayed", "churned"], "churned")
    assert names == {"stayed": "negative: stayed", "churned": "positive: churned"}
    assert sorted(names.values())[-1] == "positive: churned"


def test_renamed_classes_keep_each_probability_with_its_class() -> None:
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(1)
    X = pd.DataFrame({"a": rng.normal(size=300)})
    y = np.where(X["a"] + rng.normal(0, 0.5, 300) > 0, "churned", "stayed")
    model = LogisticRegression().fit(X, y)
    renamed = RenamedClasses(model, deepchecks_names(["stayed", "churned"], "churned"))
    assert list(renamed.classes_) == ["negative: stayed", "positive: churned"]
    proba, own = renamed.predict_proba(X), model.predict_proba(X)
    assert np.allclose(proba[:, 1], own[:, list(model.classes_).index("churned")])
    assert set(renamed.predict(X)) == {"negative: stayed", "positive: churned"}
    assert (
        renamed.predict(X) == np.where(model.predict(X) == "churned", "positive: churned", "negative: stayed")
    ).all()
    assert renamed.coef_ is model.coef_  # the model's own attributes (deepchecks reads importances there)
