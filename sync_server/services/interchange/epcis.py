"""EPCIS 2.0 JSON-LD export (contract 2.4) of the movement history, with the CBV mapping of
docs/epcis.md: audit sightings `inventorying` (this project's vocabulary: CBV 2.0 has no such
step), portal crossings `arriving`/`departing` (or `receiving`/`shipping` where the read point
is set so), checkouts and checkins, other sightings with no business step. Locations with a GLN
are named by their GS1 Digital Link SGLN (`https://id.gs1.org/414/<GLN>`, with the read point
as the AI 254 extension); others by this project's URNs. One query for the events, one for
identities, one for places."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from sqlalchemy import and_, or_, select
from sqlmodel import Session

from sync_server.models import Asset, AssetIdentifier, Event, Location, ReadPoint, ReadPointSteps
from sync_server.services import InvalidInput
from sync_server.services.registry import get_asset, get_read_point

CONTEXT = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"
NS = "urn:scanstation:"
INVENTORYING = f"{NS}bizstep:inventorying"
CHECKOUT, CHECKIN = f"{NS}bizstep:checkout", f"{NS}bizstep:checkin"
INBOUND, OUTBOUND = ("arriving", "receiving"), ("departing", "shipping")
MAX_EVENTS = 100_000
_EVENT_NS = uuid.UUID("6f0b5c1e-52a4-4a53-9a43-0c2f3c1f9d21")  # event ids: uuid5(stream:seq)
_E = Event.__table__  # type: ignore[attr-defined]
_A = Asset.__table__  # type: ignore[attr-defined]
_COLS = (
    _E.c.stream_id, _E.c.seq, _E.c.type, _E.c.event_time, _E.c.received_at, _E.c.read_point,
    _E.c.resolved_location, _E.c.direction, _E.c.audit_id, _E.c.device_id, _E.c.operator,
    _E.c.source, _E.c.custodian, _E.c.asset_id, _A.c.asset_tag,
)  # fmt: skip


def _q(text: str) -> str:
    return quote(text, safe="-._~")


def _utc(t: datetime) -> str:
    return t.astimezone(UTC).isoformat().replace("+00:00", "Z")


def asset_uri(asset_tag: str, keys: Iterable[str]) -> str:
    """The asset's EPC as a URI: its first GS1 key as a GS1 Digital Link URI, else this
    project's URN for its asset tag."""
    for key in keys:
        if key[:1].isdigit():  # Digital Link paths (8004/..., 01/.../21/...) start with an AI
            return f"https://id.gs1.org/{key}"
    return f"{NS}asset:{_q(asset_tag)}"


def location_uri(code: str, gln: str | None) -> str:
    """A location: its SGLN as a GS1 Digital Link URI when it has a GLN, else a URN."""
    return f"https://id.gs1.org/414/{gln}" if gln else f"{NS}location:{_q(code)}"


def read_point_uri(code: str, gln: str | None) -> str:
    """A read point: its location's GLN with the read point as the AI 254 extension, else a
    URN."""
    return f"https://id.gs1.org/414/{gln}/254/{_q(code)}" if gln else f"{NS}read-point:{_q(code)}"


def biz_step(ev: Mapping[str, Any], steps: Mapping[str, tuple[str, str]]) -> str | None:
    """The CBV business step of one event (docs/epcis.md)."""
    if ev["audit_id"] is not None:
        return INVENTORYING
    if ev["type"] == "checkout":
        return CHECKOUT
    if ev["type"] == "checkin":
        return CHECKIN
    inbound, outbound = steps.get(ev["read_point"] or "", ("arriving", "departing"))
    if ev["direction"] == "in":
        return inbound
    if ev["direction"] == "out":
        return outbound
    return None


def _events(session: Session, where: list[Any], limit: int) -> list[dict[str, Any]]:
    stmt = (
        select(*_COLS)
        .select_from(_E.join(_A, _A.c.id == _E.c.asset_id))
        .where(
            _E.c.type.in_(("sighting", "checkout", "checkin")),
            or_(_E.c.weak.is_(None), _E.c.weak.is_(False)),  # weak reads are not evidence
            *where,
        )
        .order_by(_E.c.event_time, _E.c.device_id, _E.c.stream_id, _E.c.seq)
        .limit(limit)
    )
    names = [c.name for c in _COLS]
    return [dict(zip(names, row, strict=True)) for row in session.connection().execute(stmt)]


def _places(
    session: Session, events: list[dict[str, Any]]
) -> tuple[dict[str, str], dict[str, str], dict[str, tuple[str, str]]]:
    codes = {e["resolved_location"] for e in events if e["resolved_location"]}
    points = {e["read_point"] for e in events if e["read_point"]}
    loc, rp = Location.__table__, ReadPoint.__table__  # type: ignore[attr-defined]
    conn = session.connection()
    glns: dict[str, str | None] = dict(
        conn.execute(select(loc.c.code, loc.c.gln).where(loc.c.code.in_(codes))).all()
    )
    locs = {c: location_uri(c, glns.get(c)) for c in codes}
    steps_t = ReadPointSteps.__table__  # type: ignore[attr-defined]
    stmt = (
        select(rp.c.code, loc.c.gln, steps_t.c.inbound, steps_t.c.outbound)
        .select_from(rp.outerjoin(loc, loc.c.id == rp.c.location_id).outerjoin(
            steps_t, steps_t.c.read_point_id == rp.c.id))
        .where(rp.c.code.in_(points))
    )  # fmt: skip
    rps = {p: read_point_uri(p, None) for p in points}
    steps: dict[str, tuple[str, str]] = {}
    for code, gln, inbound, outbound in conn.execute(stmt):
        rps[code] = read_point_uri(code, gln)
        if inbound is not None:
            steps[code] = (inbound, outbound)
    return locs, rps, steps


def _identities(session: Session, asset_ids: set[int]) -> dict[int, list[str]]:
    t = AssetIdentifier.__table__  # type: ignore[attr-defined]
    out: dict[int, list[str]] = {}
    ids = sorted(asset_ids)
    for start in range(0, len(ids), 5000):
        stmt = select(t.c.asset_id, t.c.key).where(t.c.asset_id.in_(ids[start : start + 5000]))
        for aid, key in session.connection().execute(stmt.order_by(t.c.id)):
            out.setdefault(aid, []).append(key)
    return out


def _object_event(
    ev: dict[str, Any], epc: str, locs: Mapping[str, str], rps: Mapping[str, str],
    steps: Mapping[str, tuple[str, str]],
) -> dict[str, Any]:  # fmt: skip
    ident = str(ev["stream_id"]) + ":" + str(ev["seq"])
    out: dict[str, Any] = {
        "type": "ObjectEvent",
        "eventTime": _utc(ev["event_time"]),
        "eventTimeZoneOffset": "+00:00",
        "recordTime": _utc(ev["received_at"]),
        "eventID": f"urn:uuid:{uuid.uuid5(_EVENT_NS, ident)}",
        "epcList": [epc],
        "action": "OBSERVE",
    }
    step = biz_step(ev, steps)
    if step is not None:
        out["bizStep"] = step
    where = ev["resolved_location"]
    if ev["read_point"]:
        out["readPoint"] = {"id": rps[ev["read_point"]]}
    elif where:
        out["readPoint"] = {"id": locs[where]}
    if where:
        out["bizLocation"] = {"id": locs[where]}
    for name, key in (("device", "device_id"), ("operator", "operator"), ("source", "source"),
                      ("audit", "audit_id"), ("custodian", "custodian")):  # fmt: skip
        if ev[key] is not None:
            out[f"scanstation:{name}"] = ev[key]
    return out


def document(session: Session, where: list[Any], now: datetime, limit: int) -> dict[str, Any]:
    """An EPCISDocument of the events matching `where` (SQL conditions on Event/Asset)."""
    events = _events(session, where, limit)
    locs, rps, steps = _places(session, events)
    ids = _identities(session, {e["asset_id"] for e in events})
    uris = {e["asset_id"]: asset_uri(e["asset_tag"], ids.get(e["asset_id"], [])) for e in events}
    return {
        "@context": [CONTEXT, {"scanstation": NS}],
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": _utc(now),
        "epcisBody": {
            "eventList": [_object_event(e, uris[e["asset_id"]], locs, rps, steps) for e in events]
        },
    }


def movements(
    session: Session,
    asset: str | None,
    since: datetime | None,
    until: datetime | None,
    now: datetime,
    limit: int = MAX_EVENTS,
) -> dict[str, Any]:
    """`GET /epcis/events`: the movement history (of one asset, between two times)."""
    if since is not None and until is not None and since > until:
        raise InvalidInput("since is after until")
    where: list[Any] = []
    if asset is not None:
        where.append(_E.c.asset_id == get_asset(session, asset).id)
    if since is not None:
        where.append(_E.c.event_time >= since)
    if until is not None:
        where.append(_E.c.event_time <= until)
    return document(session, [and_(*where)] if where else [], now, limit)


def set_steps(session: Session, code: str, inbound: str, outbound: str) -> tuple[str, str]:
    """Set a portal's business steps for crossings; 422 for steps CBV does not use so."""
    if inbound not in INBOUND or outbound not in OUTBOUND:
        raise InvalidInput(f"inbound must be one of {INBOUND}, outbound one of {OUTBOUND}")
    point = get_read_point(session, code)
    assert point.id is not None
    row = session.get(ReadPointSteps, point.id) or ReadPointSteps(read_point_id=point.id)
    row.inbound, row.outbound = inbound, outbound
    session.add(row)
    session.flush()
    return inbound, outbound


def get_steps(session: Session, code: str) -> tuple[str, str]:
    """A portal's business steps for crossings (the defaults if never set)."""
    point = get_read_point(session, code)
    row = session.get(ReadPointSteps, point.id)
    return (row.inbound, row.outbound) if row else ("arriving", "departing")
