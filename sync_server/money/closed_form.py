"""Accumulated depreciation after k months in closed form, for registers of many assets.

`depreciation.accumulated_at` builds the whole monthly schedule with exact fractions; this
module gives the same cents (a test holds them equal) from a plan cached per (method,
convention, life) and a few integer operations per asset:

- straight line and sum-of-the-years'-digits are linear in cost - salvage: month m's exact
  amount is (cost - salvage) * f_m with f_m from the plan, so each month rounds to
  round((cost - salvage) * f_m) and equal f_m form runs;
- declining balance is linear in cost until the year it switches to straight line (or hits
  salvage), and that year is found by comparing cost and salvage against per-year thresholds.

The accumulated amount after k months is then min(sum of the rounded months, cost - salvage),
and cost - salvage once every month has passed (the last month takes the remainder), exactly as
`depreciation._periods` accumulates. Units of production sums its months of use the same way.
Assets with a disposal are not planned here; callers use the schedule for those.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from fractions import Fraction

from sync_server.money import depreciation
from sync_server.money.conventions import month_weights

LINEAR = ("straight_line", "sum_of_years_digits")
DECLINING = {"declining_balance_200": Fraction(2), "declining_balance_150": Fraction(3, 2)}


@dataclass(frozen=True)
class _Run:
    first: int
    count: int
    num: int
    den: int


@dataclass(frozen=True)
class _DecliningPlan:
    """Months in runs of equal weight, and per year of the schedule: the share of cost left at
    its start while declining, and the thresholds of its switch and cap."""

    months: int
    runs: tuple[tuple[int, int, int], ...]  # (year, first month, months)
    declining: tuple[tuple[int, int], ...]  # per run: cost -> month amount while declining
    share: tuple[Fraction, ...]
    switch: tuple[Fraction, ...]  # straight line gives more when cost * switch > salvage
    next_share: tuple[Fraction, ...]  # the year reaches salvage when salvage > cost * next
    straight: tuple[dict[int, tuple[int, int]], ...]  # per switch year: run -> weight / left
    capped: tuple[dict[int, tuple[int, int]], ...]  # per capping year: run -> weight / year


def _runs_of(values: list[Fraction]) -> tuple[_Run, ...]:
    runs: list[_Run] = []
    for m, v in enumerate(values):
        if runs and Fraction(runs[-1].num, runs[-1].den) == v:
            last = runs[-1]
            runs[-1] = _Run(last.first, last.count + 1, last.num, last.den)
        else:
            runs.append(_Run(m, 1, v.numerator, v.denominator))
    return tuple(runs)


@functools.lru_cache(maxsize=4096)
def _linear_plan(method: str, convention: str, life: int) -> tuple[int, tuple[_Run, ...]]:
    unit = depreciation.Basis(
        cost=Decimal(1), start=date(2000, 1, 1), life_months=life, method=method,
        convention=convention,
    )  # fmt: skip
    months_fn = (
        depreciation._straight_line_months
        if method == "straight_line"
        else depreciation._sum_of_years_digits_months
    )
    months, _complete = months_fn(unit)
    return len(months), _runs_of(months)


@functools.lru_cache(maxsize=4096)
def _declining_plan(method: str, convention: str, life: int) -> _DecliningPlan:
    factor = DECLINING[method]
    weights = month_weights(life, convention)
    runs: list[tuple[int, int, Fraction]] = []  # (year, first, weight) per month, merged below
    counts: list[int] = []
    for m, w in enumerate(weights):
        if runs and runs[-1][0] == m // 12 and runs[-1][2] == w:
            counts[-1] += 1
        else:
            runs.append((m // 12, m, w))
            counts.append(1)
    years = (len(weights) + 11) // 12
    year_weight = [sum(weights[12 * y : 12 * y + 12], Fraction(0)) for y in range(years)]
    left = [sum(weights[12 * y :], Fraction(0)) for y in range(years)]
    share = [Fraction(1)]
    for y in range(years):
        share.append(share[y] * (1 - factor * year_weight[y] / life))

    def ratio(value: Fraction) -> tuple[int, int]:
        return value.numerator, value.denominator

    return _DecliningPlan(
        months=len(weights),
        runs=tuple((y, first, n) for (y, first, _w), n in zip(runs, counts, strict=True)),
        declining=tuple(ratio(share[y] * factor * w / life) for y, _f, w in runs),
        share=tuple(share[:years]),
        switch=tuple(share[y] * (1 - factor * left[y] / life) for y in range(years)),
        next_share=tuple(share[1:]),
        straight=tuple(
            {j: ratio(r[2] / left[y]) for j, r in enumerate(runs) if r[0] >= y}
            for y in range(years)
        ),
        capped=tuple(
            {j: ratio(r[2] / year_weight[y]) for j, r in enumerate(runs) if r[0] == y}
            for y in range(years)
        ),
    )


def _round(num: int, den: int) -> int:
    return (2 * num + den) // (2 * den)


def _linear(plan: tuple[int, tuple[_Run, ...]], depreciable: int, months: int) -> int:
    total = 0
    for run in plan[1]:
        if run.first >= months:
            break
        count = min(run.count, months - run.first)
        total += count * _round(depreciable * run.num, run.den)
    return total


def _event(plan: _DecliningPlan, cost: int, salvage: int) -> tuple[str, int]:
    """The first year in which straight line gives more ("straight") or declining balance
    would pass salvage ("capped"); ("declining", years) if neither happens."""
    for y, (sw, nx) in enumerate(zip(plan.switch, plan.next_share, strict=True)):
        if cost * sw.numerator > salvage * sw.denominator:
            return "straight", y
        if salvage * nx.denominator > cost * nx.numerator:
            return "capped", y
    return "declining", len(plan.switch)


def _declining(plan: _DecliningPlan, cost: int, salvage: int, months: int) -> int:
    mode, at = _event(plan, cost, salvage)
    shares = plan.share[at] if at < len(plan.share) else Fraction(0)
    base_num = cost * shares.numerator - salvage * shares.denominator
    base_den = shares.denominator
    after = plan.straight[at] if mode == "straight" else plan.capped[at] if mode == "capped" else {}
    total = 0
    for j, (year, first, count) in enumerate(plan.runs):
        if first >= months or (mode == "capped" and year > at):
            break
        if year < at:
            num, den = plan.declining[j]
            amount = _round(cost * num, den)
        else:
            num, den = after[j]
            amount = _round(base_num * num, base_den * den)
        total += min(count, months - first) * amount
    return total


def accumulated_cents(
    method: str, convention: str, life: int, cost: int, salvage: int, months: int
) -> int:
    """Accumulated depreciation, in cents, after the first `months` months of the schedule
    of an asset that costs `cost` cents with `salvage` cents left at the end, and no disposal."""
    depreciable = cost - salvage
    if months <= 0:
        return 0
    if method in LINEAR:
        plan = _linear_plan(method, convention, life)
        if months >= plan[0]:
            return depreciable
        return min(_linear(plan, depreciable, months), depreciable)
    if method in DECLINING:
        dplan = _declining_plan(method, convention, life)
        if months >= dplan.months:
            return depreciable
        total = _declining(dplan, cost, salvage, months)
        return min(total, depreciable)
    raise ValueError(f"{method} has no closed form here; use the schedule")


def units_accumulated_cents(
    cost: int, salvage: int, expected: int, used: Sequence[tuple[int, int]], months: int
) -> int:
    """Accumulated depreciation, in cents, after the first `months` months of a units-of-
    production schedule; `expected` and `used` ((month index, units) per record, in date order,
    see `depreciation.units_by_date`) in the same unit (hundredths, say). The month that uses
    up `expected` takes the remainder."""
    depreciable = cost - salvage
    per_month: dict[int, int] = {}
    for month, units in used:
        per_month[month] = per_month.get(month, 0) + units
    total = so_far = 0
    for month in sorted(per_month):
        if month >= months:
            break
        now = min(expected, so_far + per_month[month])
        if now == expected:
            return depreciable
        total += _round(depreciable * (now - so_far), expected)
        so_far = now
    return min(total, depreciable)
