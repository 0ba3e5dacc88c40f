"""The movement log of dock doors: every sighting that crossed a portal (a read point with a
direction), newest first, filtered by door, direction, time range and asset; as pages, as
counts and as CSV. Read-only; shared by the JSON API and the web UI."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel
from sqlalchemy import ColumnElement, and_, func
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from sync_server.models import Asset, Event, ReadPoint
from sync_server.services import InvalidInput, NotFound

Direction = Literal["in", "out"]
DIRECTIONS: tuple[Direction, ...] = ("in", "out")
MAX_PAGE = 1000
CSV_COLUMNS = (
    "time", "door", "direction", "asset_tag", "asset_name", "code", "location",
    "device_id", "antenna", "rssi", "read_count",
)  # fmt: skip
# A cell starting with one of these is a formula to a spreadsheet; asset names are user text.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class MovementOut(BaseModel):
    """One crossing of a door: when, which door, which way, what, and where it went."""

    time: datetime
    door: str
    direction: Direction
    asset_tag: str | None
    asset_name: str | None
    code: str
    location: str | None
    device_id: str
    antenna: int | None
    rssi: float | None
    read_count: int


class MovementPage(BaseModel):
    """A page of movements (newest first), the filter's total and its in/out counts."""

    items: list[MovementOut]
    total: int
    ins: int
    outs: int
    limit: int
    offset: int


@dataclass(frozen=True)
class MovementFilter:
    """Which movements: at `door`, going `direction`, in [since, until), of asset `asset`."""

    door: str | None = None
    direction: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    asset: str | None = None


def _utc(value: datetime | None) -> datetime | None:
    # A time without a zone is read as UTC, the zone every time here is shown in.
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


def _conditions(session: Session, f: MovementFilter) -> list[ColumnElement[bool]]:
    """The WHERE clauses of `f`; 422 for a bad direction or range, 404 for an unknown asset."""
    conds: list[ColumnElement[bool]] = [
        col(Event.direction).is_not(None),
        col(Event.read_point).is_not(None),
    ]
    if f.direction is not None:
        if f.direction not in DIRECTIONS:
            raise InvalidInput(f"direction must be 'in' or 'out', not {f.direction!r}")
        conds.append(col(Event.direction) == f.direction)
    if f.door is not None:
        conds.append(col(Event.read_point) == f.door)
    since, until = _utc(f.since), _utc(f.until)
    if since is not None and until is not None and until <= since:
        raise InvalidInput("the time range ends before it starts")
    if since is not None:
        conds.append(col(Event.event_time) >= since)
    if until is not None:
        conds.append(col(Event.event_time) < until)
    if f.asset is not None:
        asset_id = session.exec(select(Asset.id).where(Asset.asset_tag == f.asset)).first()
        if asset_id is None:
            raise NotFound(f"no asset {f.asset!r}")
        conds.append(col(Event.asset_id) == asset_id)
    return conds


def check_filter(session: Session, f: MovementFilter) -> None:
    """Raise what `list_movements` would for `f` (before a download starts streaming)."""
    _conditions(session, f)


def _row_columns() -> list[Any]:
    return [
        col(Event.event_time), col(Event.read_point), col(Event.direction),
        col(Asset.asset_tag), col(Asset.name), col(Event.code), col(Event.resolved_location),
        col(Event.device_id), col(Event.antenna), col(Event.rssi), col(Event.read_count),
    ]  # fmt: skip


def _rows_stmt(conds: list[ColumnElement[bool]]) -> Any:
    return (
        sa_select(*_row_columns())
        .select_from(Event)
        .outerjoin(Asset, col(Asset.id) == col(Event.asset_id))
        .where(and_(*conds))
        .order_by(col(Event.event_time).desc(), col(Event.id).desc())
    )


def _out(row: Any) -> MovementOut:
    fields = dict(zip(CSV_COLUMNS, row, strict=True))
    return MovementOut(**fields)


def list_movements(
    session: Session, f: MovementFilter, limit: int = 100, offset: int = 0
) -> MovementPage:
    """The movements `f` selects, newest first, with the total and the in/out counts."""
    conds = _conditions(session, f)
    limit, offset = max(1, min(limit, MAX_PAGE)), max(0, offset)
    counted = session.execute(
        sa_select(col(Event.direction), func.count()).where(and_(*conds)).group_by(Event.direction)
    ).all()
    counts: dict[str, int] = {str(d): int(n) for d, n in counted}
    rows = session.execute(_rows_stmt(conds).limit(limit).offset(offset)).all()
    ins, outs = counts.get("in", 0), counts.get("out", 0)
    return MovementPage(
        items=[_out(r) for r in rows],
        total=sum(counts.values()),
        ins=ins,
        outs=outs,
        limit=limit,
        offset=offset,
    )


def iter_movements(session: Session, f: MovementFilter) -> Iterator[MovementOut]:
    """Every movement `f` selects, newest first, fetched in chunks (for downloads)."""
    stmt = _rows_stmt(_conditions(session, f)).execution_options(yield_per=1000)
    for row in session.execute(stmt):
        yield _out(row)


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    text = str(value)
    if isinstance(value, str) and text.startswith(_FORMULA_START):
        return "'" + text
    return text


def csv_lines(movements: Iterable[MovementOut]) -> Iterator[str]:
    """The movements as CSV text, a header line first, one line per movement."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for m in movements:
        writer.writerow(_cell(getattr(m, name)) for name in CSV_COLUMNS)
        if buffer.tell() > 64_000:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def doors(session: Session) -> list[str]:
    """Codes of the doors: read points with an inside and an outside, and any read point that
    reported a direction (it may not be registered), sorted."""
    portals = session.exec(
        select(ReadPoint.code).where(
            col(ReadPoint.inside_id).is_not(None), col(ReadPoint.outside_id).is_not(None)
        )
    ).all()
    seen = session.exec(
        select(Event.read_point)
        .where(col(Event.direction).is_not(None), col(Event.read_point).is_not(None))
        .distinct()
    ).all()
    return sorted({*portals, *(code for code in seen if code is not None)})
