"""deepchecks' model checks run for labels of every kind: multiclass strings (they errored with pos_label=1 under
scikit-learn 1.7), multiclass integers without a 1, binary strings and booleans; their numbers are those of the
same labels coded as 0..k-1."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
from sklearn.datasets import load_wine
from sklearn.ensemble import RandomForestClassifier

from mlspec.pipeline.checks import run_tests

pytestmark = pytest.mark.slow

CHECKS = [{"name": "TrainTestPerformance"}, {"name": "SimpleModelComparison"}]


def _outcome(labels: dict[int, object], tmp_path, binary: bool = False):
    from mlspec.pipeline.data import to_datasets
    from mlspec.spec.models import ModelTests

    X, y = load_wine(return_X_y=True, as_frame=True)
    if binary:
        y = (y == 0).astype(int)
    frame = X.round(6).assign(target=y.map(labels))
    order = np.random.default_rng(0).permutation(len(frame))
    train, test = frame.iloc[order[:130]], frame.iloc[order[130:]]
    features = list(X.columns)
    model = RandomForestClassifier(n_estimators=20, max_depth=4, random_state=0).fit(train[features], train["target"])
    tables = SimpleNamespace(
        train=train, test=test, features=features, label="target", index=None, datetime=None, categorical=[]
    )
    tests = ModelTests.model_validate({"suites": [], "checks": CHECKS})
    task = "binary" if binary else "multiclass"
    return run_tests("model", tests, to_datasets(tables), model, tmp_path, 0, task)


def _values(outcome) -> dict[str, str]:
    return {c.name: " | ".join(f"{x.category} {x.details}" for x in c.conditions) for c in outcome.checks}


@pytest.mark.parametrize(
    "labels",
    [
        {0: "barolo", 1: "grignolino", 2: "barbera"},  # sorted: barbera, barolo, grignolino
        {0: 3, 1: 5, 2: 7},
    ],
)
def test_multiclass_labels_without_a_1_run_the_degradation_checks(tmp_path, labels) -> None:
    outcome = _outcome(labels, tmp_path / "named")
    assert {c.name: c.status for c in outcome.checks} == {
        "TrainTestPerformance": "passed",
        "SimpleModelComparison": "passed",
    }, [(c.name, c.reason) for c in outcome.checks]
    # the same numbers as with labels 0, 1, 2 in the same order; only the class names in the details differ
    ranks = {code: rank for rank, code in enumerate(sorted(labels, key=lambda c: labels[c]))}
    coded = _outcome(ranks, tmp_path / "coded")
    named, plain = _values(outcome), _values(coded)
    for name in named:
        text = named[name]
        for code, value in labels.items():
            text = text.replace(f"class {value}", f"class {ranks[code]}")
        assert text == plain[name]


@pytest.mark.parametrize("labels", [{0: "no", 1: "yes"}, {0: False, 1: True}])
def test_binary_string_and_boolean_labels_run_the_degradation_checks(tmp_path, labels) -> None:
    outcome = _outcome(labels, tmp_path, binary=True)
    assert {c.status for c in outcome.checks} == {"passed"}, [(c.name, c.reason) for c in outcome.checks]
