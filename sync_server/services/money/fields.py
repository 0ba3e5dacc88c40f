"""An asset's money fields (contract 2.5): checks on write, usage records, and the
depreciation basis they make."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel
from sqlmodel import Session, col, delete, select

from sync_server.models import Asset, AssetUsage
from sync_server.money.depreciation import Basis, DepreciationError, Usage
from sync_server.services import InvalidInput
from sync_server.services.schemas import UsageIn

DEFAULT_METHOD = "straight_line"


class NotDepreciable(InvalidInput):
    """The asset lacks what a schedule needs (the message names the missing fields)."""


def apply_money_fields(session: Session, asset: Asset, usage: Sequence[UsageIn] | None) -> None:
    """Replace the asset's usage records when `usage` is given, then check that its money
    fields fit together (422 naming the problem): salvage within cost, proceeds with a date,
    meter readings that never fall."""
    assert asset.id is not None
    if usage is not None:
        session.exec(delete(AssetUsage).where(col(AssetUsage.asset_id) == asset.id))
        now = datetime.now(UTC)
        for u in usage:
            session.add(
                AssetUsage(
                    asset_id=asset.id, used_on=u.date, units=u.units, reading=u.reading,
                    created_at=now,
                )
            )  # fmt: skip
        session.flush()
    cost, salvage = asset.purchase_cost, asset.salvage_value
    if cost is not None and salvage is not None and salvage > cost:
        raise InvalidInput(f"salvage_value {salvage} cannot exceed purchase_cost {cost}")
    if asset.disposal_proceeds is not None and asset.disposal_date is None:
        raise InvalidInput("disposal_proceeds needs a disposal_date")
    if asset.depreciation_method == "units_of_production" or usage:
        try:
            _check_usage(usage_of(session, asset.id))
        except DepreciationError as err:
            raise InvalidInput(str(err)) from err


def usage_of(session: Session, asset_id: int) -> list[AssetUsage]:
    """The asset's usage records, oldest first."""
    return list(
        session.exec(
            select(AssetUsage)
            .where(AssetUsage.asset_id == asset_id)
            .order_by(col(AssetUsage.used_on), col(AssetUsage.id))
        ).all()
    )


def _check_usage(usage: Sequence[AssetUsage]) -> None:
    """Check the usage records alone (a falling meter is refused whatever else is set)."""
    Basis(
        cost=Decimal(0),
        start=date.min,  # every reading then counts from the one before it
        life_months=None,
        method="units_of_production",
        expected_units=Decimal(1),
        usage=tuple(Usage(u.used_on, u.units, u.reading) for u in usage),
    )


def basis_of(asset: Asset, usage: Sequence[AssetUsage], default_convention: str) -> Basis:
    """The depreciation basis of `asset`: its method (straight line when none is set), the
    in-service date (else the purchase date) as start, salvage 0 when none is set, and the
    register's convention unless the asset has its own. 422 naming what is missing."""
    method = asset.depreciation_method or DEFAULT_METHOD
    missing = []
    if asset.purchase_cost is None:
        missing.append("purchase_cost")
    start = asset.in_service_date or asset.purchase_date
    if start is None:
        missing.append("in_service_date or purchase_date")
    if method == "units_of_production":
        if asset.expected_units is None:
            missing.append("expected_units")
    elif asset.useful_life_months is None:
        missing.append("useful_life_months")
    if missing:
        raise NotDepreciable(f"asset {asset.asset_tag} has no {', '.join(missing)} to depreciate")
    assert asset.purchase_cost is not None and start is not None
    try:
        return Basis(
            cost=asset.purchase_cost,
            salvage=asset.salvage_value or Decimal(0),
            start=start,
            life_months=asset.useful_life_months,
            method=method,
            convention=asset.depreciation_convention or default_convention,
            expected_units=asset.expected_units,
            usage=tuple(Usage(u.used_on, u.units, u.reading) for u in usage),
            disposed_on=asset.disposal_date,
        )
    except DepreciationError as err:
        raise NotDepreciable(f"asset {asset.asset_tag}: {err}") from err


def _amount(value: Decimal | None) -> str | None:
    return None if value is None else str(value.quantize(Decimal("0.01")))


class AssetMoneyOut(BaseModel):
    """An asset's money fields as the API shows them (amounts as decimal strings)."""

    purchase_date: date | None = None
    purchase_cost: str | None = None
    in_service_date: date | None = None
    useful_life_months: int | None = None
    salvage_value: str = "0.00"
    depreciation_method: str | None = None
    depreciation_convention: str | None = None
    expected_units: str | None = None
    disposal_date: date | None = None
    disposal_proceeds: str | None = None


def money_fields(asset: Asset) -> dict[str, Any]:
    """The `AssetMoneyOut` fields of `asset`."""
    return {
        "purchase_date": asset.purchase_date,
        "purchase_cost": _amount(asset.purchase_cost),
        "in_service_date": asset.in_service_date,
        "useful_life_months": asset.useful_life_months,
        "salvage_value": _amount(asset.salvage_value) or "0.00",
        "depreciation_method": asset.depreciation_method,
        "depreciation_convention": asset.depreciation_convention,
        "expected_units": _amount(asset.expected_units),
        "disposal_date": asset.disposal_date,
        "disposal_proceeds": _amount(asset.disposal_proceeds),
    }
