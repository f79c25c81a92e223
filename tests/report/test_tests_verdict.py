"""A tests heading whose declared checks errored says so in its verdict, not only in its counts."""

from __future__ import annotations

from mlspec.report.markdown import Detail, _tests_section
from mlspec.state.record import CheckOutcome, TestOutcome


def _outcome(*statuses: str) -> TestOutcome:
    checks = [
        CheckOutcome(name=f"Check{i}", suite="model_evaluation", ran=s != "errored", status=s, reason="boom")
        for i, s in enumerate(statuses)
    ]
    outcome = TestOutcome(kind="model", passed=True, fail_on="fail", errored="warn", checks=checks)
    outcome.passed = not any(outcome.fails(c) for c in checks)
    return outcome


def test_errored_checks_are_in_the_verdict_line() -> None:
    outcome = _outcome("errored", "errored", "passed")
    assert outcome.verdict() == "passed, but 2 declared checks errored"
    heading = _tests_section(outcome, Detail())[0][0]
    assert heading.startswith("#### ⚠️ Model tests: passed, but 2 declared checks errored (3 checks: 2 errored")
    one = _outcome("errored", "passed")
    assert one.verdict() == "passed, but 1 declared check errored"


def test_a_clean_or_failed_verdict_is_unchanged() -> None:
    clean = _outcome("passed", "not_applicable")
    assert clean.verdict() == "passed"
    assert _tests_section(clean, Detail())[0][0].startswith("#### ✅ Model tests: passed (")
    failed = _outcome("failed", "errored")
    assert failed.verdict() == "failed"
    assert _tests_section(failed, Detail())[0][0].startswith("#### ❌ Model tests: failed (")
