"""Audit schedules: a location is audited every N days. Its next audit is due N days after its
last closed audit (or on the schedule's start date before the first one); past that date it is
overdue. One grouped query finds every location's last audit, one its result's counts."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Literal

from sqlalchemy import func, select
from sqlmodel import Session, col
from sqlmodel import select as sm_select

from sync_server.models import Audit, AuditLine, AuditSchedule, Location
from sync_server.services import NotFound
from sync_server.services.audits.schemas import ScheduleIn, ScheduleOut
from sync_server.services.registry import get_location

DUE_WITHIN_DAYS = 7


def set_schedule(
    session: Session, code: str, data: ScheduleIn, by: str, now: datetime
) -> ScheduleOut:
    """Create or change the location's schedule."""
    loc = get_location(session, code)
    assert loc.id is not None
    row = session.get(AuditSchedule, loc.id)
    start = data.start or now.date()
    if row is None:
        row = AuditSchedule(location_id=loc.id, every_days=data.every_days, start=start,
                            updated_at=now, updated_by=by)  # fmt: skip
    else:
        row.every_days, row.updated_at, row.updated_by = data.every_days, now, by
        if data.start is not None:
            row.start = data.start
    session.add(row)
    session.flush()
    return schedules(session, now.date(), [loc.id])[0]


def delete_schedule(session: Session, code: str) -> None:
    """Stop scheduling audits of the location; 404 if it has no schedule."""
    loc = get_location(session, code)
    row = session.get(AuditSchedule, loc.id)
    if row is None:
        raise NotFound(f"location {code!r} has no audit schedule")
    session.delete(row)
    session.flush()


def get_schedule(session: Session, code: str, today: date) -> ScheduleOut:
    """One location's schedule with its last audit; 404 if it has none."""
    loc = get_location(session, code)
    assert loc.id is not None
    found = schedules(session, today, [loc.id])
    if not found:
        raise NotFound(f"location {code!r} has no audit schedule")
    return found[0]


def _last_audits(session: Session, location_ids: Iterable[int] | None) -> dict[int, Audit]:
    latest = select(col(Audit.location_id), func.max(col(Audit.closed_at)).label("at")).where(
        col(Audit.status) == "closed"
    )
    if location_ids is not None:
        latest = latest.where(col(Audit.location_id).in_(list(location_ids)))
    sub = latest.group_by(col(Audit.location_id)).subquery()
    stmt = sm_select(Audit).join(
        sub, (col(Audit.location_id) == sub.c.location_id) & (col(Audit.closed_at) == sub.c.at)
    )
    return {a.location_id: a for a in session.exec(stmt).all()}


def _counts(session: Session, audit_ids: list[str]) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {a: {} for a in audit_ids}
    if not audit_ids:
        return out
    stmt = (
        select(col(AuditLine.audit_id), col(AuditLine.category), func.count())
        .where(col(AuditLine.audit_id).in_(audit_ids))
        .group_by(col(AuditLine.audit_id), col(AuditLine.category))
    )
    for audit_id, category, n in session.connection().execute(stmt):
        out[audit_id][category] = n
    return out


def state_of(
    next_due: date, today: date, within_days: int = DUE_WITHIN_DAYS
) -> Literal["ok", "due", "overdue"]:
    """ok, due (within `within_days` of the date) or overdue (past it)."""
    if today > next_due:
        return "overdue"
    return "due" if (next_due - today).days <= within_days else "ok"


def schedules(
    session: Session,
    today: date,
    location_ids: list[int] | None = None,
    within_days: int = DUE_WITHIN_DAYS,
) -> list[ScheduleOut]:
    """Schedules (all, or of `location_ids`) with last audit, result and due state, by code."""
    stmt = sm_select(AuditSchedule, Location.code).join(
        Location, col(Location.id) == AuditSchedule.location_id
    )
    if location_ids is not None:
        stmt = stmt.where(col(AuditSchedule.location_id).in_(location_ids))
    rows = session.exec(stmt.order_by(col(Location.code))).all()
    last = _last_audits(session, [s.location_id for s, _ in rows])
    counts = _counts(session, [a.id for a in last.values()])
    out = []
    for sched, code in rows:
        audit = last.get(sched.location_id)
        done = audit.closed_at if audit else None
        next_due = done.date() + timedelta(days=sched.every_days) if done else sched.start
        out.append(
            ScheduleOut(
                location=code,
                every_days=sched.every_days,
                start=sched.start,
                last_audit_id=audit.id if audit else None,
                last_audited_at=done,
                last_result=counts.get(audit.id) if audit else None,
                next_due=next_due,
                state=state_of(next_due, today, within_days),
            )
        )
    return out
