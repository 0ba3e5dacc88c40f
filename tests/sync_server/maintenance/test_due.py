"""When a plan is due (pure)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from sync_server.maintenance.due import plan_due


@pytest.mark.parametrize(
    ("today", "status"),
    [
        ("2025-01-10", "ok"),
        ("2025-01-17", "due_soon"),
        ("2025-01-31", "due"),
        ("2025-02-01", "overdue"),
    ],
)
def test_time_plans_by_date(today, status):
    due = plan_due("time", Decimal(30), date(2025, 1, 1), date.fromisoformat(today))
    assert (due.status, due.due_on) == (status, date(2025, 1, 31))


@pytest.mark.parametrize(
    ("used", "status", "remaining"),
    [
        ("0", "ok", "100"),
        ("90", "due_soon", "10"),
        ("100", "due", "0"),
        ("101.5", "overdue", "-1.5"),
    ],
)
def test_use_plans_by_what_is_left(used, status, remaining):
    due = plan_due("usage", Decimal(100), date(2025, 1, 1), date(2025, 6, 1), Decimal(used))
    assert (due.status, due.remaining) == (status, Decimal(remaining))


def test_a_huge_interval_never_overflows_and_unknown_kinds_are_refused():
    assert plan_due("time", Decimal(36_500), date(9990, 1, 1), date(9990, 1, 2)).status == "ok"
    with pytest.raises(ValueError, match="unknown plan kind"):
        plan_due("vibes", Decimal(1), date(2025, 1, 1), date(2025, 1, 1))
