"""A strict parser for the 5-field cron syntax GitHub Actions accepts in `on.schedule`.

An expression that parses but names no day that ever occurs (``0 6 31 2 *``: February 31st) is refused too: GitHub
accepts it and the workflow never runs. Cron's day rule: when both day-of-month and day-of-week are restricted
(neither starts with ``*``), a day matches either field, so the day-of-week alone makes the schedule fire; otherwise
both must match, and a day-of-month that starts with ``*`` always includes the 1st. So the only schedule that never
fires is a restricted day-of-month with an unrestricted day-of-week whose days exist in none of the months: days
longer than the month (30 and 31 in February, 31 in April, June, September, November). February 29th occurs (leap
years) and is accepted.
"""

from __future__ import annotations

from collections.abc import Iterable

_FIELDS: tuple[tuple[str, int, int, dict[str, int]], ...] = (
    ("minute", 0, 59, {}),
    ("hour", 0, 23, {}),
    ("day of month", 1, 31, {}),
    ("month", 1, 12, {n: i + 1 for i, n in enumerate("jan feb mar apr may jun jul aug sep oct nov dec".split())}),
    ("day of week", 0, 6, {n: i for i, n in enumerate("sun mon tue wed thu fri sat".split())}),
)


def _value(text: str, low: int, high: int, names: dict[str, int], field: str) -> int:
    lowered = text.lower()
    if lowered in names:
        return names[lowered]
    if not text.isdigit():
        raise ValueError(f"{field}: {text!r} is not a number")
    number = int(text)
    if not low <= number <= high:
        raise ValueError(f"{field}: {number} is outside {low}-{high}")
    return number


# The longest each month gets (February: 29 in a leap year).
_MONTH_DAYS = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
_MONTH_NAMES = "January February March April May June July August September October November December".split()


def _restricted(field: str) -> bool:
    """Cron's rule (Vixie cron, POSIX): a day field that starts with ``*`` is unrestricted."""
    return not field.startswith("*")


def _days(values: Iterable[int]) -> str:
    ordered = sorted(values)
    return ", ".join(str(v) for v in ordered[:-1]) + (" or " if len(ordered) > 1 else "") + str(ordered[-1])


def check_fires(expression: str, fields: list[set[int]]) -> None:
    """Raise ValueError when the parsed ``fields`` of ``expression`` name no day that ever occurs."""
    parts = expression.split()
    dom_field, dow_field = parts[2], parts[4]
    if not _restricted(dom_field) or _restricted(dow_field):
        return  # the 1st of every month, or any weekday (either-field rule): some day always matches
    days, months = fields[2], fields[3]
    if any(day <= _MONTH_DAYS[month - 1] for month in months for day in days):
        return
    names = [_MONTH_NAMES[m - 1] for m in sorted(months)]
    listed = ", ".join(names[:-1]) + (" or " if len(names) > 1 else "") + names[-1]
    raise ValueError(
        f"day of month {_days(days)} never occurs in {listed}, so this schedule never runs; "
        "name a day the month has (February has 28 days, 29 in leap years; "
        "April, June, September and November have 30)"
    )


def parse_cron(expression: str) -> list[set[int]]:
    """Return the allowed values of each field; raise ValueError saying which field is wrong, or that the
    expression names no day that ever occurs."""
    fields = _parse_fields(expression)
    check_fires(expression, fields)
    return fields


def _parse_fields(expression: str) -> list[set[int]]:
    parts = expression.split()
    if len(parts) != 5:
        raise ValueError(
            f"cron expression needs 5 fields (minute hour day-of-month month day-of-week), got {len(parts)}"
        )
    result: list[set[int]] = []
    for part, (field, low, high, names) in zip(parts, _FIELDS, strict=True):
        allowed: set[int] = set()
        for item in part.split(","):
            rng, _, step_text = item.partition("/")
            step = 1
            if step_text:
                if not step_text.isdigit() or int(step_text) == 0:
                    raise ValueError(f"{field}: step {step_text!r} must be a positive number")
                step = int(step_text)
            if rng == "*":
                start, end = low, high
            elif "-" in rng:
                a, _, b = rng.partition("-")
                start, end = _value(a, low, high, names, field), _value(b, low, high, names, field)
                if start > end:
                    raise ValueError(f"{field}: range {rng!r} runs backwards")
            else:
                start = _value(rng, low, high, names, field)
                end = high if step_text else start
            allowed.update(range(start, end + 1, step))
        result.append(allowed)
    return result
