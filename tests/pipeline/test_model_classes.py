"""A classifier fitted on codes of the label (0, 1, 2 for text classes) predicts values no label has: the train
stage says so (the run passed with accuracy 0 and every other metric n/a)."""

from __future__ import annotations

import pandas as pd
import pytest
from sklearn.dummy import DummyClassifier

from mlspec.pipeline.training import TrainingError, check_model_classes

X = pd.DataFrame({"a": [1.0, 2.0, 3.0, 4.0]})
TEXT = pd.Series(["rust", "blight", "healthy", "rust"])


def test_a_classifier_fitted_on_codes_of_text_labels_is_a_training_error() -> None:
    model = DummyClassifier().fit(X, TEXT.map({"healthy": 0, "rust": 1, "blight": 2}))
    with pytest.raises(TrainingError) as caught:
        check_model_classes(model, TEXT, "condition", "train.entrypoint src/train.py:train")
    assert caught.value.message == (
        "train.entrypoint src/train.py:train returned a classifier whose classes (0, 1, 2) are none of the values of "
        "the label 'condition' ('blight', 'healthy', 'rust'), so no prediction could equal a label"
    )
    assert caught.value.hint is not None and caught.value.hint.startswith("fit the model on the label as given (y)")


@pytest.mark.parametrize(
    ("fitted_on", "labels"),
    [
        (TEXT, TEXT),  # as given
        (pd.Series([0, 1, 0, 1]), pd.Series([False, True, False, True])),  # 0/1 and booleans compare equal
        (pd.Series([0.0, 1.0, 0.0, 1.0]), pd.Series([0, 1, 0, None])),  # floats and ints, a gap in the labels
        (pd.Series(["rust", "blight", "rust", "rust"]), TEXT),  # a class left out on purpose: some still match
    ],
)
def test_classes_that_are_the_label_values_pass(fitted_on: pd.Series, labels: pd.Series) -> None:
    check_model_classes(DummyClassifier().fit(X, fitted_on), labels, "y", "train.command")


def test_a_model_without_classes_is_left_to_the_other_checks() -> None:
    check_model_classes(object(), TEXT, "y", "train.command")
