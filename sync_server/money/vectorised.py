"""`closed_form.accumulated_cents` for many assets of one plan at once, in int64 numpy arrays
(integer cents: exact, never floats). Gives None when a plan's coefficients could overflow
64 bits for these amounts; the caller then uses the per-asset closed form. A test holds the
two equal."""

from __future__ import annotations

import calendar as pycalendar
from datetime import date, timedelta
from fractions import Fraction

import numpy as np
import numpy.typing as npt

from sync_server.money import closed_form

Ints = npt.NDArray[np.int64]
_LIMIT = 2**62  # products stay below this, so sums of a few of them fit int64


def _round(num: Ints, den: Ints | int) -> Ints:
    """num / den rounded half-up (num >= 0, den > 0)."""
    return (2 * num + den) // (2 * np.asarray(den, dtype=np.int64))


def _linear(
    method: str, conv: str, life: int, cost: Ints, salvage: Ints, months: Ints
) -> Ints | None:
    total_months, runs = closed_form._linear_plan(method, conv, life)
    depreciable = cost - salvage
    top = int(depreciable.max(initial=0))
    if any(top * 2 * r.num + r.den >= _LIMIT or r.den >= _LIMIT for r in runs):
        return None
    acc = np.zeros_like(depreciable)
    for r in runs:
        counted = np.clip(months - r.first, 0, r.count)
        acc += counted * _round(depreciable * r.num, r.den)
    acc = np.minimum(acc, depreciable)
    return np.where(months >= total_months, depreciable, np.where(months <= 0, 0, acc))


def _fits(plan: closed_form._DecliningPlan, top: int) -> bool:
    """Whether every product `_declining` forms stays below 2**62 for amounts up to `top`."""
    declining = max((2 * num + den for num, den in plan.declining), default=1)
    fractions = (*plan.share, *plan.switch, *plan.next_share)
    events = max((max(abs(f.numerator), f.denominator) for f in fractions), default=1)
    base = top * max((max(f.numerator, f.denominator) for f in plan.share), default=1)
    ratios = [r for table in (*plan.straight, *plan.capped) for r in table.values()]
    after = max((max(2 * num, den) for num, den in ratios), default=1)
    share_den = max((f.denominator for f in plan.share), default=1)
    return max(top * declining, top * events, base * after, share_den * after * 2) < _LIMIT


def _events(plan: closed_form._DecliningPlan, cost: Ints, salvage: Ints) -> tuple[Ints, Ints]:
    """Per asset: mode (0 declining throughout, 1 straight line from, 2 capped in) and year."""
    years = len(plan.switch)
    mode = np.zeros_like(cost)
    at = np.full_like(cost, years)
    open_ = np.ones(cost.shape, dtype=bool)
    for y, (sw, nx) in enumerate(zip(plan.switch, plan.next_share, strict=True)):
        straight = open_ & (cost * sw.numerator > salvage * sw.denominator)
        mode[straight], at[straight] = 1, y
        open_ &= ~straight
        capped = open_ & (salvage * nx.denominator > cost * nx.numerator)
        mode[capped], at[capped] = 2, y
        open_ &= ~capped
    return mode, at


def _declining(
    method: str, conv: str, life: int, cost: Ints, salvage: Ints, months: Ints
) -> Ints | None:
    plan = closed_form._declining_plan(method, conv, life)
    if not _fits(plan, int(cost.max(initial=0))):
        return None
    mode, at = _events(plan, cost, salvage)
    shares = [*plan.share, Fraction(0)]
    share_num = np.array([s.numerator for s in shares], dtype=np.int64)[at]
    share_den = np.array([s.denominator for s in shares], dtype=np.int64)[at]
    base_num, base_den = cost * share_num - salvage * share_den, share_den
    acc = np.zeros_like(cost)
    for j, (year, first, count) in enumerate(plan.runs):
        num, den = plan.declining[j]
        amount = _round(cost * num, den)
        after_num = np.zeros_like(cost)
        after_den = np.ones_like(cost)
        for y in range(year + 1):  # assets whose switch or cap came in year y <= this run's
            table = plan.straight[y] if y < len(plan.straight) else {}
            capped = plan.capped[y] if y < len(plan.capped) else {}
            for which, ratios in ((1, table), (2, capped)):
                if j in ratios:
                    chosen = (at == y) & (mode == which)
                    after_num[chosen], after_den[chosen] = ratios[j]
        later = at <= year
        amount = np.where(later, _round(base_num * after_num, base_den * after_den), amount)
        amount = np.where(later & (mode == 2) & (at < year), 0, amount)
        acc += np.clip(months - first, 0, count) * amount
    depreciable = cost - salvage
    acc = np.minimum(acc, depreciable)
    return np.where(months >= plan.months, depreciable, np.where(months <= 0, 0, acc))


def accumulated_many(
    method: str, conv: str, life: int, cost: Ints, salvage: Ints, months: Ints
) -> Ints | None:
    """Cents accumulated after `months` months for each asset of one (method, convention,
    life); None when these amounts need more than 64 bits."""
    if method in closed_form.LINEAR:
        return _linear(method, conv, life, cost, salvage, months)
    if method in closed_form.DECLINING:
        return _declining(method, conv, life, cost, salvage, months)
    raise ValueError(f"{method} has no closed form here")


def months_ended_many(starts: npt.NDArray[np.datetime64], on: date) -> Ints:
    """`calendar.months_ended(start, on)` for each of `starts` (on before date.max)."""
    x = on + timedelta(days=1)
    years = starts.astype("datetime64[Y]").astype(np.int64) + 1970
    month_starts = starts.astype("datetime64[M]")
    months0 = month_starts.astype(np.int64) % 12
    days = (starts - month_starts.astype("datetime64[D]")).astype(np.int64) + 1
    last = pycalendar.monthrange(x.year, x.month)[1]
    months = (x.year - years) * 12 + (x.month - 1 - months0)
    started = months + (x.day >= np.minimum(days, last))
    started = np.where(starts > np.datetime64(x, "D"), 0, started)
    ended: Ints = np.maximum(started - 1, 0).astype(np.int64)
    return ended
