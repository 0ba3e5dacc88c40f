"""When a maintenance plan is due: pure, with `today` passed in.

A plan counts from its last completed work order (else its start date): a time plan is due
`every_days` after that; a use plan when the units recorded since (counted use, or meter
readings' rise) reach `every_units`; a sightings plan when the asset has been seen
`every_sightings` times since. Due soon: within `within_days` (time) or 10 % of the interval
left (use, sightings).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

KINDS = ("time", "usage", "sightings")


@dataclass(frozen=True)
class Due:
    """A plan's state: `status` is ok, due_soon, due or overdue; `due_on` for time plans,
    `remaining` (units or sightings left, negative past due) for the others."""

    status: str
    since: date
    due_on: date | None = None
    remaining: Decimal | None = None


def plan_due(
    kind: str,
    every: Decimal,
    since: date,
    today: date,
    used_since: Decimal = Decimal(0),
    within_days: int = 14,
) -> Due:
    """The state of a plan of `kind` with interval `every` (days, units or sightings) last
    done on `since`, given what was used (or how often it was seen) since then."""
    if kind == "time":
        try:
            due_on = since + timedelta(days=int(every))
        except OverflowError:
            return Due("ok", since, date.max)
        if due_on < today:
            status = "overdue"
        elif due_on == today:
            status = "due"
        elif due_on <= today + timedelta(days=within_days):
            status = "due_soon"
        else:
            status = "ok"
        return Due(status, since, due_on=due_on)
    if kind not in KINDS:
        raise ValueError(f"unknown plan kind {kind!r}")
    remaining = every - used_since
    if remaining < 0:
        status = "overdue"
    elif remaining == 0:
        status = "due"
    elif remaining <= every / 10:
        status = "due_soon"
    else:
        status = "ok"
    return Due(status, since, remaining=remaining)
