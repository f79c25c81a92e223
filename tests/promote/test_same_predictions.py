"""Comparing two runs' test-set predictions (mlspec/promote/same_predictions.py) and how a difference is shown."""

from __future__ import annotations

import pytest

from mlspec.promote.reviewed import describe
from mlspec.promote.same_predictions import compare_predictions

BINARY = b"row,y_true,y_pred,proba_0,proba_1\na,0,0,0.9,0.1\nb,1,1,0.2,0.8\nc,1,1,0.35,0.65\n"
REGRESSION = b"row,y_true,y_pred\n1,3.5,3.25\n2,1.0,0.75\n3,2.0,2.125\n"


def test_identical_predictions_are_the_same() -> None:
    result = compare_predictions(BINARY, BINARY, "binary")
    assert result.same and result.rows == 3 and result.differing == 0 and result.max_abs == 0.0


def test_row_order_does_not_matter() -> None:
    lines = BINARY.decode().splitlines()
    shuffled = "\n".join([lines[0], lines[3], lines[1], lines[2]]).encode() + b"\n"
    assert compare_predictions(BINARY, shuffled, "binary").same


def test_a_different_label_differs_exactly() -> None:
    other = BINARY.replace(b"c,1,1,", b"c,1,0,")
    result = compare_predictions(BINARY, other, "binary")
    assert not result.same and result.differing == 1
    assert [(d.row, d.column, d.ours, d.reviewed) for d in result.examples] == [("c", "y_pred", "1", "0")]


def test_probabilities_within_the_tolerance_are_the_same() -> None:
    other = BINARY.replace(b"0.35,0.65", b"0.3500000000001,0.6499999999999")
    result = compare_predictions(BINARY, other, "binary")
    assert result.same and result.max_abs is not None and 0 < result.max_abs < 1e-12


def test_probabilities_beyond_the_tolerance_differ() -> None:
    other = BINARY.replace(b"0.35,0.65", b"0.3501,0.6499")
    result = compare_predictions(BINARY, other, "binary")
    assert not result.same and result.differing == 1
    assert result.max_abs == pytest.approx(1e-4)
    assert {d.column for d in result.examples} == {"proba_0", "proba_1"}


def test_regression_predictions_are_numbers() -> None:
    assert compare_predictions(REGRESSION, REGRESSION.replace(b"3.25", b"3.250000000"), "regression").same
    result = compare_predictions(REGRESSION, REGRESSION.replace(b"0.75", b"0.76"), "regression")
    assert not result.same and result.differing == 1 and result.max_abs == pytest.approx(0.01)
    # for a classifier the same text is a label: "3.25" and "3.250000000" are different labels
    assert not compare_predictions(REGRESSION, REGRESSION.replace(b"3.25", b"3.250000000"), "multiclass").same


def test_missing_and_extra_rows_and_columns_are_problems() -> None:
    other = b"row,y_true,y_pred,proba_0\na,0,0,0.9\nb,1,1,0.2\nz,1,1,0.3\n"
    result = compare_predictions(BINARY, other, "binary")
    assert not result.same
    assert result.problems == [
        "only this run has the column(s) `proba_1`",
        "1 row(s) of this run are not in the reviewed run",
        "1 row(s) of the reviewed run are not in this run",
    ]


def test_repeated_row_keys_match_in_order() -> None:
    ours = b"row,y_true,y_pred\nk,0,0\nk,1,1\n"
    assert compare_predictions(ours, ours, "binary").same
    assert not compare_predictions(ours, b"row,y_true,y_pred\nk,1,1\nk,0,0\n", "binary").same


def test_not_a_predictions_table_is_an_error() -> None:
    with pytest.raises(ValueError, match="the reviewed run's predictions have no column y_pred"):
        compare_predictions(BINARY, b"row,y_true\n1,0\n", "binary")
    with pytest.raises(ValueError, match="the reviewed run's predictions are not a CSV table"):
        compare_predictions(BINARY, b"", "binary")


def test_the_description_escapes_the_reviewed_values() -> None:
    other = BINARY.replace(b"c,1,1,", b"c,1,<img src=x> @team |,")
    lines = describe(compare_predictions(BINARY, other, "binary"))
    assert lines[0] == "- 1 of 3 rows predict differently"
    assert "| `c` | `y_pred` | `1` | `<img src=x> @team \\|` |" in lines
