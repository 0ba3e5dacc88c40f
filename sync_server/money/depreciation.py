"""Depreciation schedules (contract 2.5) as pure functions: no database, no clock, no floats.

Rules of this file:
- Amounts come in and go out as `Decimal` with two places. Inside, amounts are exact
  fractions, so rounding half-up never meets a representation error (1/3 of a cent stays 1/3).
- A schedule is built from anchored months (`calendar.py`): month k runs from start + k months
  to the day before start + k + 1 months; a yearly period is 12 such months, so periods follow
  the start date's day and month. The last period is shorter when the months run out.
- Each method (one public function per method) gives the exact depreciation of every month;
  `_periods` sums the months of each period, rounds it half-up to the cent, never lets the
  accumulated depreciation pass cost - salvage, and gives the last period of a complete
  schedule the remainder, so the book value ends exactly at salvage.
- A disposal ends the schedule at the disposal date (the convention decides the last month or
  year); the remainder rule does not apply then, the book value is what is left.
- The book value at a date is the monthly schedule's book value after the last month that
  ended on or before it (cost before the first month ends).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from fractions import Fraction

from sync_server.money.calendar import ONE_DAY, add_months, months_started
from sync_server.money.conventions import CONVENTIONS, cut_at_disposal, month_weights

METHODS = (
    "straight_line",
    "declining_balance_200",
    "declining_balance_150",
    "sum_of_years_digits",
    "units_of_production",
)
PERIODS = ("year", "month")
MAX_LIFE_MONTHS = 1200
LAST_YEAR = 9999  # dates end there
_ZERO = Fraction(0)


class DepreciationError(ValueError):
    """The basis cannot be depreciated as given (the message says which field and why)."""


@dataclass(frozen=True)
class Usage:
    """Recorded use for units of production: counted `units`, or a cumulative meter
    `reading` (units used = the rise since the previous reading)."""

    on: date
    units: Decimal | None = None
    reading: Decimal | None = None


@dataclass(frozen=True)
class Basis:
    """What a schedule is computed from; `start` is the in-service date, else the purchase
    date. `life_months` is not needed for units of production."""

    cost: Decimal
    start: date
    life_months: int | None
    method: str = "straight_line"
    salvage: Decimal = Decimal(0)
    convention: str = "full_month"
    expected_units: Decimal | None = None
    usage: tuple[Usage, ...] = ()
    disposed_on: date | None = None

    def __post_init__(self) -> None:
        _validate(self)


@dataclass(frozen=True)
class Period:
    """One period of a schedule; amounts are `Decimal` with two places."""

    start: date
    end: date
    depreciation: Decimal
    accumulated: Decimal
    book_value: Decimal


@dataclass(frozen=True)
class Disposal:
    """The result of disposing of an asset: its book value then and the gain (or loss, < 0)."""

    on: date
    proceeds: Decimal
    accumulated: Decimal
    book_value: Decimal
    gain_loss: Decimal


def _cents_of(value: Decimal, field: str) -> int:
    if not value.is_finite() or value < 0:
        raise DepreciationError(f"{field} must be a non-negative amount, not {value}")
    scaled = value * 100
    if scaled != scaled.to_integral_value():
        raise DepreciationError(f"{field} {value} has more than two decimal places")
    return int(scaled)


def _validate(b: Basis) -> None:
    if b.method not in METHODS:
        raise DepreciationError(f"depreciation_method must be one of {', '.join(METHODS)}")
    if b.convention not in CONVENTIONS:
        raise DepreciationError(f"convention must be one of {', '.join(CONVENTIONS)}")
    if _cents_of(b.salvage, "salvage_value") > _cents_of(b.cost, "purchase_cost"):
        raise DepreciationError("salvage_value cannot exceed purchase_cost")
    if b.method == "units_of_production":
        if b.expected_units is None or not b.expected_units.is_finite() or b.expected_units <= 0:
            raise DepreciationError("units_of_production needs expected_units > 0")
        units_by_date(b.usage, b.start)  # checks the usage records
    elif b.life_months is None or not 1 <= b.life_months <= MAX_LIFE_MONTHS:
        raise DepreciationError(f"useful_life_months must be 1..{MAX_LIFE_MONTHS} for {b.method}")
    last = max([u.on for u in b.usage] + [b.disposed_on or b.start, b.start])
    if max(b.start.year + (b.life_months or 0) // 12, last.year) + 3 > LAST_YEAR:
        raise DepreciationError(f"a schedule to {last} or later would run past {LAST_YEAR}")


def round_cents(value: Fraction) -> int:
    """`value` (>= 0) rounded half-up to whole cents."""
    num, den = value.numerator * 100, value.denominator
    return (2 * num + den) // (2 * den)


def to_decimal(cents: int) -> Decimal:
    """Whole cents as a two-place `Decimal`."""
    return Decimal(cents).scaleb(-2)


# -- months -----------------------------------------------------------------------------------


def _months(b: Basis) -> tuple[list[Fraction], list[Fraction], bool]:
    """(weights of the schedule's months, weights of the whole life, complete?) for the
    life-based methods; a disposal before the end cuts the months and makes it incomplete."""
    assert b.life_months is not None
    full = month_weights(b.life_months, b.convention)
    if b.disposed_on is None:
        return full, full, True
    month = months_started(b.start, b.disposed_on) - 1
    if month >= len(full):
        return full, full, True
    if month < 0:
        return [], full, False
    return cut_at_disposal(full, month, b.convention), full, False


def _straight_line_months(b: Basis) -> tuple[list[Fraction], bool]:
    weights, full, complete = _months(b)
    depreciable = Fraction(b.cost - b.salvage)
    life = sum(full, _ZERO)
    return [depreciable * w / life for w in weights], complete


def _sum_of_years_digits_months(b: Basis) -> tuple[list[Fraction], bool]:
    """The digits belong to years of life (12 weighted months each), not to periods, so under
    mid-month or half-year a period straddles two years of life (the textbook allocation)."""
    weights, full, complete = _months(b)
    life = sum(full, _ZERO)
    years = math.ceil(life / 12)
    lengths = [min(Fraction(12), life - 12 * i) for i in range(years)]
    digits = [life / 12 - i for i in range(years)]
    total = sum((d * n / 12 for d, n in zip(digits, lengths, strict=True)), _ZERO)
    slope = [Fraction(b.cost - b.salvage) * d / total / 12 for d in digits]
    out, tau, year = [], _ZERO, 0
    for w in weights:
        end = 12 * year + lengths[year] if year < years else tau
        if tau + w < end:  # the whole month lies in one year of life: the usual case
            out.append(slope[year] * w)
            tau += w
            continue
        amount, left = _ZERO, w
        while left > 0 and year < years:
            room = 12 * year + lengths[year] - tau
            step = min(left, room)
            amount += slope[year] * step
            tau, left = tau + step, left - step
            if step == room:
                year += 1
        out.append(amount)
    return out, complete


def _declining_months(b: Basis, factor: Fraction) -> tuple[list[Fraction], bool]:
    """Declining balance per year of the schedule (rate factor / life in years on the book
    value), switching to straight line over the remaining life when that gives more, never
    below salvage; each year's amount is spread over its months by weight."""
    weights, full, complete = _months(b)
    assert b.life_months is not None
    book, salvage = Fraction(b.cost), Fraction(b.salvage)
    out: list[Fraction] = []
    for first in range(0, len(weights), 12):
        year = weights[first : first + 12]
        weight, remaining = sum(year, _ZERO), sum(full[first:], _ZERO)
        if weight == 0:
            out.extend(_ZERO for _ in year)
            continue
        declining = book * factor * weight / b.life_months
        straight = (book - salvage) * weight / remaining
        amount = max(_ZERO, min(max(declining, straight), book - salvage))
        book -= amount
        out.extend(amount * w / weight for w in year)
    return out, complete


def units_by_date(usage: Sequence[Usage], start: date) -> list[tuple[date, Fraction]]:
    """Units used per record, in date order: counted units as given, meter readings as the
    rise since the previous reading (the last reading on or before the start is the base)."""
    used: list[tuple[date, Fraction]] = []
    last_reading: Fraction = _ZERO
    for u in sorted(usage, key=lambda u: u.on):
        if (u.units is None) == (u.reading is None):
            raise DepreciationError(f"usage on {u.on}: give units or a meter reading, not both")
        value = u.units if u.units is not None else u.reading
        assert value is not None
        if not value.is_finite() or value < 0:
            raise DepreciationError(f"usage on {u.on}: {value} is not a non-negative number")
        if u.units is not None:
            used.append((u.on, Fraction(u.units)))
            continue
        reading = Fraction(value)
        if reading < last_reading:
            raise DepreciationError(f"meter reading on {u.on} ({value}) is below an earlier one")
        if u.on > start:
            used.append((u.on, reading - last_reading))
        last_reading = reading
    return used


def _units_of_production_months(b: Basis) -> tuple[list[Fraction], bool]:
    """Depreciation in proportion to units used, month by month, up to the expected units;
    the schedule runs to the month of the last use (or of the disposal) and is complete once
    the expected units are used. Use dated before the start counts in the first month."""
    assert b.expected_units is not None
    expected = Fraction(b.expected_units)
    per_unit = Fraction(b.cost - b.salvage) / expected
    units: dict[int, Fraction] = {}
    for on, amount in units_by_date(b.usage, b.start):
        if b.disposed_on is not None and on > b.disposed_on:
            continue
        month = max(0, months_started(b.start, on) - 1)
        units[month] = units.get(month, _ZERO) + amount
    months = max(units, default=-1) + 1
    if b.disposed_on is not None:
        months = months_started(b.start, b.disposed_on)
    out, used = [], _ZERO
    for month in range(months):
        now = min(expected, used + units.get(month, _ZERO))
        out.append(per_unit * (now - used))
        used = now
        if used == expected:  # complete, even if it is disposed of later
            return out, True
    return out, False


# -- periods ----------------------------------------------------------------------------------


def _periods(b: Basis, months: list[Fraction], complete: bool, period: str) -> list[Period]:
    if period not in PERIODS:
        raise DepreciationError(f"period must be one of {', '.join(PERIODS)}")
    size = 12 if period == "year" else 1
    cost = _cents_of(b.cost, "purchase_cost")
    depreciable = cost - _cents_of(b.salvage, "salvage_value")
    out: list[Period] = []
    accumulated = 0
    for first in range(0, len(months), size):
        last = min(first + size, len(months))
        if complete and last == len(months):
            amount = depreciable - accumulated
        else:
            exact = months[first] if size == 1 else sum(months[first:last], _ZERO)
            amount = min(round_cents(exact), depreciable - accumulated)
        accumulated += amount
        end = add_months(b.start, last) - ONE_DAY
        if not complete and last == len(months) and b.disposed_on is not None:
            end = b.disposed_on
        out.append(
            Period(
                start=add_months(b.start, first),
                end=end,
                depreciation=to_decimal(amount),
                accumulated=to_decimal(accumulated),
                book_value=to_decimal(cost - accumulated),
            )
        )
    return out


_MonthsFn = Callable[[Basis], tuple[list[Fraction], bool]]


def _schedule_of(months_fn: _MonthsFn, b: Basis, period: str) -> list[Period]:
    months, complete = months_fn(b)
    return _periods(b, months, complete, period)


def straight_line(b: Basis, period: str = "year") -> list[Period]:
    """Cost - salvage in equal shares per weighted month of the life."""
    return _schedule_of(_straight_line_months, b, period)


def declining_balance_200(b: Basis, period: str = "year") -> list[Period]:
    """Double declining balance (2 / life in years), switching to straight line."""
    return _schedule_of(lambda x: _declining_months(x, Fraction(2)), b, period)


def declining_balance_150(b: Basis, period: str = "year") -> list[Period]:
    """150 % declining balance (1.5 / life in years), switching to straight line."""
    return _schedule_of(lambda x: _declining_months(x, Fraction(3, 2)), b, period)


def sum_of_years_digits(b: Basis, period: str = "year") -> list[Period]:
    """Year i of an n-year life takes (n - i) / (1 + ... + n) of cost - salvage."""
    return _schedule_of(_sum_of_years_digits_months, b, period)


def units_of_production(b: Basis, period: str = "year") -> list[Period]:
    """(cost - salvage) / expected units per unit used."""
    return _schedule_of(_units_of_production_months, b, period)


SCHEDULES: dict[str, Callable[[Basis, str], list[Period]]] = {
    "straight_line": straight_line,
    "declining_balance_200": declining_balance_200,
    "declining_balance_150": declining_balance_150,
    "sum_of_years_digits": sum_of_years_digits,
    "units_of_production": units_of_production,
}


def schedule(b: Basis, period: str = "year") -> list[Period]:
    """The schedule of `b` by its method, in yearly or monthly periods."""
    return SCHEDULES[b.method](b, period)


def accumulated_at(b: Basis, on: date) -> Decimal:
    """Accumulated depreciation after the last month that ended on or before `on`."""
    total = Decimal("0.00")
    for p in schedule(b, "month"):
        if p.end > on:
            break
        total = p.accumulated
    return total


def book_value_at(b: Basis, on: date) -> Decimal:
    """Cost less the depreciation accumulated by `on` (see `accumulated_at`)."""
    return b.cost.quantize(Decimal("0.01")) - accumulated_at(b, on)


def dispose(b: Basis, on: date, proceeds: Decimal) -> Disposal:
    """Dispose of the asset on `on` for `proceeds`: depreciation up to then (by the convention),
    the book value left, and the gain (proceeds above book value) or loss (negative)."""
    _cents_of(proceeds, "proceeds")
    cut = replace(b, disposed_on=on)
    periods = schedule(cut, "month")
    accumulated = periods[-1].accumulated if periods else Decimal("0.00")
    book = b.cost.quantize(Decimal("0.01")) - accumulated
    return Disposal(
        on=on,
        proceeds=proceeds.quantize(Decimal("0.01")),
        accumulated=accumulated,
        book_value=book,
        gain_loss=proceeds.quantize(Decimal("0.01")) - book,
    )
