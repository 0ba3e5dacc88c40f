"""Money (contract 2.5): an asset's depreciation schedule, its usage records, and the
fixed-asset register at a date as JSON, CSV or PDF."""

from __future__ import annotations

import json
from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel

from sync_server.api.deps import AdminDep, SessionDep, SettingsDep, ViewerDep
from sync_server.models import AssetUsage
from sync_server.money.depreciation import to_decimal
from sync_server.services.money import register as register_service
from sync_server.services.money.fields import apply_money_fields, usage_of
from sync_server.services.money.register_files import register_csv, register_pdf
from sync_server.services.money.schedules import DepreciationOut, depreciation_view
from sync_server.services.registry import get_asset
from sync_server.services.schemas import UsageIn


class UsageOut(BaseModel):
    """One usage record: counted units or a meter reading on a date."""

    date: date
    units: str | None
    reading: str | None


class RegisterAssetOut(BaseModel):
    """One asset on the register; amounts are decimal strings with two places."""

    asset_tag: str
    name: str
    category: str | None
    location: str | None
    method: str | None
    start: date | None
    cost: str
    accumulated_depreciation: str
    accumulated: str
    book_value: str


class RegisterTotalOut(BaseModel):
    """Sums over a group of assets (`group` is the category or location, "(none)" if unset)."""

    group: str | None = None
    assets: int
    cost: str
    accumulated_depreciation: str
    accumulated: str
    book_value: str


class RegisterOut(BaseModel):
    """The fixed-asset register at `as_of`."""

    as_of: date
    assets: list[RegisterAssetOut]
    totals: RegisterTotalOut
    by_category: list[RegisterTotalOut]
    by_location: list[RegisterTotalOut]


def build_router() -> APIRouter:
    """Money routes; included before the assets router, whose `/assets/{tag}` would match."""
    r = APIRouter(prefix="/api/v1", tags=["money"])
    r.add_api_route(
        "/assets/{asset_tag:path}/depreciation",
        depreciation,
        methods=["GET"],
        response_model=DepreciationOut,
    )
    r.add_api_route(
        "/assets/{asset_tag:path}/usage", list_usage, methods=["GET"], response_model=list[UsageOut]
    )
    r.add_api_route(
        "/assets/{asset_tag:path}/usage",
        add_usage,
        methods=["POST"],
        response_model=list[UsageOut],
        status_code=201,
    )
    r.add_api_route(
        "/reports/register",
        register,
        methods=["GET"],
        response_model=RegisterOut,
        responses={200: {"content": {"text/csv": {}, "application/pdf": {}}}},
    )
    return r


def depreciation(
    asset_tag: str,
    session: SessionDep,
    settings: SettingsDep,
    _user: ViewerDep,
    period: Literal["year", "month"] = "year",
) -> DepreciationOut:
    """The asset's schedule: periods follow the in-service (else purchase) date's day and
    month; each period is rounded half-up to the cent and the last one takes the remainder,
    so the book value ends at the salvage value. 422 names what the asset lacks."""
    return depreciation_view(session, asset_tag, period, settings.depreciation_convention)


def _usage_out(rows: list[AssetUsage]) -> list[UsageOut]:
    return [
        UsageOut(
            date=u.used_on,
            units=None if u.units is None else str(to_decimal(int(u.units.scaleb(2)))),
            reading=None if u.reading is None else str(to_decimal(int(u.reading.scaleb(2)))),
        )
        for u in rows
    ]


def list_usage(asset_tag: str, session: SessionDep, _user: ViewerDep) -> list[UsageOut]:
    """The asset's usage records (units of production), oldest first."""
    asset = get_asset(session, asset_tag)
    assert asset.id is not None
    return _usage_out(usage_of(session, asset.id))


def add_usage(
    asset_tag: str, body: UsageIn, session: SessionDep, _user: AdminDep
) -> list[UsageOut]:
    """Record use (counted `units`, or a meter `reading`); answers every record. A reading
    below an earlier one is 422."""
    asset = get_asset(session, asset_tag)
    assert asset.id is not None
    records = [
        UsageIn(date=u.used_on, units=u.units, reading=u.reading)
        for u in usage_of(session, asset.id)
    ]
    apply_money_fields(session, asset, [*records, body])
    return _usage_out(usage_of(session, asset.id))


def _total(t: register_service.Totals, group: str | None = None) -> dict[str, object]:
    return {
        "group": group,
        "assets": t.assets,
        "cost": str(to_decimal(t.cost)),
        "accumulated_depreciation": str(to_decimal(t.accumulated)),
        "accumulated": str(to_decimal(t.accumulated)),  # the name the schedule's periods use
        "book_value": str(to_decimal(t.book_value)),
    }


def _register_json(reg: register_service.Register) -> bytes:
    # Built by hand: validating 100,000 rows through the response model would cost seconds.
    money = to_decimal
    body = {
        "as_of": reg.as_of.isoformat(),
        "assets": [
            {
                "asset_tag": r.asset_tag,
                "name": r.name,
                "category": r.category,
                "location": r.location,
                "method": r.method,
                "start": r.start,
                "cost": str(money(r.cost)),
                "accumulated_depreciation": str(money(r.accumulated)),
                "accumulated": str(money(r.accumulated)),
                "book_value": str(money(r.book_value)),
            }
            for r in reg.rows
        ],
        "totals": _total(reg.totals),
        "by_category": [_total(t, name) for name, t in reg.by_category.items()],
        "by_location": [_total(t, name) for name, t in reg.by_location.items()],
    }
    return json.dumps(body, ensure_ascii=False).encode()


def register(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    _user: ViewerDep,
    as_of: Annotated[date, Query(description="the register's date")],
    format: Literal["json", "csv", "pdf"] | None = None,
) -> Response:
    """Cost, accumulated depreciation and book value per asset at `as_of` (depreciation of
    the months ended by then), with totals and totals per category and home location; as
    JSON, CSV (`format=csv` or `Accept: text/csv`) or PDF (`format=pdf` or
    `Accept: application/pdf`)."""
    if format is None:
        accept = request.headers.get("accept", "")
        format = "csv" if "text/csv" in accept else "pdf" if "application/pdf" in accept else "json"
    reg = register_service.register_report(session, as_of, settings.depreciation_convention)
    name = f"register-{as_of.isoformat()}"
    if format == "csv":
        return Response(
            register_csv(reg),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
        )
    if format == "pdf":
        return Response(
            register_pdf(reg),
            media_type="application/pdf",
            headers={"Content-Disposition": f'attachment; filename="{name}.pdf"'},
        )
    return Response(_register_json(reg), media_type="application/json")
