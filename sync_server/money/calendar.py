"""Month arithmetic anchored on a start date: period k starts k months after the anchor, on the
anchor's day of the month (clamped to the month's last day), so 2024-01-31 + 1 month is
2024-02-29 and + 2 months is 2024-03-31 again (each step is taken from the anchor, not chained)."""

from __future__ import annotations

import calendar
from datetime import date, timedelta

ONE_DAY = timedelta(days=1)


def add_months(anchor: date, months: int) -> date:
    """`anchor` moved by `months` calendar months, its day clamped to the month's length."""
    index = anchor.year * 12 + anchor.month - 1 + months
    year, month0 = divmod(index, 12)
    last = calendar.monthrange(year, month0 + 1)[1]
    return date(year, month0 + 1, min(anchor.day, last))


def months_started(anchor: date, on: date) -> int:
    """How many anchored months have started on or before `on` (0 before the anchor): the
    index of the month containing `on`, plus one."""
    if on < anchor:
        return 0
    months = (on.year - anchor.year) * 12 + on.month - anchor.month
    day = anchor.day
    if day > 28:  # the anchor's day may not exist in `on`'s month: it starts on the last day
        day = min(day, calendar.monthrange(on.year, on.month)[1])
    return months + 1 if on.day >= day else months


def months_ended(anchor: date, on: date) -> int:
    """How many anchored months have ended on or before `on` (a month ends the day before the
    next one starts)."""
    if on == date.max:  # no day after it; every month that started before it has ended
        return months_started(anchor, on)
    return max(0, months_started(anchor, on + ONE_DAY) - 1)
