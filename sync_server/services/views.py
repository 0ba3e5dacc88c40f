"""Read models shared by the JSON API and the web UI: an asset with where it is and who has it
(contract 2.2), its history, lists of assets, unknown codes and devices."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import func, or_
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from sync_server.models import Asset, AssetState, Device, Event, Location, Stream
from sync_server.services import InvalidInput, NotFound
from sync_server.services.identities import primary_key, tag_key
from sync_server.services.money.fields import AssetMoneyOut, money_fields
from sync_server.services.registry import get_asset, identifiers_of
from sync_server.services.resolution import KEY_MAX

MAX_PAGE = 1000


class IdentifierOut(BaseModel):
    """One scannable identity of an asset."""

    scheme: str
    value: str
    key: str


class LastSeenOut(BaseModel):
    """Where and when an asset was last seen (rule 1)."""

    location: str | None
    read_point: str | None
    observed_at: datetime | None
    event_time: datetime | None
    device_id: str | None
    source: str | None


class AssetOut(AssetMoneyOut):
    """An asset as contract 2.2 shows it, with its money fields (contract 2.5)."""

    asset_tag: str
    name: str
    key: str | None
    status: str
    identifiers: list[IdentifierOut]
    home_location: str | None
    last_seen: LastSeenOut | None
    custodian: str | None
    due_back: date | None
    manufacturer: str | None = None
    model_name: str | None = None
    model_number: str | None = None
    category: str | None = None
    serial_number: str | None = None
    custom_fields: dict[str, str] = Field(default_factory=dict)


class AssetPage(BaseModel):
    """A page of assets."""

    items: list[AssetOut]
    total: int
    limit: int
    offset: int


class HistoryEventOut(BaseModel):
    """One event of an asset's history: the wire fields, the device and the resolved place."""

    type: str
    code: str
    source: str
    symbology: str | None
    observed_at: datetime
    event_time: datetime
    time_flag: str | None
    read_point: str | None
    antenna: int | None
    rssi: float | None
    read_count: int
    first_seen: datetime | None
    last_seen: datetime | None
    direction: str | None
    custodian: str | None
    due_back: date | None
    audit_id: str | None
    operator: str | None
    device_id: str
    stream_id: str
    seq: int
    location: str | None


class HistoryOut(BaseModel):
    """An asset's events, newest event time first."""

    asset_tag: str
    events: list[HistoryEventOut]


class UnknownCodeOut(BaseModel):
    """A scanned key that matches no asset."""

    key: str
    scheme: str
    code: str
    count: int
    first_seen: datetime
    last_seen: datetime


class UnknownCodePage(BaseModel):
    """A page of unknown codes, most recently seen first."""

    items: list[UnknownCodeOut]
    total: int


class DeviceOut(BaseModel):
    """An edge device with its last sync and how far behind it is."""

    device_id: str
    read_point: str | None
    created_at: datetime
    revoked: bool
    last_sync_at: datetime | None
    last_clock_wall: datetime | None
    last_batch_events: int
    last_event_at: datetime | None
    queue_lag_s: float | None
    held_gaps: int


def _asset_outs(session: Session, assets: list[Asset]) -> list[AssetOut]:
    ids = [a.id for a in assets if a.id is not None]
    idents = identifiers_of(session, ids)
    states = {
        s.asset_id: s
        for s in session.exec(select(AssetState).where(col(AssetState.asset_id).in_(ids))).all()
    }
    homes = {a.home_location_id for a in assets if a.home_location_id is not None}
    codes = dict(
        session.exec(select(Location.id, Location.code).where(col(Location.id).in_(homes))).all()
    )
    out = []
    for a in assets:
        assert a.id is not None
        own = idents.get(a.id, [])
        st = states.get(a.id)
        seen = None
        if st is not None and st.loc_time is not None:
            seen = LastSeenOut(
                location=st.location,
                read_point=st.read_point,
                observed_at=st.observed_at,
                event_time=st.loc_time,
                device_id=st.loc_device_id,
                source=st.source,
            )
        out.append(
            AssetOut(
                asset_tag=a.asset_tag,
                name=a.name,
                key=primary_key(a.asset_tag, own),
                status=a.status,
                identifiers=[IdentifierOut(scheme=i.scheme, value=i.value, key=i.key) for i in own],
                home_location=codes.get(a.home_location_id),
                last_seen=seen,
                custodian=st.custodian if st else None,
                due_back=st.due_back if st else None,
                manufacturer=a.manufacturer,
                model_name=a.model_name,
                model_number=a.model_number,
                category=a.category,
                serial_number=a.serial_number,
                custom_fields=a.custom_fields or {},
                **money_fields(a),
            )
        )
    return out


def asset_view(session: Session, asset_tag: str) -> AssetOut:
    """The asset with where it is and who has it; 404 if unknown."""
    return _asset_outs(session, [get_asset(session, asset_tag)])[0]


def lookup(session: Session, code: str, symbology: str | None = None) -> AssetOut:
    """The asset one of whose identities `code` is, in any scanned form; 404 if none.

    Without a symbology the text may also be a plain label (a Code 128 of a tag that happens
    to look like EPC hex or GS1 data), so its `tag/<text>` key is tried too."""
    from shared.identifiers import IdentifierError, identify
    from sync_server.models import AssetIdentifier

    keys: list[str] = []
    error: IdentifierError | None = None
    try:
        keys.append(identify(code, symbology).key)
    except IdentifierError as err:
        error = err
    if symbology is None and code.strip() and tag_key(code.strip()) not in keys:
        keys.append(tag_key(code.strip()))
    for key in keys:
        if len(key) > KEY_MAX:
            continue
        asset_id = session.exec(
            select(AssetIdentifier.asset_id).where(AssetIdentifier.key == key)
        ).first()
        asset = session.get(Asset, asset_id) if asset_id is not None else None
        if asset is not None:
            return _asset_outs(session, [asset])[0]
    if error is not None:
        raise InvalidInput(f"{code!r} does not decode: {error}") from error
    raise NotFound(f"no asset is identified by {code!r} (key {keys[0]})")


def list_assets(
    session: Session,
    q: str | None = None,
    limit: int = 50,
    offset: int = 0,
    location: str | None = None,
) -> AssetPage:
    """Assets ordered by tag, filtered by `q` (a case-insensitive substring of the tag, name,
    serial number or model) and by the last-known `location` code."""
    limit = max(1, min(limit, MAX_PAGE))
    offset = max(0, offset)
    stmt = select(Asset)
    if q:
        # The user's text is matched literally: % and _ are not wildcards here.
        escaped = q.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        pattern = f"%{escaped}%"
        columns = (Asset.asset_tag, Asset.name, Asset.serial_number, Asset.model_name)
        stmt = stmt.where(or_(*(func.lower(c).like(pattern, escape="\\") for c in columns)))
    if location:
        stmt = stmt.join(AssetState, col(AssetState.asset_id) == col(Asset.id)).where(
            AssetState.location == location
        )
    total = session.exec(select(func.count()).select_from(stmt.subquery())).one()
    rows = session.exec(stmt.order_by(col(Asset.asset_tag)).limit(limit).offset(offset)).all()
    return AssetPage(
        items=_asset_outs(session, list(rows)), total=total, limit=limit, offset=offset
    )


def history(session: Session, asset_tag: str, limit: int = 200, offset: int = 0) -> HistoryOut:
    """The asset's events, newest event time first (ties: device, stream, seq descending)."""
    asset = get_asset(session, asset_tag)
    rows = session.exec(
        select(Event)
        .where(Event.asset_id == asset.id)
        .order_by(
            col(Event.event_time).desc(),
            col(Event.device_id).desc(),
            col(Event.stream_id).desc(),
            col(Event.seq).desc(),
        )
        .limit(max(1, min(limit, MAX_PAGE)))
        .offset(max(0, offset))
    ).all()
    return HistoryOut(asset_tag=asset.asset_tag, events=[_history_event(e) for e in rows])


def _history_event(e: Event) -> HistoryEventOut:
    data: dict[str, Any] = {name: getattr(e, name) for name in HistoryEventOut.model_fields}
    data["location"] = e.resolved_location
    return HistoryEventOut(**data)


def unknown_codes(session: Session, limit: int = 100, offset: int = 0) -> UnknownCodePage:
    """Scanned keys that match no asset, with counts and first/last seen."""
    grouped = (
        sa_select(
            col(Event.key),
            func.min(Event.scheme),
            func.min(Event.code),
            func.count(),
            func.min(Event.event_time),
            func.max(Event.event_time),
        )
        .where(col(Event.asset_id).is_(None), col(Event.scheme) != "audit")  # not audit_open/close
        .group_by(col(Event.key))
    )
    total = session.exec(select(func.count()).select_from(grouped.subquery())).one()
    rows = session.execute(
        grouped.order_by(func.max(Event.event_time).desc(), col(Event.key))
        .limit(max(1, min(limit, MAX_PAGE)))
        .offset(max(0, offset))
    ).all()
    items = [
        UnknownCodeOut(key=k, scheme=s, code=c, count=n, first_seen=f, last_seen=la)
        for k, s, c, n, f, la in rows
    ]
    return UnknownCodePage(items=items, total=total)


def list_devices(session: Session) -> list[DeviceOut]:
    """Every device with its last sync, clock and queue lag (newest event age at its last sync)."""
    gaps = dict(
        session.exec(
            select(Stream.device_id, func.sum(Stream.max_seq - Stream.hwm)).group_by(
                col(Stream.device_id)
            )
        ).all()
    )
    out = []
    for d in session.exec(select(Device).order_by(col(Device.device_id))).all():
        lag = None
        if d.last_sync_at is not None and d.last_event_observed_at is not None:
            lag = max(0.0, (d.last_sync_at - d.last_event_observed_at).total_seconds())
        out.append(
            DeviceOut(
                device_id=d.device_id,
                read_point=d.read_point,
                created_at=d.created_at,
                revoked=d.revoked_at is not None,
                last_sync_at=d.last_sync_at,
                last_clock_wall=d.last_clock_wall,
                last_batch_events=d.last_batch_events,
                last_event_at=d.last_event_observed_at,
                queue_lag_s=lag,
                held_gaps=int(gaps.get(d.device_id) or 0),
            )
        )
    return out
