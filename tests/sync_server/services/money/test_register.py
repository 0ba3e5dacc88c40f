"""The register service's closed form agrees with each asset's own schedule, on both
databases, for a mix of methods, conventions, disposals and units of production."""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

from sync_server.money.depreciation import METHODS
from sync_server.services import registry
from sync_server.services.money import register as reg
from sync_server.services.schemas import AssetIn, UsageIn


def _assets(session, n: int) -> None:
    rng = random.Random(7)
    for i in range(n):
        cost = rng.randint(0, 10**9)
        disposal = None
        method = rng.choice(METHODS)
        start = date(2020, 1, 1) + timedelta(days=rng.randint(0, 2000))
        if rng.random() < 0.2:
            disposal = start + timedelta(days=rng.randint(0, 2500))
        units = method == "units_of_production"
        usage = [
            UsageIn(date=start + timedelta(days=rng.randint(-10, 2000)), units=rng.randint(0, 900))
            for _ in range(rng.randint(0, 6))
        ]
        registry.create_asset(
            session,
            AssetIn(
                asset_tag=f"A-{i:03d}",
                name="x",
                category=rng.choice([None, "IT", "Plant"]),
                purchase_cost=Decimal(cost).scaleb(-2),
                salvage_value=Decimal(rng.randint(0, cost)).scaleb(-2) if rng.random() < 0.7 else 0,
                in_service_date=start if rng.random() < 0.8 else None,
                purchase_date=start - timedelta(days=rng.randint(0, 40)),
                useful_life_months=rng.choice([None, 1, 12, 36, 60, 61, 97]),
                depreciation_method=method if rng.random() < 0.9 else None,
                depreciation_convention=rng.choice([None, "full_month", "mid_month", "half_year"]),
                expected_units=Decimal(rng.randint(1, 3000)) if units else None,
                usage=usage if units else None,
                disposal_date=disposal,
            ),
        )
    session.commit()


def test_register_closed_form_equals_every_assets_schedule(session):
    _assets(session, 150)
    for as_of in (date(2019, 12, 31), date(2021, 6, 30), date(2023, 1, 15), date(2031, 1, 1)):
        for convention in ("full_month", "half_year"):
            report = reg.register_report(session, as_of, convention)
            rows = reg.register_rows(session, as_of)
            usage = reg.usage_by_asset(session, [r.id for r in rows])
            slow = [reg.schedule_accumulated(r, as_of, convention, usage[r.id]) for r in rows]
            assert [r.asset_tag for r in report.rows] == [r.asset_tag for r in rows]
            assert [r.accumulated for r in report.rows] == slow
            assert report.totals.accumulated == sum(slow)
            assert report.totals.book_value == sum(r.cost for r in rows) - sum(slow)
            assert sum(t.assets for t in report.by_category.values()) == len(rows)
