"""A strict parser for the 5-field cron syntax GitHub Actions accepts in `on.schedule`."""

from __future__ import annotations

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


def parse_cron(expression: str) -> list[set[int]]:
    """Return the allowed values of each field; raise ValueError saying which field is wrong."""
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
