"""Each method against worked textbook examples, to the cent, and the rules of contract 2.5
(periods, rounding, remainder, conventions, disposal) as examples and properties."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sync_server.money.depreciation import (
    METHODS,
    Basis,
    DepreciationError,
    Usage,
    accumulated_at,
    book_value_at,
    dispose,
    schedule,
)


def _basis(cost: str, salvage: str, years: int, method: str, **kw) -> Basis:
    return Basis(
        cost=Decimal(cost),
        salvage=Decimal(salvage),
        start=kw.pop("start", date(2024, 1, 1)),
        life_months=12 * years,
        method=method,
        **kw,
    )


def _amounts(b: Basis, period: str = "year") -> list[str]:
    return [str(p.depreciation) for p in schedule(b, period)]


# Straight line. Contract 2.5's own example (10,000 cost, 1,000 salvage, 5 years from
# 2024-01-01: 1,800 a year); Weygandt, Kimmel & Kieso, Accounting Principles, ch. 10 (Barb's
# Florists' delivery truck: 13,000 cost, 1,000 salvage, 5 years: 2,400 a year).
def test_straight_line_contract_example_yearly_periods_and_amounts():
    periods = schedule(_basis("10000", "1000", 5, "straight_line"))
    assert [(str(p.start), str(p.end)) for p in periods][:2] == [
        ("2024-01-01", "2024-12-31"),
        ("2025-01-01", "2025-12-31"),
    ]
    assert [str(p.depreciation) for p in periods] == ["1800.00"] * 5
    assert [str(p.accumulated) for p in periods] == [
        "1800.00", "3600.00", "5400.00", "7200.00", "9000.00",
    ]  # fmt: skip
    assert next(str(p.book_value) for p in periods) == "8200.00"
    assert str(periods[-1].end) == "2028-12-31" and str(periods[-1].book_value) == "1000.00"


def test_straight_line_weygandt_delivery_truck():
    assert _amounts(_basis("13000", "1000", 5, "straight_line")) == ["2400.00"] * 5


# Double declining balance. The classic 10,000 / 1,000 / 5 years: 40 % of book value,
# 4,000, 2,400, 1,440, 864, then 296 to reach salvage; Wikipedia, "Depreciation",
# declining-balance example (1,000 cost, 100 salvage, 5 years): 400, 240, 144, 86.40, 29.60;
# Weygandt, Kimmel & Kieso, Accounting Principles, ch. 10 (13,000 / 1,000 / 5 years):
# 5,200, 3,120, 1,872, 1,123.20, 684.80.
def test_double_declining_balance_classic_example():
    assert _amounts(_basis("10000", "1000", 5, "declining_balance_200")) == [
        "4000.00", "2400.00", "1440.00", "864.00", "296.00",
    ]  # fmt: skip


def test_double_declining_balance_wikipedia_example():
    assert _amounts(_basis("1000", "100", 5, "declining_balance_200")) == [
        "400.00", "240.00", "144.00", "86.40", "29.60",
    ]  # fmt: skip


def test_double_declining_balance_weygandt_switches_to_straight_line_in_the_last_year():
    assert _amounts(_basis("13000", "1000", 5, "declining_balance_200")) == [
        "5200.00", "3120.00", "1872.00", "1123.20", "684.80",
    ]  # fmt: skip


# 150 % declining balance: 30 % a year on 10,000 / 1,000 / 5 years gives 3,000, 2,100, 1,470;
# in year 4 straight line over the 2 years left, (3,430 - 1,000) / 2 = 1,215, beats
# 30 % of 3,430 = 1,029, so it switches: 1,215, 1,215.
def test_150_declining_balance_switches_to_straight_line_when_that_gives_more():
    assert _amounts(_basis("10000", "1000", 5, "declining_balance_150")) == [
        "3000.00", "2100.00", "1470.00", "1215.00", "1215.00",
    ]  # fmt: skip


# IRS Publication 946, Table A-14 (150 % declining balance, half-year convention), 5-year
# property: 15.00 %, 25.50 %, 17.85 %, 16.66 %, 16.66 %, 8.33 % (of 10,000, no salvage).
def test_150_declining_balance_half_year_matches_irs_table_a14():
    b = _basis("10000", "0", 5, "declining_balance_150", convention="half_year")
    assert _amounts(b) == [
        "1500.00", "2550.00", "1785.00", "1666.00", "1666.00", "833.00",
    ]  # fmt: skip


# IRS Publication 946, Table A-1 (200 % declining balance, half-year convention), 5-year
# property: 20 %, 32 %, 19.20 %, 11.52 %, 11.52 %, 5.76 %.
def test_double_declining_balance_half_year_matches_irs_table_a1():
    b = _basis("10000", "0", 5, "declining_balance_200", convention="half_year")
    assert _amounts(b) == [
        "2000.00", "3200.00", "1920.00", "1152.00", "1152.00", "576.00",
    ]  # fmt: skip


# Sum of the years' digits: 10,000 / 1,000 / 5 years, digits 1+2+3+4+5 = 15: 5/15 of 9,000 =
# 3,000, then 2,400, 1,800, 1,200, 600; Wikipedia, "Depreciation", sum-of-years-digits
# example (1,000 cost, 100 salvage, 5 years): 300, 240, 180, 120, 60.
def test_sum_of_years_digits_classic_example():
    assert _amounts(_basis("10000", "1000", 5, "sum_of_years_digits")) == [
        "3000.00", "2400.00", "1800.00", "1200.00", "600.00",
    ]  # fmt: skip


def test_sum_of_years_digits_wikipedia_example():
    assert _amounts(_basis("1000", "100", 5, "sum_of_years_digits")) == [
        "300.00", "240.00", "180.00", "120.00", "60.00",
    ]  # fmt: skip


def test_sum_of_years_digits_half_year_splits_each_year_of_life_across_two_periods():
    # Year 1 of life (3,000) is half in period 1, half in period 2 with half of year 2 (2,400).
    b = _basis("10000", "1000", 5, "sum_of_years_digits", convention="half_year")
    assert _amounts(b) == [
        "1500.00", "2700.00", "2100.00", "1500.00", "900.00", "300.00",
    ]  # fmt: skip


# Units of production: Weygandt, Kimmel & Kieso, Accounting Principles, ch. 10 (units-of-
# activity): 13,000 cost, 1,000 salvage, 100,000 miles expected, so 0.12 a mile; 15,000,
# 30,000, 20,000, 25,000 and 10,000 miles give 1,800, 3,600, 2,400, 3,000, 1,200.
def _truck(usage: tuple[Usage, ...]) -> Basis:
    return Basis(
        cost=Decimal("13000"),
        salvage=Decimal("1000"),
        start=date(2024, 1, 1),
        life_months=None,
        method="units_of_production",
        expected_units=Decimal("100000"),
        usage=usage,
    )


def test_units_of_production_weygandt_counted_miles():
    miles = (15_000, 30_000, 20_000, 25_000, 10_000)
    usage = tuple(Usage(date(2024 + i, 12, 31), units=Decimal(n)) for i, n in enumerate(miles))
    periods = schedule(_truck(usage))
    assert [str(p.depreciation) for p in periods] == [
        "1800.00", "3600.00", "2400.00", "3000.00", "1200.00",
    ]  # fmt: skip
    assert str(periods[-1].book_value) == "1000.00"


def test_units_of_production_from_meter_readings_is_the_same_as_counted_use():
    readings = (0, 15_000, 45_000, 65_000, 90_000, 100_000)
    dates = [date(2024, 1, 1)] + [date(2024 + i, 12, 31) for i in range(5)]
    usage = tuple(Usage(d, reading=Decimal(r)) for d, r in zip(dates, readings, strict=True))
    assert _amounts(_truck(usage)) == ["1800.00", "3600.00", "2400.00", "3000.00", "1200.00"]


def test_units_of_production_stops_at_the_expected_units_and_runs_to_the_last_use():
    usage = (Usage(date(2024, 6, 30), units=Decimal(60_000)),)
    periods = schedule(_truck(usage), "month")
    assert len(periods) == 6 and str(periods[-1].book_value) == "5800.00"
    over = (*usage, Usage(date(2025, 2, 1), units=Decimal(70000)))
    periods = schedule(_truck(over))
    assert [str(p.depreciation) for p in periods] == ["7200.00", "4800.00"]
    assert str(periods[-1].end) == "2025-02-28"  # complete: ends with the month it completes


def test_units_of_production_rejects_a_falling_meter():
    with pytest.raises(DepreciationError, match="below an earlier"):
        _truck(
            (
                Usage(date(2024, 2, 1), reading=Decimal(5)),
                Usage(date(2024, 3, 1), reading=Decimal(4)),
            )
        )


# Periods, rounding and the remainder (contract 2.5).
def test_periods_follow_the_start_day_and_month():
    b = _basis("1200", "0", 2, "straight_line", start=date(2024, 3, 15))
    assert [(str(p.start), str(p.end)) for p in schedule(b)] == [
        ("2024-03-15", "2025-03-14"),
        ("2025-03-15", "2026-03-14"),
    ]
    months = schedule(b, "month")
    assert (str(months[0].start), str(months[0].end)) == ("2024-03-15", "2024-04-14")


def test_monthly_periods_of_a_month_end_start_keep_the_day_where_the_month_has_it():
    b = _basis("1200", "0", 1, "straight_line", start=date(2024, 1, 31))
    spans = [(str(p.start), str(p.end)) for p in schedule(b, "month")[:3]]
    assert spans == [
        ("2024-01-31", "2024-02-28"),
        ("2024-02-29", "2024-03-30"),
        ("2024-03-31", "2024-04-29"),
    ]


def test_each_period_rounds_half_up_and_the_last_takes_the_remainder():
    # 1,000 over 36 months is 27.777...: 27.78 for 35 months, 27.70 in the last one.
    periods = schedule(_basis("1000", "0", 3, "straight_line"), "month")
    assert [str(p.depreciation) for p in periods] == ["27.78"] * 35 + ["27.70"]
    assert str(periods[-1].book_value) == "0.00"
    # 0.03 over 6 years is 0.005 a year exactly: half-up gives 0.01 (never 0.00 from 1/3s).
    assert _amounts(_basis("0.03", "0", 6, "straight_line"))[:3] == ["0.01", "0.01", "0.01"]


def test_a_partial_last_period_when_the_life_is_not_whole_years():
    b = Basis(cost=Decimal("3000"), start=date(2024, 1, 1), life_months=30)
    periods = schedule(b)
    assert [str(p.depreciation) for p in periods] == ["1200.00", "1200.00", "600.00"]
    assert str(periods[-1].end) == "2026-06-30"


# Conventions.
def test_mid_month_gives_half_a_month_first_and_last():
    b = _basis("1200", "0", 1, "straight_line", convention="mid_month")
    months = schedule(b, "month")
    assert [str(p.depreciation) for p in months] == ["50.00"] + ["100.00"] * 11 + ["50.00"]
    assert str(months[-1].end) == "2025-01-31"


def test_half_year_gives_half_a_year_first_and_last():
    b = _basis("10000", "1000", 5, "straight_line", convention="half_year")
    assert _amounts(b) == ["900.00"] + ["1800.00"] * 4 + ["900.00"]


# Book value at a date and disposal.
def test_book_value_at_a_date_counts_the_months_ended_by_then():
    b = _basis("10000", "1000", 5, "straight_line")
    assert book_value_at(b, date(2023, 12, 31)) == Decimal("10000.00")
    assert book_value_at(b, date(2024, 1, 30)) == Decimal("10000.00")
    assert book_value_at(b, date(2024, 1, 31)) == Decimal("9850.00")
    assert book_value_at(b, date(2025, 12, 31)) == Decimal("6400.00")
    assert book_value_at(b, date(2040, 1, 1)) == Decimal("1000.00")
    assert accumulated_at(b, date(2026, 6, 30)) == Decimal("4500.00")


@pytest.mark.parametrize(
    ("convention", "accumulated", "gain_loss"),
    [
        ("full_month", "4350.00", "-650.00"),  # 29 months of 150, none in June 2026
        # 75 for half of January 2024, 28 months of 150, and half of June 2026
        ("mid_month", "4350.00", "-650.00"),
        # 900 (half of 2024) + 1,800 (2025) + half of 1,800 in 2026, the year of disposal
        ("half_year", "3600.00", "-1400.00"),
    ],
)
def test_disposal_part_way_through_a_year_with_proceeds_and_gain_or_loss(
    convention, accumulated, gain_loss
):
    b = _basis("10000", "1000", 5, "straight_line", convention=convention)
    result = dispose(b, date(2026, 6, 15), Decimal("5000"))
    assert str(result.accumulated) == accumulated
    assert str(result.gain_loss) == gain_loss
    assert result.book_value == Decimal("10000.00") - result.accumulated
    last = schedule(Basis(**{**b.__dict__, "disposed_on": date(2026, 6, 15)}))[-1]
    assert (str(last.start), str(last.end)) == ("2026-01-01", "2026-06-15")
    assert book_value_at(b, date(2026, 6, 15)) >= result.book_value


def test_disposal_after_the_end_sells_at_salvage_and_before_the_start_at_cost():
    b = _basis("10000", "1000", 5, "declining_balance_200")
    assert str(dispose(b, date(2030, 3, 1), Decimal("1500")).gain_loss) == "500.00"
    assert str(dispose(b, date(2023, 3, 1), Decimal("9000")).gain_loss) == "-1000.00"


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"method": "magic"}, "depreciation_method"),
        ({"convention": "whenever"}, "convention"),
        ({"salvage": Decimal("20000")}, "salvage_value cannot exceed"),
        ({"cost": Decimal("1.005")}, "two decimal places"),
        ({"cost": Decimal("-1")}, "non-negative"),
        ({"life_months": 0}, "useful_life_months"),
        ({"method": "units_of_production"}, "expected_units"),
    ],
)
def test_bad_bases_are_refused_with_a_reason(fields, message):
    base = {"cost": Decimal("10000"), "start": date(2024, 1, 1), "life_months": 60}
    with pytest.raises(DepreciationError, match=message):
        Basis(**{**base, **fields})


# Properties.
_amount_cents = st.integers(min_value=0, max_value=10**11)


@st.composite
def bases(draw: st.DrawFn) -> Basis:
    cost = draw(_amount_cents)
    salvage = draw(st.integers(min_value=0, max_value=cost))
    method = draw(st.sampled_from([m for m in METHODS if m != "units_of_production"]))
    return Basis(
        cost=Decimal(cost).scaleb(-2),
        salvage=Decimal(salvage).scaleb(-2),
        start=draw(st.dates(min_value=date(2000, 1, 1), max_value=date(2040, 12, 31))),
        life_months=draw(st.integers(min_value=1, max_value=150)),
        method=method,
        convention=draw(st.sampled_from(["full_month", "mid_month", "half_year"])),
        disposed_on=draw(
            st.none() | st.dates(min_value=date(2000, 1, 1), max_value=date(2055, 1, 1))
        ),
    )


@given(bases(), st.sampled_from(["year", "month"]))
def test_schedules_never_pass_salvage_fall_monotonically_and_end_at_salvage(b, period):
    periods = schedule(b, period)
    depreciable = b.cost - b.salvage
    book = b.cost
    for p in periods:
        assert p.depreciation >= 0 and p.accumulated <= depreciable
        assert p.book_value <= book and p.book_value == b.cost - p.accumulated
        assert p.depreciation.as_tuple().exponent == -2
        book = p.book_value
    if b.disposed_on is None:
        assert periods[-1].book_value == b.salvage
        assert periods[-1].end >= periods[0].start


@given(bases())
def test_yearly_and_monthly_schedules_cover_the_same_days(b):
    years, months = schedule(b, "year"), schedule(b, "month")
    assert [p.start for p in years] == [p.start for p in months[::12]]
    assert years[-1].end == months[-1].end if years else months == []
    total_y = sum((p.depreciation for p in years), Decimal(0))
    total_m = sum((p.depreciation for p in months), Decimal(0))
    if b.disposed_on is None:
        assert total_y == total_m == b.cost - b.salvage


def test_dates_near_the_end_of_the_calendar_are_refused_not_crashed():
    with pytest.raises(DepreciationError, match="run past"):
        Basis(cost=Decimal(100), start=date(9990, 1, 1), life_months=1200)
    with pytest.raises(DepreciationError, match="run past"):
        _truck((Usage(date(9999, 12, 31), units=Decimal(1)),))
    b = _basis("10000", "1000", 5, "straight_line")
    assert accumulated_at(b, date.max) == Decimal("9000.00")
