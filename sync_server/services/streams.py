"""Per-stream bookkeeping of the sync endpoint: which batches and seqs are already held, the
stream lock, `hwm`, and the device's last-sync figures. Core statements only: this runs once
per batch on the ingest hot path."""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Table, bindparam, case, or_, select, update
from sqlmodel import Session

from sync_server.models import Device, Event, IngestBatch, RejectedEvent, Stream
from sync_server.services import Forbidden
from sync_server.services.bulk import dialect_insert


def _t(model: Any) -> Table:
    table: Table = model.__table__
    return table


@dataclass
class StreamState:
    """A locked stream row."""

    stream_id: str
    device_id: str
    hwm: int
    max_seq: int


def known_batch(session: Session, batch_id: str) -> tuple[str, str, str] | None:
    """(body_hash, device_id, stream_id) of a batch already answered, or None."""
    t = _t(IngestBatch)
    row = (
        session.connection()
        .execute(
            select(t.c.body_hash, t.c.device_id, t.c.stream_id).where(t.c.batch_id == batch_id)
        )
        .first()
    )
    return None if row is None else (row[0], row[1], row[2])


def record_batch(
    session: Session,
    batch_id: str,
    device_id: str,
    stream_id: str,
    digest: str,
    count: int,
    now: datetime,
) -> None:
    """Remember an answered batch (a concurrent twin may have done so already)."""
    stmt = dialect_insert(session, _t(IngestBatch)).values(
        batch_id=batch_id,
        device_id=device_id,
        stream_id=stream_id,
        body_hash=digest,
        event_count=count,
        received_at=now,
    )
    session.connection().execute(stmt.on_conflict_do_nothing(index_elements=["batch_id"]))


def lock_stream(session: Session, stream_id: str, device_id: str) -> StreamState:
    """The stream row, created if new and locked until commit; 403 if another device owns it.
    The row lock serialises batches of one stream on PostgreSQL (SQLite: BEGIN IMMEDIATE)."""
    t = _t(Stream)
    conn = session.connection()
    conn.execute(
        dialect_insert(session, t)
        .values(stream_id=stream_id, device_id=device_id, hwm=0, max_seq=0)
        .on_conflict_do_nothing(index_elements=["stream_id"])
    )
    row = conn.execute(
        select(t.c.device_id, t.c.hwm, t.c.max_seq)
        .where(t.c.stream_id == stream_id)
        .with_for_update()
    ).one()
    if row[0] != device_id:
        raise Forbidden(f"stream {stream_id} belongs to another device")
    return StreamState(stream_id, row[0], row[1], row[2])


def held_seqs(session: Session, stream_id: str, seqs: Iterable[int]) -> set[int]:
    """Which of `seqs` the stream already holds (stored or rejected)."""
    wanted = set(seqs)
    if not wanted:
        return set()
    params = {"stream_id": stream_id, "low": min(wanted), "high": max(wanted)}
    held: set[int] = set()
    conn = session.connection()
    for model in (Event, RejectedEvent):
        rows = conn.execute(_held_stmt(model), params).scalars()
        held.update(s for s in rows if s in wanted)
    return held


@functools.cache
def _held_stmt(model: Any) -> Any:
    t = _t(model)
    return select(t.c.seq).where(
        t.c.stream_id == bindparam("stream_id"),
        t.c.seq >= bindparam("low"),
        t.c.seq <= bindparam("high"),
    )


@functools.cache
def _known_batch_stmt() -> Any:
    t = _t(IngestBatch)
    return select(t.c.body_hash, t.c.device_id, t.c.stream_id).where(
        t.c.batch_id == bindparam("batch_id")
    )


def advance_hwm(session: Session, stream: StreamState, held: set[int]) -> int:
    """Move `hwm` over every seq now held without a gap, store it, and return it."""
    hwm, top = stream.hwm, max(stream.max_seq, max(held, default=0))
    if stream.max_seq > hwm:
        # Something above the old hwm was already held (a gap): look at everything past it.
        held = held | _held_above(session, stream.stream_id, hwm)
    while hwm + 1 in held:
        hwm += 1
    t = _t(Stream)
    session.connection().execute(
        update(t).where(t.c.stream_id == stream.stream_id).values(hwm=hwm, max_seq=top)
    )
    stream.hwm, stream.max_seq = hwm, top
    return hwm


def _held_above(session: Session, stream_id: str, hwm: int) -> set[int]:
    held: set[int] = set()
    conn = session.connection()
    for t in (_t(Event), _t(RejectedEvent)):
        held.update(
            conn.execute(select(t.c.seq).where(t.c.stream_id == stream_id, t.c.seq > hwm))
            .scalars()
            .all()
        )
    return held


def touch_device(
    session: Session,
    device_id: str,
    now: datetime,
    clock_wall: datetime,
    batch_events: int,
    newest_event: datetime | None,
) -> None:
    """Record a sync on the device row (the UI's last sync and queue lag)."""
    t = _t(Device)
    values: dict[str, Any] = {
        "last_sync_at": now,
        "last_clock_wall": clock_wall,
        "last_batch_events": batch_events,
    }
    if newest_event is not None:
        before = t.c.last_event_observed_at
        values["last_event_observed_at"] = case(
            (or_(before.is_(None), before < newest_event), newest_event), else_=before
        )
    session.connection().execute(update(t).where(t.c.device_id == device_id).values(values))
