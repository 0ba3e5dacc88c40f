"""Resolutions: what an admin or auditor decides about each row of an open audit, applied to
the register, logged with who, when and why, and undoable until the audit closes.

accept_relocation: the home location becomes where the audit saw it. mark_missing: status lost.
found_elsewhere: a manual sighting at the given location (moves its last-known location).
register_unknown: a new asset carrying the unknown code. attach_unknown: the code becomes an
identifier of an existing asset. dispose: status disposed. The last two claim the code's past
events through the registry's attach (they re-resolve by event time)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, update
from sqlmodel import Session, col, select

from shared.audits import Reconciliation
from sync_server.models import Asset, AssetIdentifier, AssetState, Audit, AuditResolution, Event
from sync_server.services import Conflict, InvalidInput, NotFound
from sync_server.services import registry as reg
from sync_server.services.audits import core, results
from sync_server.services.audits.schemas import ResolutionIn, ResolutionOut
from sync_server.services.resolution import apply_events, recompute_asset
from sync_server.services.schemas import AssetIn

SERVER_DEVICE = "server"  # the device id of events the server records itself (found_elsewhere)
_ALLOWED = {
    "accept_relocation": ("relocated", "unexpected"),
    "mark_missing": ("missing",),
    "found_elsewhere": ("missing",),
    "dispose": ("missing", "unexpected", "found", "weak"),
}


def resolve(
    session: Session, audit_id: str, items: Sequence[ResolutionIn], by: str, now: datetime
) -> list[AuditResolution]:
    """Apply each decision in order (all or nothing: the caller's transaction); 409 for a
    closed audit or a row not in a category the action applies to."""
    audit = core.get_audit(session, audit_id)
    core.require_open(audit)
    rec = results.live(session, audit, now)
    done = []
    for item in items:
        undo = _apply(session, audit, rec, item, by, now)
        row = AuditResolution(
            audit_id=audit.id,
            action=item.action,
            asset_tag=item.asset_tag,
            code=item.code,
            location=item.location,
            reason=item.reason,
            by_user=by,
            at=now,
            undo=json.dumps(undo),
        )
        session.add(row)
        session.flush()
        done.append(row)
    return done


def _row_of(rec: Reconciliation, categories: Sequence[str], tag: str | None) -> Any:
    if tag is None:
        raise InvalidInput("this action needs asset_tag")
    for name in categories:
        for row in getattr(rec, name):
            if row.asset_tag == tag:
                return row
    raise Conflict(f"asset {tag} is not in {' or '.join(categories)} in this audit")


def _unknown_of(rec: Reconciliation, code: str | None) -> Any:
    if code is None:
        raise InvalidInput("this action needs the unknown code in code")
    for row in rec.unknown_codes:
        if code in (row.code, row.key):
            return row
    raise Conflict(f"{code!r} is not an unknown code of this audit")


def _apply(
    session: Session, audit: Audit, rec: Reconciliation, item: ResolutionIn, by: str, now: datetime
) -> dict[str, Any]:
    if item.action in ("register_unknown", "attach_unknown"):
        return _claim(session, audit, rec, item)
    row = _row_of(rec, _ALLOWED[item.action], item.asset_tag)
    asset = reg.get_asset(session, row.asset_tag)
    if item.action == "accept_relocation":
        target = item.location or row.seen_location
        if target is None:
            raise InvalidInput(f"no location seen for {asset.asset_tag}; give location")
        before = asset.home_location_id
        asset.home_location_id = reg.get_location(session, target).id
        return _touch(session, asset, now, {"home_location_id": before})
    if item.action == "found_elsewhere":
        return {"event_id": _manual_sighting(session, asset, item, by, now)}
    before_status = asset.status
    asset.status = "lost" if item.action == "mark_missing" else "disposed"
    return _touch(session, asset, now, {"status": before_status})


def _touch(session: Session, asset: Asset, now: datetime, undo: dict[str, Any]) -> dict[str, Any]:
    asset.updated_at = now
    session.add(asset)
    session.flush()
    return undo


def _manual_sighting(
    session: Session, asset: Asset, item: ResolutionIn, by: str, now: datetime
) -> int:
    if item.location is None:
        raise InvalidInput("found_elsewhere needs the location where it was found")
    loc = reg.get_location(session, item.location)
    stream = str(uuid.uuid4())
    row: dict[str, Any] = {
        "stream_id": stream, "seq": 1, "device_id": SERVER_DEVICE, "batch_id": stream,
        "type": "sighting", "code": asset.asset_tag, "key": f"tag/{asset.asset_tag}",
        "scheme": "label", "asset_id": asset.id, "source": "manual", "symbology": None,
        "observed_at": now, "event_time": now, "time_flag": None, "received_at": now,
        "boot_id": SERVER_DEVICE, "mono_ns": 0, "read_point": None, "location": loc.code,
        "resolved_location": loc.code, "antenna": None, "rssi": None, "read_count": 1,
        "first_seen": None, "last_seen": None, "direction": None, "audit_id": None,
        "custodian": None, "operator": by, "due_back": None, "weak": None,
    }  # fmt: skip
    event = Event(**row)
    session.add(event)
    session.flush()
    apply_events(session, [row])
    assert event.id is not None
    return event.id


def _symbology_of(session: Session, audit: Audit, key: str) -> str | None:
    stmt = select(Event.symbology).where(Event.audit_id == audit.id, Event.key == key).limit(1)
    return session.exec(stmt).first()


def _claim(
    session: Session, audit: Audit, rec: Reconciliation, item: ResolutionIn
) -> dict[str, Any]:
    row = _unknown_of(rec, item.code)
    if item.asset_tag is None:
        raise InvalidInput(f"{item.action} needs asset_tag")
    created = item.action == "register_unknown"
    if created:
        if item.name is None:
            raise InvalidInput("register_unknown needs the new asset's name")
        home = item.location or row.evidence.location or core.location_code(session, audit)
        data = AssetIn(asset_tag=item.asset_tag, name=item.name, home_location=home)
        asset = reg.create_asset(session, data)
    else:
        asset = reg.get_asset(session, item.asset_tag)
    ident = reg.attach_identifier(session, asset, row.code, _symbology_of(session, audit, row.key))
    if ident.key != row.key:
        raise InvalidInput(f"{row.code!r} identifies as {ident.key}, not as the code read")
    return {"asset_id": asset.id, "key": ident.key, "created": created}


def undo(
    session: Session, audit_id: str, resolution_id: int, by: str, now: datetime
) -> AuditResolution:
    """Put the register back as it was before the resolution; 409 once the audit is closed,
    for a resolution already undone, or when a later one on the same row is still in force."""
    audit = core.get_audit(session, audit_id)
    core.require_open(audit)
    res = session.get(AuditResolution, resolution_id)
    if res is None or res.audit_id != audit.id:
        raise NotFound(f"no resolution {resolution_id} in audit {audit_id}")
    if res.undone_at is not None:
        raise Conflict(f"resolution {resolution_id} was already undone")
    _check_latest(session, res)
    _revert(session, res, json.loads(res.undo), now)
    res.undone_at, res.undone_by = now, by
    session.add(res)
    session.flush()
    return res


def _check_latest(session: Session, res: AuditResolution) -> None:
    same = (
        col(AuditResolution.code) == res.code
        if res.asset_tag is None
        else col(AuditResolution.asset_tag) == res.asset_tag
    )
    later = session.exec(
        select(AuditResolution.id).where(
            AuditResolution.audit_id == res.audit_id,
            col(AuditResolution.id) > res.id,
            col(AuditResolution.undone_at).is_(None),
            same,
        )
    ).first()
    if later is not None:
        raise Conflict(f"undo resolution {later} first: it changed the same row later")


def _revert(session: Session, res: AuditResolution, data: dict[str, Any], now: datetime) -> None:
    if res.action in ("register_unknown", "attach_unknown"):
        _unclaim(session, data)
        return
    if res.action == "found_elsewhere":
        event = session.get(Event, data["event_id"])
        if event is not None and event.asset_id is not None:
            aid = event.asset_id
            session.delete(event)
            session.flush()
            recompute_asset(session, aid)
        return
    asset = reg.get_asset(session, res.asset_tag or "")
    for name, value in data.items():
        setattr(asset, name, value)
    _touch(session, asset, now, {})


def _unclaim(session: Session, data: dict[str, Any]) -> None:
    aid, key = data["asset_id"], data["key"]
    session.execute(
        delete(AssetIdentifier).where(
            col(AssetIdentifier.asset_id) == aid, col(AssetIdentifier.key) == key
        )
    )
    detach = update(Event).where(col(Event.asset_id) == aid)
    if not data["created"]:
        detach = detach.where(col(Event.key) == key)
    session.execute(detach.values(asset_id=None))
    if data["created"]:
        session.execute(delete(AssetIdentifier).where(col(AssetIdentifier.asset_id) == aid))
        session.execute(delete(AssetState).where(col(AssetState.asset_id) == aid))
        session.execute(delete(Asset).where(col(Asset.id) == aid))
    else:
        recompute_asset(session, aid)


def list_resolutions(session: Session, audit_id: str) -> list[AuditResolution]:
    """The audit's resolutions, oldest first (undone ones too)."""
    core.get_audit(session, audit_id)
    stmt = select(AuditResolution).where(AuditResolution.audit_id == audit_id)
    return list(session.exec(stmt.order_by(col(AuditResolution.id))).all())


def resolution_out(row: AuditResolution) -> ResolutionOut:
    """The API view of a resolution."""
    assert row.id is not None
    return ResolutionOut(
        id=row.id,
        audit_id=row.audit_id,
        action=row.action,
        asset_tag=row.asset_tag,
        code=row.code,
        location=row.location,
        reason=row.reason,
        by=row.by_user,
        at=row.at,
        undone_at=row.undone_at,
        undone_by=row.undone_by,
    )


def in_force(session: Session, audit_id: str) -> dict[str, str]:
    """Asset tag or code -> "action by who" for the resolutions not undone (the latest wins)."""
    out: dict[str, str] = {}
    for r in list_resolutions(session, audit_id):
        row = r.code if r.action in _CLAIMS else r.asset_tag
        if r.undone_at is None and row is not None:
            out[row] = f"{r.action} by {r.by_user}"
    return out


_CLAIMS = ("register_unknown", "attach_unknown")
