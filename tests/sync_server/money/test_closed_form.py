"""The register's closed form gives the same cents as the schedule, month by month."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sync_server.money import closed_form
from sync_server.money.calendar import ONE_DAY, add_months, months_ended, months_started
from sync_server.money.depreciation import Basis, accumulated_at, schedule

_LIFE_METHODS = [*closed_form.LINEAR, *closed_form.DECLINING]


def _cents(value: Decimal) -> int:
    return int(value * 100)


@given(
    cost=st.integers(min_value=0, max_value=10**12),
    salvage_share=st.fractions(min_value=0, max_value=1),
    method=st.sampled_from(_LIFE_METHODS),
    convention=st.sampled_from(["full_month", "mid_month", "half_year"]),
    life=st.integers(min_value=1, max_value=130),
)
def test_closed_form_equals_the_monthly_schedule_after_every_month(
    cost, salvage_share, method, convention, life
):
    salvage = int(cost * salvage_share)
    b = Basis(
        cost=Decimal(cost).scaleb(-2),
        salvage=Decimal(salvage).scaleb(-2),
        start=date(2024, 5, 31),
        life_months=life,
        method=method,
        convention=convention,
    )
    expected = [0] + [_cents(p.accumulated) for p in schedule(b, "month")]
    got = [
        closed_form.accumulated_cents(method, convention, life, cost, salvage, k)
        for k in range(len(expected) + 2)
    ]
    assert got == expected + [expected[-1]] * 2


@given(
    start=st.dates(min_value=date(2000, 1, 1), max_value=date(2030, 12, 31)),
    on=st.dates(min_value=date(1999, 1, 1), max_value=date(2040, 12, 31)),
    method=st.sampled_from(_LIFE_METHODS),
)
def test_closed_form_at_a_date_equals_accumulated_at(start, on, method):
    b = Basis(cost=Decimal("12345.67"), salvage=Decimal("345.67"), start=start, life_months=61,
              method=method)  # fmt: skip
    months = months_ended(start, on)
    got = closed_form.accumulated_cents(method, "full_month", 61, 1234567, 34567, months)
    assert got == _cents(accumulated_at(b, on))


@given(
    start=st.dates(min_value=date(2000, 1, 1), max_value=date(2030, 12, 31)),
    on=st.dates(min_value=date(1999, 1, 1), max_value=date(2040, 12, 31)),
)
def test_months_started_and_ended_count_the_anchored_months(start, on):
    started, ended = months_started(start, on), months_ended(start, on)
    assert started == sum(1 for k in range(600) if add_months(start, k) <= on)
    assert ended == sum(1 for k in range(600) if add_months(start, k + 1) - ONE_DAY <= on)


def test_closed_form_refuses_units_of_production():
    with pytest.raises(ValueError, match="no closed form"):
        closed_form.accumulated_cents("units_of_production", "full_month", 60, 100, 0, 3)
