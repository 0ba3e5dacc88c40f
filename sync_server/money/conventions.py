"""Depreciation conventions: how much of a month's depreciation each anchored month gets.

Months are anchored on the start date (the in-service date, else the purchase date), so a
schedule never has a partial first month of the calendar kind; the convention decides instead
how the first and last months or years count:

- ``full_month`` (the default): the month the asset goes into service counts whole, so a life
  of L months is exactly L months from the start; in the month of disposal there is none.
- ``mid_month``: the asset is taken as in service from the middle of its first month, so that
  month counts half and half a month is added after the last (L + 1 months, the last half);
  the month of disposal counts half (nothing when disposed in its first month).
- ``half_year``: the first 12 months count half each and 12 more at half are added after the
  last (the textbook "half a year in the first and the last year"); the year of disposal gets
  half a year, spread over its months up to the disposal (nothing when disposed in the first
  year).
"""

from __future__ import annotations

from fractions import Fraction

CONVENTIONS = ("full_month", "mid_month", "half_year")
DEFAULT_CONVENTION = "full_month"
_HALF = Fraction(1, 2)
_ONE = Fraction(1)
_ZERO = Fraction(0)


def month_weights(life_months: int, convention: str) -> list[Fraction]:
    """The share of a full month's depreciation each month of the life gets; they sum to
    `life_months`."""
    if convention == "full_month":
        return [_ONE] * life_months
    if convention == "mid_month":
        return [_HALF, *([_ONE] * (life_months - 1)), _HALF]
    if convention == "half_year":
        edge = min(12, life_months)
        return [_HALF] * edge + [_ONE] * max(0, life_months - 12) + [_HALF] * edge
    raise ValueError(f"unknown convention {convention!r}; one of {', '.join(CONVENTIONS)}")


def cut_at_disposal(weights: list[Fraction], month: int, convention: str) -> list[Fraction]:
    """`weights` for months 0..`month` when the asset is disposed of in month `month` (which
    is before the end of the life): the disposal month or year counts as the convention says."""
    kept = list(weights[: month + 1])
    if convention == "full_month":
        kept[month] = _ZERO
    elif convention == "mid_month":
        kept[month] = _ZERO if month == 0 else min(kept[month], _HALF)
    else:
        first = 12 * (month // 12)
        year_weight = sum(weights[first : first + 12], _ZERO)
        target = _ZERO if first == 0 else min(Fraction(6), year_weight)
        so_far = sum(kept[first:], _ZERO)
        for m in range(first, month + 1):
            kept[m] = target * kept[m] / so_far if so_far else _ZERO
    return kept
