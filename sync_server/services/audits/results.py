"""An audit's reconciliation: its inputs loaded with one set-based query each (expected list,
the audit's reads, where the unexpected assets were expected), then the shared pure
`reconcile` (so the handheld's live view computes the same answer). Frozen at close."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import and_, bindparam, func, insert, or_, select
from sqlmodel import Session

from shared.audits import (
    CATEGORIES,
    AssetRow,
    AuditRead,
    ExpectedAsset,
    Reconciliation,
    Registered,
    UnknownRow,
    paused_gc,
    reconcile,
)
from sync_server.models import Asset, Audit, AuditExpected, AuditLine, Event, Location
from sync_server.services.audits import core
from sync_server.services.audits import expected as exp

_A = Asset.__table__  # type: ignore[attr-defined]
_E = Event.__table__  # type: ignore[attr-defined]
_X = AuditExpected.__table__  # type: ignore[attr-defined]
_LINE = AuditLine.__table__  # type: ignore[attr-defined]
_LOC = Location.__table__  # type: ignore[attr-defined]
ASSET_TYPES = ("sighting", "checkout", "checkin")
_READ_COLS = (
    _E.c.key, _E.c.code, _E.c.resolved_location, _E.c.source,
    _E.c.event_time, _E.c.device_id,
    _E.c.operator, _E.c.rssi, _E.c.read_count, _E.c.weak, _E.c.asset_id, _A.c.asset_tag,
    _A.c.name,
)  # fmt: skip


def _raw_rows(session: Session, stmt: Any) -> Sequence[Any]:
    # The driver's own tuples: SQLAlchemy's per-row wrapping and conversion cost more than the
    # query on 100,000-row answers. Callers convert the few typed columns they need.
    result = session.connection().execute(stmt)
    try:
        rows: Sequence[Any] = result.cursor.fetchall()
    finally:
        result.close()
    return rows


def _utc(value: Any) -> datetime:
    # SQLite gives the stored text, PostgreSQL a naive datetime; both are UTC.
    when = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    return when.replace(tzinfo=UTC)


def load_expected(
    session: Session, audit_id: str, keys: Mapping[str, tuple[str, ...]] | None = None
) -> list[ExpectedAsset]:
    """The audit's frozen expected list; `keys` gives, per asset tag, the keys to match reads
    by (the server passes the keys its reads resolved to, not every key of every asset)."""
    stmt = (
        select(_A.c.asset_tag, _X.c.location, _A.c.name)
        .select_from(_X.join(_A, _A.c.id == _X.c.asset_id))
        .where(_X.c.audit_id == audit_id)
    )
    rows = _raw_rows(session, stmt)
    got = keys or {}
    return [ExpectedAsset(t, got.get(t, ()), loc, n) for t, loc, n in rows]


def _reads_stmt(audit: Audit, codes: list[str], until: datetime) -> Any:
    own = _E.c.audit_id == audit.id
    where: Any = own
    if audit.include_fixed_readers:
        # A fixed reader inside the scope during the audit counts as one of its stations.
        fixed = and_(
            _E.c.audit_id.is_(None),
            _E.c.read_point.is_not(None),
            _E.c.resolved_location.in_(codes),
            _E.c.event_time >= audit.opened_at,
            _E.c.event_time <= until,
        )
        where = or_(own, fixed)
    return (
        select(*_READ_COLS)
        .select_from(_E.outerjoin(_A, _A.c.id == _E.c.asset_id))
        .where(where, _E.c.type.in_(ASSET_TYPES))
        # Arrival order: the index gives it without a sort; ties in time go to the first.
        .order_by(_E.c.id)
    )


def _as_of_locations(session: Session, audit: Audit, asset_ids: set[int]) -> dict[int, str]:
    # Where the unexpected assets were expected: rule 1 at the audit's open, without its reads.
    if not asset_ids:
        return {}
    ids_param: Any = bindparam("ids", expanding=True)
    last = exp.last_located_as_of(audit.expected_as_of, audit.id, ids_param)
    out: dict[int, str] = {}
    home = _LOC.alias("home")
    stmt = (
        select(_A.c.id, func.coalesce(last.c.resolved_location, home.c.code))
        .select_from(
            _A.outerjoin(last, last.c.asset_id == _A.c.id).outerjoin(
                home, home.c.id == _A.c.home_location_id
            )
        )
        .where(_A.c.id.in_(ids_param))
    )
    ids = sorted(asset_ids)
    for start in range(0, len(ids), 5000):
        rows = session.connection().execute(stmt, {"ids": ids[start : start + 5000]})
        out.update((aid, loc) for aid, loc in rows if loc is not None)
    return out


def _load_reads(
    session: Session, audit: Audit, codes: list[str], now: datetime
) -> tuple[list[AuditRead], dict[str, tuple[int, str, str]]]:
    rows = _raw_rows(session, _reads_stmt(audit, codes, audit.closed_at or now))
    reads = [
        AuditRead(k, code, loc, src, _utc(t), dev, op, rssi, n, bool(weak))
        for k, code, loc, src, t, dev, op, rssi, n, weak, _, _, _ in rows
    ]
    tags = {r[0]: (r[10], r[11], r[12]) for r in rows if r[10] is not None}
    return reads, tags


def live(session: Session, audit: Audit, now: datetime) -> Reconciliation:
    """Reconcile an open audit from the stored events (or a closing one, at `now`)."""
    with paused_gc():  # loading 160,000 rows is as collector-bound as reconciling them
        return _live(session, audit, now)


def _live(session: Session, audit: Audit, now: datetime) -> Reconciliation:
    codes = core.scope(session, audit)
    reads, tags = _load_reads(session, audit, codes, now)
    by_tag: dict[str, tuple[str, ...]] = {}
    for key, (_, tag, _) in tags.items():
        by_tag[tag] = (*by_tag.get(tag, ()), key)
    expected = load_expected(session, audit.id, by_tag)
    expected_tags = {e.asset_tag for e in expected}
    others = {k: v for k, v in tags.items() if v[1] not in expected_tags}
    where = _as_of_locations(session, audit, {aid for aid, _, _ in others.values()})
    registered = {
        k: Registered(tag, where.get(aid), name) for k, (aid, tag, name) in others.items()
    }
    return reconcile(expected, reads, registered, set(codes))


def _line(audit_id: str, category: str, row: AssetRow | UnknownRow) -> dict[str, Any]:
    ev = row.evidence
    base: dict[str, Any] = {
        "audit_id": audit_id, "category": category, "asset_tag": None, "name": None,
        "code": None, "key": None, "expected_location": None, "seen_location": None,
        "reads": row.reads, "device_id": None, "operator": None, "observed_at": None,
        "source": None, "ev_code": None, "rssi": None, "read_count": None, "weak": None,
    }  # fmt: skip
    if isinstance(row, UnknownRow):
        base.update(code=row.code, key=row.key, seen_location=ev.location if ev else None)
    else:
        base.update(
            asset_tag=row.asset_tag,
            name=row.name,
            expected_location=row.expected_location,
            seen_location=row.seen_location,
        )
    if ev is not None:
        base.update(
            device_id=ev.device_id, operator=ev.operator, observed_at=ev.observed_at,
            source=ev.source, ev_code=ev.code, rssi=ev.rssi, read_count=ev.read_count,
            weak=ev.weak,
        )  # fmt: skip
    return base


def _freeze(session: Session, audit_id: str, result: Reconciliation) -> None:
    rows = [
        _line(audit_id, name, row)
        for name in ("found", "missing", "unexpected", "unknown_codes", "relocated", "weak")
        for row in getattr(result, name)
    ]
    if rows:
        session.connection().execute(insert(_LINE), rows)


def close(
    session: Session, audit: Audit, by: str, when: datetime, device: str | None = None
) -> None:
    """Close `audit` at `when` and store its result as it stands now."""
    audit.status = core.CLOSED
    audit.closed_at = when
    audit.closed_by = by
    audit.closed_device = device
    session.add(audit)
    session.flush()
    _freeze(session, audit.id, live(session, audit, when))


def _read_of(line: Any) -> AuditRead | None:
    if line.observed_at is None:
        return None
    return AuditRead(
        line.key or "", line.ev_code or "", line.seen_location, line.source or "",
        line.observed_at, line.device_id, line.operator, line.rssi, line.read_count or 1,
        bool(line.weak),
    )  # fmt: skip


def frozen(session: Session, audit: Audit) -> Reconciliation:
    """A closed audit's stored result."""
    cats: dict[str, list[Any]] = {}
    stmt = select(_LINE).where(_LINE.c.audit_id == audit.id).order_by(_LINE.c.id)
    for line in session.connection().execute(stmt):
        ev = _read_of(line)
        if line.category == "unknown_codes":
            assert ev is not None
            cats.setdefault(line.category, []).append(
                UnknownRow(line.code, line.key, ev, line.reads)
            )
        else:
            row = AssetRow(
                line.asset_tag, line.expected_location, line.seen_location, ev, line.reads,
                line.name,
            )  # fmt: skip
            cats.setdefault(line.category, []).append(row)
    count = session.connection().execute(
        select(func.count()).select_from(_X).where(_X.c.audit_id == audit.id)
    )
    return Reconciliation(
        **{name: tuple(rows) for name, rows in cats.items()}, expected_count=count.scalar_one()
    )


def result(session: Session, audit: Audit, now: datetime) -> Reconciliation:
    """The audit's reconciliation: live while open, as frozen once closed."""
    if audit.status == core.CLOSED:
        return frozen(session, audit)
    return live(session, audit, now)


def participants(rows: Iterable[AssetRow]) -> set[str]:
    """The devices whose reads are evidence in `rows`."""
    return {r.evidence.device_id for r in rows if r.evidence and r.evidence.device_id}


def stored_counts(session: Session, audit: Audit) -> dict[str, int] | None:
    """A closed audit's counts per category (one grouped query); None while it is open."""
    if audit.status != core.CLOSED:
        return None
    stmt = (
        select(_LINE.c.category, func.count())
        .where(_LINE.c.audit_id == audit.id)
        .group_by(_LINE.c.category)
    )
    counts = dict.fromkeys(CATEGORIES, 0)
    for cat, n in session.connection().execute(stmt):
        counts[cat] = n
    total = select(func.count()).select_from(_X).where(_X.c.audit_id == audit.id)
    counts["expected"] = session.connection().execute(total).scalar_one()
    return counts


def expected_of(session: Session, audit: Audit) -> dict[str, Any]:
    """The body of `GET /audits/{id}/expected`: the frozen list with every identity key."""
    stmt = (
        select(_A.c.id, _A.c.asset_tag, _A.c.name, _X.c.location)
        .select_from(_X.join(_A, _A.c.id == _X.c.asset_id))
        .where(_X.c.audit_id == audit.id)
        .order_by(_A.c.asset_tag)
    )
    rows = session.connection().execute(stmt).all()
    keys = exp.keys_of(session, select(_X.c.asset_id).where(_X.c.audit_id == audit.id))
    code = core.location_code(session, audit)
    assets = [
        {"asset_tag": t, "name": n, "location": loc, "keys": exp.with_tag_key(t, keys.get(a, []))}
        for a, t, n, loc in rows
    ]
    return {
        "location": code,
        "include_sublocations": audit.include_sublocations,
        "scope": core.scope(session, audit),
        "as_of": audit.expected_as_of.isoformat(),
        "audit_id": audit.id,
        "count": len(assets),
        "assets": assets,
    }


_ROLE_ORDER = ("relocated", "found", "missing", "unexpected", "weak", "unknown_codes")


def audits_of_asset(session: Session, asset_id: int, asset_tag: str) -> list[tuple[Audit, str]]:
    """The audits an asset took part in (expected by them, or read in them), newest first,
    each with its part: the result's categories once closed ("relocated", "missing, weak",
    ...), "expected" / "expected, read" / "read" while open. One query per source."""
    x_ids = select(_X.c.audit_id).where(_X.c.asset_id == asset_id)
    read_ids = select(_E.c.audit_id).where(_E.c.asset_id == asset_id, _E.c.audit_id.is_not(None))
    conn = session.connection()
    expected = {a for (a,) in conn.execute(x_ids)}
    read = {a for (a,) in conn.execute(read_ids.distinct())}
    lines: dict[str, set[str]] = {}
    for audit_id, category in conn.execute(
        select(_LINE.c.audit_id, _LINE.c.category).where(_LINE.c.asset_tag == asset_tag)
    ):
        lines.setdefault(audit_id, set()).add(category)
    ids = expected | read | set(lines)
    audits = [a for a in (session.get(Audit, i) for i in sorted(ids)) if a is not None]
    out = []
    for audit in sorted(audits, key=lambda a: a.opened_at, reverse=True):
        if audit.status == core.CLOSED:
            cats = lines.get(audit.id, set())
            if "relocated" in cats:
                cats = cats - {"found"}  # relocated rows are found too; say the more telling
            part = ", ".join(c for c in _ROLE_ORDER if c in cats) or "not counted"
        else:
            parts = [("expected", audit.id in expected), ("read", audit.id in read)]
            part = ", ".join(name for name, on in parts if on)
        out.append((audit, part))
    return out
