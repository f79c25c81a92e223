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
