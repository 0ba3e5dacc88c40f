"""The numpy pass equals the per-asset closed form (and so the schedule), or steps aside."""

from __future__ import annotations

from datetime import date

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from sync_server.money import closed_form, vectorised
from sync_server.money.calendar import months_ended

_METHODS = [*closed_form.LINEAR, *closed_form.DECLINING]


@given(
    method=st.sampled_from(_METHODS),
    convention=st.sampled_from(["full_month", "mid_month", "half_year"]),
    life=st.integers(min_value=1, max_value=130),
    assets=st.lists(
        st.tuples(
            st.integers(min_value=0, max_value=10**12),
            st.fractions(min_value=0, max_value=1),
            st.integers(min_value=0, max_value=160),
        ),
        min_size=1,
        max_size=30,
    ),
)
def test_numpy_pass_equals_the_closed_form_per_asset(method, convention, life, assets):
    cost = np.array([c for c, _, _ in assets], dtype=np.int64)
    salvage = np.array([int(c * share) for c, share, _ in assets], dtype=np.int64)
    months = np.array([k for _, _, k in assets], dtype=np.int64)
    got = vectorised.accumulated_many(method, convention, life, cost, salvage, months)
    if got is None:  # amounts too large for 64 bits with this plan: the caller goes per asset
        return
    expected = [
        closed_form.accumulated_cents(method, convention, life, int(c), int(s), int(k))
        for c, s, k in zip(cost, salvage, months, strict=True)
    ]
    assert got.tolist() == expected


@given(
    starts=st.lists(st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31)), min_size=1),
    on=st.dates(min_value=date(1899, 1, 1), max_value=date(2200, 1, 1)),
)
def test_months_ended_many_equals_months_ended(starts, on):
    got = vectorised.months_ended_many(np.array(starts, dtype="datetime64[D]"), on)
    assert got.tolist() == [months_ended(s, on) for s in starts]


def test_typical_registers_fit_64_bits():
    cost = np.array([10**8, 5 * 10**9], dtype=np.int64)  # up to 50 million in cents
    for method in _METHODS:
        got = vectorised.accumulated_many(method, "full_month", 60, cost, cost // 10, cost * 0 + 7)
        assert got is not None
