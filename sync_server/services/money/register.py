"""The fixed-asset register at a date (contract 2.5): cost, accumulated depreciation and book
value per asset, with totals, and totals per category and per (home) location.

An asset is on the register at `as_of` when it has a purchase cost, was bought (or put in
service) by then and was not disposed of by then (status "disposed" without a disposal date
counts as disposed of at any date). Its accumulated depreciation is the monthly
schedule's after the last month that ended by `as_of`. For the life-based methods and units of
production it comes from `money.closed_form` (a few integer operations per asset; tests hold it
equal to the schedule); half-year assets with a disposal date get their schedule built.
Amounts are whole cents, converted by the database itself (SQLite keeps NUMERIC as REAL, so
Python never sees its floats: `ROUND(x * 100)` gives the integer cents on both backends).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt
from sqlalchemy import Date, bindparam, text
from sqlalchemy import select as sa_select
from sqlmodel import Session, col

from sync_server.models import AssetUsage
from sync_server.money import closed_form, vectorised
from sync_server.money.calendar import months_ended, months_started
from sync_server.money.depreciation import (
    Basis,
    DepreciationError,
    Usage,
    accumulated_at,
)
from sync_server.services.money.fields import DEFAULT_METHOD

_ROWS = text(
    """
    SELECT a.id, a.asset_tag, a.name, a.category, l.code,
           CAST(ROUND(a.purchase_cost * 100) AS BIGINT),
           CAST(ROUND(COALESCE(a.salvage_value, 0) * 100) AS BIGINT),
           a.purchase_date, a.in_service_date, a.useful_life_months,
           a.depreciation_method, a.depreciation_convention,
           CAST(ROUND(a.expected_units * 100) AS BIGINT), a.disposal_date,
           CAST(COALESCE(a.in_service_date, a.purchase_date) AS TEXT)
    FROM asset a LEFT JOIN location l ON l.id = a.home_location_id
    WHERE a.purchase_cost IS NOT NULL
      AND ((a.purchase_date IS NULL AND a.in_service_date IS NULL)
           OR a.purchase_date <= :as_of OR a.in_service_date <= :as_of)
      AND ((a.disposal_date IS NULL AND a.status <> 'disposed') OR a.disposal_date > :as_of)
    """
).bindparams(bindparam("as_of", type_=Date))
NO_GROUP = "(none)"
_LIFE_METHODS = frozenset((*closed_form.LINEAR, *closed_form.DECLINING))


class AssetRow(NamedTuple):
    """An asset as the register reads it; amounts and expected units in cents."""

    id: int
    asset_tag: str
    name: str
    category: str | None
    location: str | None
    cost: int
    salvage: int
    purchase_date: date | None
    in_service_date: date | None
    life: int | None
    method: str | None
    convention: str | None
    expected_units: int | None
    disposal_date: date | None

    @property
    def start(self) -> date | None:
        """The in-service date, else the purchase date."""
        return self.in_service_date or self.purchase_date


class RegisterRow(NamedTuple):
    """One asset on the register; amounts in cents, `start` an ISO date."""

    asset_tag: str
    name: str
    category: str | None
    location: str | None
    method: str | None
    start: str | None
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


@dataclass
class Register:
    """The register at `as_of`: rows by asset tag, totals, and totals per group."""

    as_of: date
    rows: list[RegisterRow]
    totals: Totals = field(default_factory=Totals)
    by_category: dict[str, Totals] = field(default_factory=dict)
    by_location: dict[str, Totals] = field(default_factory=dict)


def _date(value: Any) -> date | None:
    # SQLite hands dates back as ISO text, PostgreSQL as dates.
    return date.fromisoformat(value) if value.__class__ is str else value


def _asset_row(r: Sequence[Any]) -> AssetRow:
    return AssetRow(
        r[0], r[1], r[2], r[3], r[4], int(r[5]), int(r[6]), _date(r[7]), _date(r[8]),
        r[9], r[10], r[11], None if r[12] is None else int(r[12]), _date(r[13]),
    )  # fmt: skip


def register_rows(session: Session, as_of: date) -> list[AssetRow]:
    """The assets on the register at `as_of`, by asset tag (ordered here, so both databases
    give the same order whatever their collation)."""
    rows = [_asset_row(r) for r in session.execute(_ROWS, {"as_of": as_of}).all()]
    rows.sort(key=lambda r: r.asset_tag)
    return rows


def _basis(row: AssetRow, convention: str, usage: Sequence[Usage]) -> Basis:
    return Basis(
        cost=Decimal(row.cost).scaleb(-2),
        salvage=Decimal(row.salvage).scaleb(-2),
        start=row.start or date.min,
        life_months=row.life,
        method=row.method or DEFAULT_METHOD,
        convention=row.convention or convention,
        expected_units=(
            None if row.expected_units is None else Decimal(row.expected_units).scaleb(-2)
        ),
        usage=tuple(usage),
        disposed_on=row.disposal_date,
    )


def _depreciable(row: AssetRow) -> bool:
    method = row.method or DEFAULT_METHOD
    if row.start is None or not 0 <= row.salvage <= row.cost:
        return False
    if method == "units_of_production":
        return row.expected_units is not None and row.expected_units > 0
    return row.life is not None and 1 <= row.life <= 1200


def fast_accumulated(
    row: AssetRow, as_of: date, convention: str, usage: Sequence[Usage]
) -> int | None:
    """Cents accumulated by `as_of` in closed form (0 when the asset is not depreciable);
    None when the schedule must be built. A disposal after `as_of` changes no month ended by
    then, except under half-year, where the year of disposal is spread over its months."""
    if not _depreciable(row):
        return 0
    method, start = row.method or DEFAULT_METHOD, row.start
    assert start is not None
    conv = row.convention or convention
    if method == "units_of_production":
        assert row.expected_units is not None
        used = _hundredths_used(usage, start)
        if used is None:
            return 0  # records that do not fit together: carried at cost, as the schedule
        months = [(max(0, months_started(start, on) - 1), units) for on, units in used]
        ended = months_ended(start, as_of)
        return closed_form.units_accumulated_cents(
            row.cost, row.salvage, row.expected_units, months, ended
        )
    if row.disposal_date is not None and conv == "half_year":
        return None
    assert row.life is not None
    months_done = months_ended(start, as_of)
    return closed_form.accumulated_cents(method, conv, row.life, row.cost, row.salvage, months_done)


def _hundredths_used(usage: Sequence[Usage], start: date) -> list[tuple[date, int]] | None:
    """`depreciation.units_by_date` in whole hundredths (the columns hold two places); None
    where it would refuse the records."""
    used: list[tuple[date, int]] = []
    last = 0
    for u in sorted(usage, key=lambda u: u.on):
        if (u.units is None) == (u.reading is None):
            return None
        value = int((u.units if u.units is not None else u.reading or Decimal(0)).scaleb(2))
        if value < 0:
            return None
        if u.units is not None:
            used.append((u.on, value))
        elif value < last:
            return None
        else:
            if u.on > start:
                used.append((u.on, value - last))
            last = value
    return used


def schedule_accumulated(
    row: AssetRow, as_of: date, convention: str, usage: Sequence[Usage]
) -> int:
    """Cents accumulated by `as_of` from the asset's whole monthly schedule (the slow way)."""
    if not _depreciable(row):
        return 0
    try:
        return int(accumulated_at(_basis(row, convention, usage), as_of).scaleb(2))
    except DepreciationError:
        return 0  # money fields that do not fit together: carried at cost


def usage_by_asset(session: Session, asset_ids: Iterable[int]) -> dict[int, list[Usage]]:
    """The usage records of each asset, oldest first."""
    ids = list(asset_ids)
    out: dict[int, list[Usage]] = defaultdict(list)
    columns = [col(c) for c in (AssetUsage.asset_id, AssetUsage.used_on, AssetUsage.units)]
    columns.append(col(AssetUsage.reading))
    for start in range(0, len(ids), 500):
        rows = session.execute(
            sa_select(*columns)
            .where(col(AssetUsage.asset_id).in_(ids[start : start + 500]))
            .order_by(col(AssetUsage.used_on), col(AssetUsage.id))
        ).all()
        for asset_id, used_on, units, reading in rows:
            out[asset_id].append(Usage(used_on, units, reading))
    return out


def register_report(session: Session, as_of: date, default_convention: str) -> Register:
    """The register at `as_of` (see the module's rules), ordered by asset tag."""
    raw = session.execute(_ROWS, {"as_of": as_of}).all()
    accumulated = _closed_form_many(raw, as_of, default_convention)
    units = [r[0] for r in raw if r[10] == "units_of_production"]
    usage = usage_by_asset(session, units) if units else {}
    out: list[RegisterRow] = []
    for i, r in enumerate(raw):
        cost, acc = int(r[5]), accumulated[i]
        if acc is None:  # units of production, a half-year disposal, or odd fields
            row = _asset_row(r)
            records = usage.get(row.id, ())
            fast = fast_accumulated(row, as_of, default_convention, records)
            acc = (
                schedule_accumulated(row, as_of, default_convention, records)
                if fast is None
                else fast
            )
        method = r[10] or (DEFAULT_METHOD if r[9] else None)
        out.append(RegisterRow(r[1], r[2], r[3], r[4], method, r[14], cost, acc, cost - acc))
    out.sort(key=_by_tag)
    return assemble(as_of, out)


def _closed_form_many(
    raw: Sequence[Sequence[Any]], as_of: date, default_convention: str
) -> list[int | None]:
    """Accumulated cents of every life-based asset, a numpy pass per (method, convention,
    life); None for the rows left to the per-asset path."""
    out: list[int | None] = [None] * len(raw)
    if as_of == date.max:
        return out
    if not raw:
        return out
    columns = list(zip(*raw, strict=True))  # column-wise once: numpy builds from tuples fast
    all_starts = np.array(columns[14], dtype="datetime64[D]")
    all_cost = np.array(columns[5], dtype=np.int64)
    all_salvage = np.array(columns[6], dtype=np.int64)
    groups: dict[tuple[str, str, int], list[int]] = defaultdict(list)
    for i, r in enumerate(raw):
        method, life, conv = r[10] or DEFAULT_METHOD, r[9], r[11] or default_convention
        if (
            method in _LIFE_METHODS and r[14] is not None and life is not None
            and 1 <= life <= 1200 and 0 <= r[6] <= r[5] and (r[13] is None or conv != "half_year")
        ):  # fmt: skip
            groups[method, conv, life].append(i)
    for (method, conv, life), rows in groups.items():
        index = np.array(rows, dtype=np.int64)
        cost, salvage = all_cost[index], all_salvage[index]
        months = vectorised.months_ended_many(all_starts[index], as_of)
        amounts = vectorised.accumulated_many(method, conv, life, cost, salvage, months)
        if amounts is None:
            amounts = np.array([
                closed_form.accumulated_cents(method, conv, life, int(c), int(s), int(k))
                for c, s, k in zip(cost, salvage, months, strict=True)
            ], dtype=np.int64)  # fmt: skip
        for i, amount in zip(rows, amounts.tolist(), strict=True):
            out[i] = amount
    return out


def _by_tag(row: RegisterRow) -> str:
    return row.asset_tag


def assemble(as_of: date, rows: list[RegisterRow]) -> Register:
    """The register of `rows`, totalled (integer sums: exact)."""
    count = len(rows)
    cost = np.fromiter((r.cost for r in rows), dtype=np.int64, count=count)
    accumulated = np.fromiter((r.accumulated for r in rows), dtype=np.int64, count=count)
    register = Register(as_of=as_of, rows=rows, totals=_sums(cost, accumulated))
    groups = (("category", register.by_category), ("location", register.by_location))
    for attribute, target in groups:
        names: dict[str, int] = {}
        index = np.fromiter(
            (names.setdefault(getattr(r, attribute) or NO_GROUP, len(names)) for r in rows),
            dtype=np.int64,
            count=count,
        )
        for name, i in sorted(names.items()):
            chosen = index == i
            target[name] = _sums(cost[chosen], accumulated[chosen])
    return register


def _sums(cost: npt.NDArray[np.int64], accumulated: npt.NDArray[np.int64]) -> Totals:
    # Python ints: a register's total may pass what int64 holds.
    total_cost = sum(cost.tolist())
    total_acc = sum(accumulated.tolist())
    return Totals(len(cost), total_cost, total_acc, total_cost - total_acc)
