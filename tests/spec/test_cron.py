import pytest

from mlspec.spec.cron import parse_cron


def test_parses_ranges_steps_lists_and_names() -> None:
    minute, hour, dom, month, dow = parse_cron("*/15 2-4 1,15 jan-mar mon-fri")
    assert minute == {0, 15, 30, 45}
    assert hour == {2, 3, 4}
    assert dom == {1, 15}
    assert month == {1, 2, 3}
    assert dow == {1, 2, 3, 4, 5}


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("* * * *", "cron expression needs 5 fields (minute hour day-of-month month day-of-week), got 4"),
        ("60 * * * *", "minute: 60 is outside 0-59"),
        ("* * 0 * *", "day of month: 0 is outside 1-31"),
        ("*/0 * * * *", "minute: step '0' must be a positive number"),
        ("5-1 * * * *", "minute: range '5-1' runs backwards"),
        ("* * * foo *", "month: 'foo' is not a number"),
    ],
)
def test_rejects_with_the_field_named(expression: str, message: str) -> None:
    with pytest.raises(ValueError) as excinfo:
        parse_cron(expression)
    assert str(excinfo.value) == message


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("0 6 31 2 *", "day of month 31 never occurs in February"),
        ("0 0 30 2 *", "day of month 30 never occurs in February"),
        ("0 0 30,31 feb *", "day of month 30 or 31 never occurs in February"),
        ("0 0 31 4,6,9,11 *", "day of month 31 never occurs in April, June, September or November"),
        ("0 0 31 apr *", "day of month 31 never occurs in April"),
    ],
)
def test_rejects_days_that_never_occur(expression: str, message: str) -> None:
    with pytest.raises(ValueError) as excinfo:
        parse_cron(expression)
    assert str(excinfo.value).startswith(message + ", so this schedule never runs")


@pytest.mark.parametrize(
    "expression",
    [
        "0 0 29 2 *",  # leap years
        "0 0 31 2,3 *",  # March 31st
        "0 0 31 * *",
        "0 0 30,31 2 mon",  # both day fields restricted: any Monday in February fires
        "0 0 31 2 1-5",
        "0 0 */30 2 *",  # starts with '*': unrestricted, includes the 1st
        "0 0 * 2 *",
    ],
)
def test_accepts_days_that_occur(expression: str) -> None:
    parse_cron(expression)


def test_every_schedule_field_goes_through_the_check() -> None:
    from pydantic import ValidationError

    from mlspec.render.project_plan import SOAK_CRON
    from mlspec.spec.models import Drift, Triggers

    parse_cron(SOAK_CRON)  # the one schedule mlspec writes itself
    with pytest.raises(ValidationError, match="never occurs in February"):
        Triggers(schedule="0 6 31 2 *")
    with pytest.raises(ValidationError, match="never occurs in April"):
        Drift(current="data/new.csv", schedule="0 0 31 4 *")
