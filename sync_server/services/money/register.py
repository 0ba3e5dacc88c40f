"""The fixed-asset register at a date (contract 2.5): cost, accumulated depreciation and book
value per asset, with totals, and totals per category and per (home) location.

An asset is on the register at `as_of` when it has a purchase cost, was bought (or put in
service) by then and was not disposed of by then. Its accumulated depreciation is the monthly
schedule's after the last month that ended by `as_of`; for life-based methods it comes from
`money.closed_form` (a few integer operations per asset), for units of production and for
assets with a disposal date from the schedule itself. Amounts are kept in whole cents.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col
from sqlmodel import select as select_rows

from sync_server.models import Asset, AssetUsage, Location
from sync_server.money import closed_form
from sync_server.money.calendar import months_ended
from sync_server.money.depreciation import Basis, DepreciationError, Usage, accumulated_at
from sync_server.services.money.fields import DEFAULT_METHOD

_COLUMNS: tuple[Any, ...] = (
    Asset.id,
    Asset.asset_tag,
    Asset.name,
    Asset.category,
    Location.code,
    Asset.purchase_cost,
    Asset.salvage_value,
    Asset.purchase_date,
    Asset.in_service_date,
    Asset.useful_life_months,
    Asset.depreciation_method,
    Asset.depreciation_convention,
    Asset.expected_units,
    Asset.disposal_date,
)
NO_GROUP = "(none)"


@dataclass(frozen=True)
class RegisterRow:
    """One asset on the register; amounts in cents."""

    asset_tag: str
    name: str
    category: str | None
    location: str | None
    method: str | None
    start: date | None
    cost: int
    accumulated: int
    book_value: int


@dataclass
class Totals:
    """Sums over a group of rows; amounts in cents."""

    assets: int = 0
    cost: int = 0
    accumulated: int = 0
    book_value: int = 0

    def add(self, row: RegisterRow) -> None:
        """Count `row` in."""
        self.assets += 1
        self.cost += row.cost
        self.accumulated += row.accumulated
        self.book_value += row.book_value


@dataclass
class Register:
    """The register at `as_of`: rows by asset tag, totals, and totals per group."""

    as_of: date
    rows: list[RegisterRow]
    totals: Totals = field(default_factory=Totals)
    by_category: dict[str, Totals] = field(default_factory=dict)
    by_location: dict[str, Totals] = field(default_factory=dict)


def _cents(value: Decimal | None) -> int:
    return 0 if value is None else int(value.scaleb(2))


def _on_register(row: Sequence[Any], as_of: date) -> bool:
    bought = [d for d in (row[7], row[8]) if d is not None]
    disposed = row[13]
    return (not bought or min(bought) <= as_of) and (disposed is None or disposed > as_of)


def _fast_accumulated(row: Sequence[Any], as_of: date, convention: str) -> int | None:
    """Cents accumulated by `as_of` in closed form; None when the schedule must be built."""
    method = row[10] or DEFAULT_METHOD
    start = row[8] or row[7]
    life = row[9]
    if method == "units_of_production" or row[13] is not None:
        return None
    if start is None or life is None:
        return 0  # not depreciable (no start or life): carried at cost
    cost, salvage = _cents(row[5]), _cents(row[6])
    if not 0 <= salvage <= cost or not 1 <= life <= 1200:
        return None
    months = months_ended(start, as_of)
    conv = row[11] or convention
    return closed_form.accumulated_cents(method, conv, life, cost, salvage, months)


def schedule_accumulated(
    row: Sequence[Any], as_of: date, convention: str, usage: Sequence[AssetUsage]
) -> int:
    """Cents accumulated by `as_of` from the asset's whole monthly schedule (the slow way,
    and the only one for units of production and disposals)."""
    start = row[8] or row[7]
    method = row[10] or DEFAULT_METHOD
    if start is None or (method != "units_of_production" and row[9] is None):
        return 0
    try:
        basis = Basis(
            cost=row[5],
            salvage=row[6] or Decimal(0),
            start=start,
            life_months=row[9],
            method=method,
            convention=row[11] or convention,
            expected_units=row[12],
            usage=tuple(Usage(u.used_on, u.units, u.reading) for u in usage),
            disposed_on=row[13],
        )
    except DepreciationError:
        return 0  # money fields that do not fit together: carried at cost
    return _cents(accumulated_at(basis, as_of))


def usage_by_asset(session: Session, asset_ids: Iterable[int]) -> dict[int, list[AssetUsage]]:
    """The usage records of each asset, oldest first."""
    ids = list(asset_ids)
    out: dict[int, list[AssetUsage]] = defaultdict(list)
    for start in range(0, len(ids), 500):
        rows = session.exec(
            select_rows(AssetUsage)
            .where(col(AssetUsage.asset_id).in_(ids[start : start + 500]))
            .order_by(col(AssetUsage.used_on), col(AssetUsage.id))
        ).all()
        for u in rows:
            out[u.asset_id].append(u)
    return out


def register_report(session: Session, as_of: date, default_convention: str) -> Register:
    """The register at `as_of` (see the module's rules), ordered by asset tag."""
    rows = register_rows(session, as_of)
    accumulated: dict[int, int] = {}
    slow = []
    for r in rows:
        fast = _fast_accumulated(r, as_of, default_convention)
        if fast is None:
            slow.append(r)
        else:
            accumulated[r[0]] = fast
    usage = usage_by_asset(session, [r[0] for r in slow])
    for r in slow:
        accumulated[r[0]] = schedule_accumulated(r, as_of, default_convention, usage[r[0]])
    return assemble(as_of, rows, accumulated)


def register_rows(session: Session, as_of: date) -> list[Sequence[Any]]:
    """The raw rows (`_COLUMNS`) of the assets on the register at `as_of`, by asset tag."""
    stmt = (
        select(*_COLUMNS)
        .outerjoin(Location, col(Location.id) == col(Asset.home_location_id))
        .where(col(Asset.purchase_cost).is_not(None))
        .order_by(col(Asset.asset_tag))
    )
    return [r for r in session.execute(stmt).all() if _on_register(r, as_of)]


def assemble(as_of: date, rows: Sequence[Sequence[Any]], accumulated: dict[int, int]) -> Register:
    register = Register(as_of=as_of, rows=[])
    by_category: dict[str, Totals] = defaultdict(Totals)
    by_location: dict[str, Totals] = defaultdict(Totals)
    for r in rows:
        cost, acc = _cents(r[5]), accumulated[r[0]]
        row = RegisterRow(
            asset_tag=r[1],
            name=r[2],
            category=r[3],
            location=r[4],
            method=r[10] or (DEFAULT_METHOD if r[9] is not None else None),
            start=r[8] or r[7],
            cost=cost,
            accumulated=acc,
            book_value=cost - acc,
        )
        register.rows.append(row)
        register.totals.add(row)
        by_category[r[3] or NO_GROUP].add(row)
        by_location[r[4] or NO_GROUP].add(row)
    register.by_category = dict(sorted(by_category.items()))
    register.by_location = dict(sorted(by_location.items()))
    return register
