"""Where is it, who has it (contract 2.2 rules 1, 2, 4, 5): codes to canonical keys to assets,
an event's location, and the last-writer-wins state registers over the total order
(event_time, device_id, stream_id, seq), guarded so an older event never overwrites a newer."""

from __future__ import annotations

import functools
import hashlib
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, bindparam, collate, delete, insert, or_, tuple_, update
from sqlalchemy import select as sa_select
from sqlalchemy.dialects import postgresql
from sqlmodel import Session, col, select

from sync_server.models import AssetIdentifier, AssetState, Event, Location, ReadPoint
from sync_server.services.bulk import Memo, executemany, insert_for

_LOGGER = logging.getLogger(__name__)
KEY_MAX = 1024
INVALID_SCHEME = "invalid"
CUSTODY_TYPES = ("checkout", "checkin")
_LOC_COLS = ("loc_time", "loc_device_id", "loc_stream_id", "loc_seq")
_CUST_COLS = ("cust_time", "cust_device_id", "cust_stream_id", "cust_seq")


def _bounded_key(key: str) -> str:
    # A key longer than the column can never be registered on an asset, so a stable digest
    # keeps such events storable (and groupable as one unknown code) without matching anything.
    if len(key) <= KEY_MAX:
        return key
    return "long/" + hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


@functools.lru_cache(maxsize=65_536)
def identify_code(code: str, symbology: str | None) -> tuple[str, str]:
    """(scheme, canonical key) of a scanned code; a code that does not identify gets scheme
    "invalid" and key "invalid/<code>" so it is kept as an unknown code, never rejected."""
    from shared.identifiers import IdentifierError, identify

    try:
        ident = identify(code, symbology)
    except IdentifierError:
        return INVALID_SCHEME, _bounded_key(f"invalid/{code}")
    except Exception:  # a parser bug on odd input must not refuse a whole batch
        _LOGGER.warning("identify failed on %r (symbology %r)", code, symbology, exc_info=True)
        return INVALID_SCHEME, _bounded_key(f"invalid/{code}")
    return ident.scheme, _bounded_key(ident.key)


def assets_for_keys(session: Session, keys: Iterable[str]) -> dict[str, int]:
    """key -> asset id for the keys that are registered."""
    wanted = sorted(set(keys))
    found: dict[str, int] = {}
    for start in range(0, len(wanted), 5000):
        chunk = wanted[start : start + 5000]
        rows = session.connection().execute(_assets_stmt(), {"keys": chunk})
        found.update((key, asset_id) for key, asset_id in rows)
    return found


# Statements are built once (with expanding IN parameters): building them per batch,
# aliases and all, costs more than running them.
@functools.cache
def _assets_stmt() -> Any:
    t = AssetIdentifier.__table__  # type: ignore[attr-defined]
    return sa_select(t.c.key, t.c.asset_id).where(t.c.key.in_(bindparam("keys", expanding=True)))


@functools.cache
def _locations_stmt() -> Any:
    loc = Location.__table__  # type: ignore[attr-defined]
    return sa_select(loc.c.code, loc.c.gln).where(
        or_(
            loc.c.code.in_(bindparam("codes", expanding=True)),
            loc.c.gln.in_(bindparam("glns", expanding=True)),
        )
    )


@functools.cache
def _read_points_stmt() -> Any:
    loc = Location.__table__  # type: ignore[attr-defined]
    rp = ReadPoint.__table__  # type: ignore[attr-defined]
    own, inside, outside = loc.alias(), loc.alias(), loc.alias()
    joined = (
        rp.outerjoin(own, rp.c.location_id == own.c.id)
        .outerjoin(inside, rp.c.inside_id == inside.c.id)
        .outerjoin(outside, rp.c.outside_id == outside.c.id)
    )
    return (
        sa_select(rp.c.code, own.c.code, inside.c.code, outside.c.code)
        .select_from(joined)
        .where(rp.c.code.in_(bindparam("codes", expanding=True)))
    )


@dataclass(frozen=True)
class _Point:
    location: str | None
    inside: str | None
    outside: str | None


class LocationIndex:
    """Resolves event locations (rule 4) for one batch from the rows it names."""

    def __init__(self, session: Session, locations: set[str], read_points: set[str]) -> None:
        self._codes: set[str] = set()
        self._gln: dict[str, str] = {}
        glns = {c for c in locations if len(c) == 13 and c.isdigit()}
        conn = session.connection()
        if locations:
            rows = conn.execute(
                _locations_stmt(), {"codes": sorted(locations), "glns": sorted(glns) or [""]}
            ).all()
            self._codes = {code for code, _ in rows}
            self._gln = {gln: code for code, gln in rows if gln}
        self._points: dict[str, _Point] = {}
        if read_points:
            for code, *where in conn.execute(_read_points_stmt(), {"codes": sorted(read_points)}):
                self._points[code] = _Point(*where)

    def resolve(
        self, location: str | None, read_point: str | None, direction: str | None
    ) -> str | None:
        """The event's location code: its own `location` (by code, else by GLN; an unregistered
        code is kept as given), else its read point's inside/outside/own location."""
        if location is not None:
            if location in self._codes:
                return location
            return self._gln.get(location, location)
        point = self._points.get(read_point) if read_point is not None else None
        if point is None:
            return None
        if direction == "in" and point.inside is not None:
            return point.inside
        if direction == "out" and point.outside is not None:
            return point.outside
        return point.location


# -- the state registers ---------------------------------------------------------------------


def order_key(ev: Mapping[str, Any]) -> tuple[datetime, str, str, int]:
    """The total order of events (rule 1 ties broken by device, stream, seq)."""
    return (ev["event_time"], ev["device_id"], ev["stream_id"], ev["seq"])


def _winners(events: Iterable[Mapping[str, Any]]) -> tuple[dict[int, Any], dict[int, Any]]:
    loc: dict[int, Mapping[str, Any]] = {}
    cust: dict[int, Mapping[str, Any]] = {}
    for ev in events:
        aid = ev.get("asset_id")
        if aid is None:
            continue
        # A weak read (an audit's neighbour read through a wall) never moves an asset.
        if (
            ev.get("resolved_location") is not None
            and not ev.get("weak")
            and (aid not in loc or order_key(ev) > order_key(loc[aid]))
        ):
            loc[aid] = ev
        if ev["type"] in CUSTODY_TYPES and (
            aid not in cust or order_key(ev) > order_key(cust[aid])
        ):
            cust[aid] = ev
    return loc, cust


def _loc_values(aid: int, ev: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "asset_id": aid,
        "loc_time": ev["event_time"],
        "loc_device_id": ev["device_id"],
        "loc_stream_id": ev["stream_id"],
        "loc_seq": ev["seq"],
        "location": ev["resolved_location"],
        "read_point": ev["read_point"],
        "observed_at": ev["observed_at"],
        "source": ev["source"],
    }


def _cust_values(aid: int, ev: Mapping[str, Any]) -> dict[str, Any]:
    checkout = ev["type"] == "checkout"
    due: date | None = ev["due_back"] if checkout else None
    return {
        "asset_id": aid,
        "cust_time": ev["event_time"],
        "cust_device_id": ev["device_id"],
        "cust_stream_id": ev["stream_id"],
        "cust_seq": ev["seq"],
        "custodian": ev["custodian"] if checkout else None,
        "due_back": due,
    }


def _guard(dialect_name: str, cols: tuple[str, ...], excluded: Any) -> ColumnElement[bool]:
    # Byte-order string comparison on both backends, the same order Python uses in rebuild.
    name = "C" if dialect_name == "postgresql" else "BINARY"
    table = AssetState.__table__.c  # type: ignore[attr-defined]
    time, dev, stream, seq = (table[c] for c in cols)
    new = (excluded[cols[0]], excluded[cols[1]], excluded[cols[2]], excluded[cols[3]])
    return or_(
        time.is_(None),
        tuple_(time, collate(dev, name), collate(stream, name), seq)
        < tuple_(new[0], collate(new[1], name), collate(new[2], name), new[3]),
    )


@functools.cache
def _upsert_stmt(dialect_name: str, cols: tuple[str, ...], names: tuple[str, ...]) -> Any:
    ins = insert_for(dialect_name, AssetState.__table__)  # type: ignore[attr-defined]
    return ins.on_conflict_do_update(
        index_elements=["asset_id"],
        set_={n: ins.excluded[n] for n in names},
        where=_guard(dialect_name, cols, ins.excluded),
    )


def _upsert(
    session: Session, rows: list[dict[str, Any]], cols: tuple[str, ...], memo: Memo
) -> None:
    if not rows:
        return
    rows.sort(key=lambda r: r["asset_id"])  # one lock order for every writer: no deadlocks
    names = tuple(k for k in rows[0] if k != "asset_id")
    stmt = _upsert_stmt(session.get_bind().dialect.name, cols, names)
    executemany(session, AssetState.__table__, stmt, rows, memo)  # type: ignore[attr-defined]


@functools.cache
def _ensure_state_stmt() -> Any:
    table = AssetState.__table__  # type: ignore[attr-defined]
    return postgresql.insert(table).on_conflict_do_nothing(index_elements=["asset_id"])


def _lock_states(session: Session, asset_ids: set[int]) -> None:
    # PostgreSQL: lock every touched row once, in asset order, before the two upsert passes;
    # otherwise two batches could lock one asset's row in different passes and deadlock.
    if session.get_bind().dialect.name != "postgresql" or not asset_ids:
        return
    ordered = sorted(asset_ids)
    table = AssetState.__table__  # type: ignore[attr-defined]
    executemany(session, table, _ensure_state_stmt(), [{"asset_id": a} for a in ordered])
    session.execute(
        select(AssetState.asset_id)
        .where(col(AssetState.asset_id).in_(ordered))
        .order_by(col(AssetState.asset_id))
        .with_for_update()
    )


def apply_events(
    session: Session, events: Iterable[Mapping[str, Any]], memo: Memo | None = None
) -> None:
    """Fold stored events into AssetState with the guarded last-writer-wins upsert."""
    loc, cust = _winners(events)
    _lock_states(session, set(loc) | set(cust))
    memo = {} if memo is None else memo
    _upsert(session, [_loc_values(a, e) for a, e in loc.items()], _LOC_COLS, memo)
    _upsert(session, [_cust_values(a, e) for a, e in cust.items()], _CUST_COLS, memo)


_STATE_FIELDS = (
    "asset_id",
    "type",
    "event_time",
    "device_id",
    "stream_id",
    "seq",
    "resolved_location",
    "read_point",
    "observed_at",
    "source",
    "custodian",
    "due_back",
    "weak",
)


def _event_dicts(session: Session, *where: Any) -> list[dict[str, Any]]:
    stmt = select(*(getattr(Event, f) for f in _STATE_FIELDS)).where(*where)
    return [dict(zip(_STATE_FIELDS, row, strict=True)) for row in session.exec(stmt).all()]


def compute_state(session: Session) -> dict[int, dict[str, Any]]:
    """AssetState rows (as dicts) derived from the whole Event history."""
    loc, cust = _winners(_event_dicts(session, col(Event.asset_id).is_not(None)))
    out: dict[int, dict[str, Any]] = {}
    for aid, ev in loc.items():
        out.setdefault(aid, empty_state(aid)).update(_loc_values(aid, ev))
    for aid, ev in cust.items():
        out.setdefault(aid, empty_state(aid)).update(_cust_values(aid, ev))
    return out


def empty_state(asset_id: int) -> dict[str, Any]:
    """An AssetState row with nothing known."""
    cols = AssetState.__table__.c.keys()  # type: ignore[attr-defined]
    return {c: (asset_id if c == "asset_id" else None) for c in cols}


def read_state(session: Session) -> dict[int, dict[str, Any]]:
    """The AssetState table as dicts keyed by asset id."""
    table = AssetState.__table__  # type: ignore[attr-defined]
    return {r["asset_id"]: dict(r) for r in session.execute(table.select()).mappings().all()}


def rebuild_state(session: Session) -> None:
    """Recompute the whole AssetState table from Event (invariant I3 says nothing changes)."""
    rows = list(compute_state(session).values())
    session.execute(delete(AssetState))
    if rows:
        session.execute(insert(AssetState), rows)


def reresolve_key(session: Session, key: str, asset_id: int) -> int:
    """Attach the past unknown-code events with `key` to `asset_id` and fold them into the
    asset's state; returns how many events were attached."""
    result = session.execute(
        update(Event)
        .where(col(Event.asset_id).is_(None), col(Event.key) == key)
        .values(asset_id=asset_id)
    )
    count: int = getattr(result, "rowcount", 0) or 0
    if count:
        apply_events(session, _event_dicts(session, col(Event.asset_id) == asset_id))
    return count


def recompute_asset(session: Session, asset_id: int) -> None:
    """Rebuild one asset's state row from its events (after an event of it was removed or
    detached, which the forward-only guarded upsert cannot express)."""
    session.execute(delete(AssetState).where(col(AssetState.asset_id) == asset_id))
    apply_events(session, _event_dicts(session, col(Event.asset_id) == asset_id))
