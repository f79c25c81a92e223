"""The servability check's pieces without a server (issue 22 item 2.1): every missing value travels as JSON
`null`, a refused request is reported as a rejection with its status and message (not as answers that
differ), the latency figures count only answered requests, and the gate row shows its unit."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd

from mlspec.gate.results import GateReport, GateResult
from mlspec.serve.check import _rows, json_value, rejection_text, verdict


def test_a_missing_value_of_every_dtype_is_json_null() -> None:
    frame = pd.DataFrame(
        {
            "x": [1.5, np.nan],
            "text": ["north", np.nan],  # what read_csv gives for a gap in a text column
            "obj": ["a", None],
            "when": pd.to_datetime(["2026-01-02", None]),
            "count": pd.array([3, pd.NA], dtype="Int64"),
            "flag": pd.array([True, pd.NA], dtype="boolean"),
            "name": pd.array(["z", pd.NA], dtype="string"),
            "n": np.array([7, 8], dtype=np.int64),
        }
    )
    rows = _rows(frame)
    assert rows[1] == dict.fromkeys(frame.columns, None) | {"n": 8}
    assert rows[0] == {
        "x": 1.5,
        "text": "north",
        "obj": "a",
        "when": "2026-01-02T00:00:00",
        "count": 3,
        "flag": True,
        "name": "z",
        "n": 7,
    }
    assert all(type(v) in (int, float, str, bool) for v in rows[0].values())
    json.dumps(rows, allow_nan=False)  # strict JSON: no NaN token anywhere
    assert json_value(np.float64(math.nan)) is None and json_value(pd.NaT) is None


def test_a_refusal_names_its_status_and_what_was_refused() -> None:
    body = {
        "error": "2 validation errors for Input",
        "detail": [
            {"type": "string_type", "loc": ["rows", 0, "region"], "msg": "Input should be a valid string"},
            {"type": "extra_forbidden", "loc": ["rows", 3, "colour"], "msg": "Extra inputs are not permitted"},
        ],
    }
    assert rejection_text(400, body, json.dumps(body)) == (
        "HTTP 400: rows[0].region: Input should be a valid string; rows[3].colour: Extra inputs are not permitted"
    )
    assert rejection_text(500, {"error": "boom"}, '{"error": "boom"}') == "HTTP 500: boom"
    assert rejection_text(503, None, "Service\n  Unavailable") == "HTTP 503: Service Unavailable"
    assert rejection_text(0, None, "no answer (ConnectionError)") == "no answer (ConnectionError)"


def _figures(**changes: object) -> dict:
    figures = {
        "rows": 100,
        "mismatches": 0,
        "examples": [],
        "rejections": 0,
        "rejected": [],
        "latency_ms": {"requests": 100, "answered": 100, "failed": 0, "p50": 2.0, "p95": 9.4, "max": 12.0},
    }
    return figures | changes


def test_rejections_are_not_reported_as_answers_that_differ() -> None:
    outcome, reason = verdict(
        _figures(
            rejections=1,
            rejected=["/predict rows 0-99: HTTP 400: rows[0].region: Input should be a valid string"],
            latency_ms={"requests": 100, "answered": 88, "failed": 12, "p50": 2.0, "p95": 9.4, "max": 12.0},
        ),
        None,
    )
    assert outcome == "fail"
    assert reason == (
        "the service rejected 1 batch request(s) of test rows (first: /predict rows 0-99: HTTP 400: "
        "rows[0].region: Input should be a valid string); the service rejected 12 of 100 one-row /predict "
        "requests (100 test rows sent; one-row /predict p50 2 ms, p95 9.4 ms (88 answered requests))"
    )
    assert "differ" not in reason


def test_only_answered_requests_are_timed_and_none_answered_fails_the_slo() -> None:
    none_answered = {"requests": 100, "answered": 0, "failed": 100, "p50": None, "p95": None, "max": None}
    outcome, reason = verdict(
        _figures(
            rejected=["/predict row 0: HTTP 400: rows[0].x: Input should be a valid number"],
            latency_ms=none_answered,
        ),
        50,
    )
    assert outcome == "fail"
    assert reason == (
        "the service rejected 100 of 100 one-row /predict requests (first: /predict row 0: HTTP 400: rows[0].x: "
        "Input should be a valid number); no one-row request was answered, so the p95 latency cannot meet "
        "serve.slo.p95_ms 50 ms (100 test rows served equal to the in-process predictions; one-row /predict "
        "p50 n/a, p95 n/a (0 answered requests), SLO p95 <= 50 ms)"
    )


def test_the_serving_gate_row_shows_the_latency_with_its_unit() -> None:
    def row(value: float | None) -> GateResult:
        return GateResult(-1, "p95_ms", "serving", "lower", "served = in-process", "pass", "", value=value)

    assert row(9.4).value_text() == "p95 9.4 ms"
    assert row(123.456).value_text() == "p95 123.5 ms"
    assert row(0.734).value_text() == "p95 0.73 ms"
    assert row(None).value_text() == "n/a"
    metric = GateResult(0, "roc_auc", "absolute", "higher", "roc_auc >= 0.9", "pass", "", value=0.95)
    assert metric.value_text() == "0.9500"
    report = GateReport("p", "run", "staging", "p:v1", None, "none", results=[metric, row(9.4)])
    assert "| served = in-process | p95 9.4 ms |" in report.markdown_table()
    assert "p95 9.4 ms" in report.text_table()
