"""Audits (contract 2.3): open on a location, the expected list frozen at open, close (the
result frozen at close). A station may open and close an audit itself, offline, with
`audit_open` / `audit_close` events; the server creates and closes it when they sync."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert, select
from sqlmodel import Session, col
from sqlmodel import select as sm_select

from sync_server.models import Audit, AuditExpected, Event, Location
from sync_server.services import Conflict, NotFound
from sync_server.services.audits import expected as exp
from sync_server.services.registry import get_asset, get_location

_LOGGER = logging.getLogger(__name__)
OPEN, CLOSED = "open", "closed"


@dataclass(frozen=True)
class OpenRequest:
    """What opening an audit needs besides the audited location."""

    location: str
    include_sublocations: bool = True
    include_fixed_readers: bool = False
    note: str | None = None


def get_audit(session: Session, audit_id: str) -> Audit:
    """The audit `audit_id`; 404 if unknown."""
    row = session.get(Audit, audit_id)
    if row is None:
        raise NotFound(f"no audit {audit_id!r}")
    return row


def location_code(session: Session, audit: Audit) -> str:
    """The code of the audited location."""
    loc = session.get(Location, audit.location_id)
    return loc.code if loc else "?"


def scope(session: Session, audit: Audit) -> list[str]:
    """The location codes the audit covers (the tree as it is now)."""
    return exp.scope_of(session, location_code(session, audit), audit.include_sublocations)


def open_audit(session: Session, req: OpenRequest, by_user: str, now: datetime) -> Audit:
    """Open an audit now, expecting what the state table says is in scope; 404 for an unknown
    location."""
    loc = get_location(session, req.location)
    codes = exp.scope_of(session, loc.code, req.include_sublocations)
    assert loc.id is not None
    audit = Audit(
        id=str(uuid.uuid4()),
        location_id=loc.id,
        include_sublocations=req.include_sublocations,
        include_fixed_readers=req.include_fixed_readers,
        status=OPEN,
        origin="api",
        opened_at=now,
        opened_by=by_user,
        expected_as_of=now,
        note=req.note,
    )
    session.add(audit)
    session.flush()
    _freeze_expected(session, audit.id, exp.expected_now_select(codes))
    return audit


def _freeze_expected(session: Session, audit_id: str, source: Any) -> None:
    sub = source.subquery()
    rows = select(exp.literal_id(audit_id), sub.c.id, sub.c.location)
    table = AuditExpected.__table__  # type: ignore[attr-defined]
    session.connection().execute(
        insert(table).from_select(["audit_id", "asset_id", "location"], rows)
    )


def _open_from_event(session: Session, ev: Mapping[str, Any]) -> None:
    audit_id = ev["audit_id"]
    if session.get(Audit, audit_id) is not None:
        return  # already known: opened through the API, or by another station's event
    code = ev["resolved_location"] or ev["location"]
    loc = session.exec(sm_select(Location).where(Location.code == code)).first()
    if loc is None or loc.id is None:
        _LOGGER.warning("audit_open %s names no registered location (%r)", audit_id, code)
        return
    when: datetime = ev["event_time"]
    audit = Audit(
        id=audit_id,
        location_id=loc.id,
        include_sublocations=True,
        status=OPEN,
        origin="device",
        opened_at=when,
        opened_by=ev.get("operator") or ev["device_id"],
        opened_device=ev["device_id"],
        opened_operator=ev.get("operator"),
        expected_as_of=when,
    )
    session.add(audit)
    session.flush()
    codes = exp.scope_of(session, loc.code, True)
    _freeze_expected(session, audit_id, exp.expected_as_of_select(codes, when, audit_id))


def apply_control_events(session: Session, rows: Iterable[Mapping[str, Any]]) -> None:
    """Open and close the audits that newly stored `audit_open` / `audit_close` events name
    (after the whole batch is stored, so an audit opened and closed offline sees its reads)."""
    from sync_server.services.audits.results import close

    controls = [r for r in rows if r["type"] in ("audit_open", "audit_close")]
    for ev in sorted(controls, key=lambda r: r["type"] != "audit_open"):
        if ev["type"] == "audit_open":
            _open_from_event(session, ev)
            continue
        audit = session.get(Audit, ev["audit_id"])
        if audit is not None and audit.status == OPEN:
            by = ev.get("operator") or ev["device_id"]
            close(session, audit, by, ev["event_time"], device=ev["device_id"])


def close_audit(session: Session, audit_id: str, by_user: str, now: datetime) -> Audit:
    """Close an audit and freeze its result; 409 if it is already closed."""
    from sync_server.services.audits.results import close

    audit = get_audit(session, audit_id)
    if audit.status != OPEN:
        raise Conflict(f"audit {audit_id} is already closed")
    close(session, audit, by_user, now)
    return audit


def require_open(audit: Audit) -> None:
    """409 unless the audit is still open."""
    if audit.status != OPEN:
        raise Conflict(f"audit {audit.id} is closed; its result and resolutions are final")


def list_audits(
    session: Session,
    status: str | None = None,
    location: str | None = None,
    asset: str | None = None,
) -> list[Audit]:
    """Audits, newest first, optionally only open/closed ones, one location's, or those an
    asset took part in (expected by it, or read in it)."""
    stmt = sm_select(Audit)
    if status is not None:
        stmt = stmt.where(Audit.status == status)
    if location is not None:
        stmt = stmt.where(Audit.location_id == get_location(session, location).id)
    if asset is not None:
        aid = get_asset(session, asset).id
        expecting = select(col(AuditExpected.audit_id)).where(col(AuditExpected.asset_id) == aid)
        reading = select(col(Event.audit_id)).where(
            col(Event.asset_id) == aid, col(Event.audit_id).is_not(None)
        )
        stmt = stmt.where(col(Audit.id).in_(expecting.union(reading)))
    return list(session.exec(stmt.order_by(col(Audit.opened_at).desc())).all())


def utcnow() -> datetime:
    """Now, aware UTC."""
    return datetime.now(UTC)
