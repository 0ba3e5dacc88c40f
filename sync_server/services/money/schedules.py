"""An asset's depreciation schedule as the API shows it (contract 2.5)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from pydantic import BaseModel
from sqlmodel import Session

from sync_server.money.depreciation import dispose, schedule
from sync_server.services.money.fields import basis_of, usage_of
from sync_server.services.registry import get_asset

CENT = Decimal("0.01")


def money(value: Decimal) -> str:
    """A decimal string with two places."""
    return str(value.quantize(CENT))


class PeriodOut(BaseModel):
    """One period: its first and last day and the amounts after it."""

    start: date
    end: date
    depreciation: str
    accumulated: str
    book_value: str


class DisposalOut(BaseModel):
    """The asset's disposal: book value then and the gain (or loss, negative)."""

    date: date
    proceeds: str | None
    accumulated: str
    book_value: str
    gain_loss: str | None


class DepreciationOut(BaseModel):
    """An asset's depreciation schedule; amounts are decimal strings with two places."""

    asset_tag: str
    method: str
    convention: str
    period: str
    cost: str
    salvage_value: str
    start: date
    useful_life_months: int | None
    expected_units: str | None
    periods: list[PeriodOut]
    disposal: DisposalOut | None


def depreciation_view(
    session: Session, asset_tag: str, period: str, default_convention: str
) -> DepreciationOut:
    """The schedule of `asset_tag` in yearly or monthly periods; 404 for an unknown asset,
    422 naming the missing fields when it cannot be depreciated."""
    asset = get_asset(session, asset_tag)
    assert asset.id is not None
    basis = basis_of(asset, usage_of(session, asset.id), default_convention)
    disposal = None
    if basis.disposed_on is not None:
        proceeds = asset.disposal_proceeds
        result = dispose(basis, basis.disposed_on, proceeds or Decimal(0))
        disposal = DisposalOut(
            date=basis.disposed_on,
            proceeds=None if proceeds is None else money(proceeds),
            accumulated=money(result.accumulated),
            book_value=money(result.book_value),
            gain_loss=None if proceeds is None else money(result.gain_loss),
        )
    return DepreciationOut(
        asset_tag=asset.asset_tag,
        method=basis.method,
        convention=basis.convention,
        period=period,
        cost=money(basis.cost),
        salvage_value=money(basis.salvage),
        start=basis.start,
        useful_life_months=basis.life_months,
        expected_units=None if basis.expected_units is None else money(basis.expected_units),
        periods=[
            PeriodOut(
                start=p.start,
                end=p.end,
                depreciation=money(p.depreciation),
                accumulated=money(p.accumulated),
                book_value=money(p.book_value),
            )
            for p in schedule(basis, period)
        ],
        disposal=disposal,
    )
