"""`POST /api/v1/sync/batches` (contract 2.1): one transaction per batch, idempotent on
(stream_id, seq), one bad event never refuses the batch, and `hwm` says what the agent may forget.
Rows go in with bulk Core statements: the ORM per event is far too slow for the ingest target."""

from __future__ import annotations

import functools
import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from pydantic import TypeAdapter, ValidationError
from sqlmodel import Session

from shared.wire import AUDIT_TYPES, MAX_BATCH_EVENTS, BatchAck, BatchIn, EventIn, RejectedOut
from sync_server.models import Event, RejectedEvent
from sync_server.services import Busy, Conflict, Forbidden, InvalidInput, TooLarge, streams
from sync_server.services.bulk import Memo, executemany, insert_for
from sync_server.services.clock import Anchor, anchor_from_sync, event_time, load_anchors
from sync_server.services.clock import store_anchor as _store_anchor
from sync_server.services.resolution import (
    LocationIndex,
    apply_events,
    assets_for_keys,
    identify_code,
)

BIGINT_MAX = 2**63 - 1
INT_MAX = 2**31 - 1
_TEXT_FIELDS = (
    "code", "symbology", "boot_id", "read_point", "location", "audit_id", "custodian", "operator"
)  # fmt: skip


class RetryBatch(Busy):
    """A concurrent request changed what this batch saw; run the transaction again."""


@dataclass(frozen=True)
class SyncContext:
    """What the server knows about one sync request besides its body."""

    device_id: str
    receipt: datetime
    error_ns: int
    tolerance_ns: int


@dataclass
class _Plan:
    rows: list[dict[str, Any]] = field(default_factory=list)
    rejected: list[dict[str, Any]] = field(default_factory=list)
    duplicates: int = 0
    held: set[int] = field(default_factory=set)


def parse_batch(payload: Any) -> BatchIn:
    """The batch envelope from decoded JSON: 413 for too many events, 422 for an event without
    an integer seq or a malformed envelope."""
    if not isinstance(payload, dict):
        raise InvalidInput("the body must be a JSON object: a sync batch (contract 2.1)")
    events = payload.get("events")
    if isinstance(events, list):
        if len(events) > MAX_BATCH_EVENTS:
            raise TooLarge(f"{len(events)} events in one batch; at most {MAX_BATCH_EVENTS}")
        for i, ev in enumerate(events):
            seq = ev.get("seq") if isinstance(ev, dict) else None
            if not isinstance(seq, int) or isinstance(seq, bool):
                raise InvalidInput(f"events[{i}] has no integer seq, so it cannot be identified")
            if not -BIGINT_MAX <= seq <= BIGINT_MAX:
                raise InvalidInput(f"events[{i}].seq {seq} is outside the 64-bit range")
    try:
        batch = BatchIn.model_validate(payload)
    except ValidationError as err:
        raise InvalidInput(describe_errors(err)) from err
    if not _clean_text(batch.clock.boot_id) or batch.clock.mono_ns > BIGINT_MAX // 2:
        raise InvalidInput("clock: boot_id has invalid characters or mono_ns is out of range")
    try:
        batch.clock.wall.astimezone(UTC)
    except OverflowError as err:
        raise InvalidInput("clock.wall is out of range") from err
    return batch


def describe_errors(err: ValidationError) -> str:
    """A readable one-line summary of a pydantic validation error."""
    parts = []
    for e in err.errors(include_url=False, include_input=False)[:5]:
        where = ".".join(str(p) for p in e["loc"]) or "body"
        parts.append(f"{where}: {e['msg']}")
    return "; ".join(parts).replace("\x00", "")


def batch_hash(batch: BatchIn) -> str:
    """SHA-256 of (device_id, stream_id, events) as canonical JSON: what a retry must repeat."""
    body = {"device_id": batch.device_id, "stream_id": str(batch.stream_id), "events": batch.events}
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(text.encode()).hexdigest()


def ingest_batch(session: Session, batch: BatchIn, ctx: SyncContext) -> BatchAck:
    """Store a batch's new events, hold its bad ones, update state; never commits."""
    if batch.device_id != ctx.device_id:
        raise Forbidden(f"device_id {batch.device_id!r} is not this token's device")
    batch_id, stream_id = str(batch.batch_id), str(batch.stream_id)
    digest = batch_hash(batch)
    known = streams.known_batch(session, batch_id)
    if known is not None and known != (digest, batch.device_id, stream_id):
        raise Conflict(f"batch {batch_id} was already received with other contents")
    stream = streams.lock_stream(session, stream_id, ctx.device_id)
    anchors = _anchors(session, batch, ctx)
    plan = _plan(session, batch, ctx, stream_id, anchors)
    memo: Memo = {}
    _insert_new(session, Event, plan.rows, memo)
    _insert_new(session, RejectedEvent, plan.rejected, memo)
    apply_events(session, plan.rows, memo)
    if any(r["type"] in AUDIT_TYPES for r in plan.rows):
        from sync_server.services.audits.core import apply_control_events

        apply_control_events(session, plan.rows)
    hwm = streams.advance_hwm(session, stream, plan.held)
    newest = max((r["event_time"] for r in plan.rows), default=None)
    streams.touch_device(
        session, ctx.device_id, ctx.receipt, batch.clock.wall, len(batch.events), newest
    )
    if known is None:
        streams.record_batch(
            session, batch_id, batch.device_id, stream_id, digest, len(batch.events), ctx.receipt
        )
    return BatchAck(
        hwm=hwm,
        inserted=len(plan.rows),
        duplicates=plan.duplicates,
        rejected=[RejectedOut(seq=r["seq"], reason=r["reason"]) for r in plan.rejected],
        server_time=datetime.now(UTC),
    )


def _anchors(session: Session, batch: BatchIn, ctx: SyncContext) -> dict[str, Anchor]:
    # Only boot ids that can be stored are looked up: an event with a NUL or a lone surrogate
    # in its boot_id is rejected later, alone, and must not break the query for the others.
    boots = {
        ev["boot_id"]
        for ev in batch.events
        if isinstance(ev.get("boot_id"), str) and _clean_text(ev["boot_id"])
    }
    anchors = load_anchors(session, ctx.device_id, boots - {batch.clock.boot_id})
    current = anchor_from_sync(batch.clock.mono_ns, ctx.receipt, ctx.error_ns)
    _store_anchor(session, ctx.device_id, batch.clock.boot_id, current, ctx.receipt)
    anchors[batch.clock.boot_id] = current
    return anchors


def _plan(
    session: Session,
    batch: BatchIn,
    ctx: SyncContext,
    stream_id: str,
    anchors: dict[str, Anchor],
) -> _Plan:
    plan = _Plan()
    plan.held |= streams.held_seqs(session, stream_id, (ev["seq"] for ev in batch.events))
    fresh: list[dict[str, Any]] = []
    for raw in batch.events:
        if raw["seq"] in plan.held:
            plan.duplicates += 1
        else:
            plan.held.add(raw["seq"])
            fresh.append(raw)
    valid: list[EventIn] = []
    for raw, (ev, reason) in zip(fresh, _validate_all(fresh), strict=True):
        if ev is None:
            plan.rejected.append(_rejection(raw, reason, stream_id, batch, ctx))
        else:
            valid.append(ev)
    plan.rows = _rows(session, valid, stream_id, batch, ctx, anchors)
    return plan


@functools.cache
def _event_list() -> TypeAdapter[list[EventIn]]:
    return TypeAdapter(list[EventIn])


def _validate_all(raws: list[dict[str, Any]]) -> list[tuple[EventIn | None, str]]:
    # One validator call for the whole list is much cheaper than one per event; only when
    # some event is bad does each get its own call, to say which and why.
    try:
        events = _event_list().validate_python(raws)
    except ValidationError:
        return [_validate(raw) for raw in raws]
    return [_check(ev) for ev in events]


def _clean_text(value: str) -> bool:
    if "\x00" in value:
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _validate(raw: dict[str, Any]) -> tuple[EventIn | None, str]:
    try:
        ev = EventIn.model_validate(raw)
    except ValidationError as err:
        return None, describe_errors(err)
    return _check(ev)


def _check(ev: EventIn) -> tuple[EventIn | None, str]:
    texts = [getattr(ev, name) for name in _TEXT_FIELDS]
    if not _clean_text("".join(t for t in texts if t is not None)):  # one check, not eight
        bad = next(n for n, t in zip(_TEXT_FIELDS, texts, strict=True) if t and not _clean_text(t))
        return None, f"{bad}: contains a NUL character or invalid Unicode"
    if ev.type == "checkout" and ev.custodian is None:
        return None, "a checkout needs a custodian (the person code taking the asset)"
    if ev.type in AUDIT_TYPES and ev.audit_id is None:
        return None, f"an {ev.type} event needs the audit_id it opens or closes"
    if ev.type == "audit_open" and ev.location is None:
        return None, "an audit_open event needs the audited location's code in location"
    if ev.mono_ns > BIGINT_MAX or ev.read_count > INT_MAX:
        return None, "mono_ns or read_count is out of range"
    for t in (ev.observed_at, ev.first_seen, ev.last_seen):
        # Only the first and last representable years can overflow when moved to UTC.
        if t is not None and t.year in (1, 9999):
            try:
                t.astimezone(UTC)
            except OverflowError:
                return None, "a time is out of range"
    return ev, ""


def _rejection(
    raw: dict[str, Any], reason: str, stream_id: str, batch: BatchIn, ctx: SyncContext
) -> dict[str, Any]:
    return {
        "stream_id": stream_id,
        "seq": raw["seq"],
        "device_id": ctx.device_id,
        "batch_id": str(batch.batch_id),
        "reason": reason,
        "body": json.dumps(raw, sort_keys=True, ensure_ascii=True),
        "received_at": ctx.receipt,
    }


def _rows(
    session: Session,
    events: list[EventIn],
    stream_id: str,
    batch: BatchIn,
    ctx: SyncContext,
    anchors: dict[str, Anchor],
) -> list[dict[str, Any]]:
    if not events:
        return []
    idents = {(ev.code, ev.symbology): identify_code(ev.code, ev.symbology) for ev in events}
    assets = assets_for_keys(session, (key for _, key in idents.values()))
    places = LocationIndex(
        session,
        {ev.location for ev in events if ev.location is not None},
        {ev.read_point for ev in events if ev.read_point is not None},
    )
    batch_id = str(batch.batch_id)
    rows = []
    for ev in events:
        scheme, key = idents[(ev.code, ev.symbology)]
        if ev.type in AUDIT_TYPES:  # a control event, not a read of anything
            scheme, key = "audit", f"audit/{ev.audit_id}"
        when, flag = event_time(
            ev.observed_at, ev.mono_ns, anchors.get(ev.boot_id), ctx.receipt, ctx.tolerance_ns
        )
        # Every wire field is an Event column of the same name; copying the model's dict is
        # several times faster than naming twenty fields.
        row = dict(ev.__dict__)
        row.update(
            stream_id=stream_id,
            device_id=ctx.device_id,
            batch_id=batch_id,
            key=key,
            scheme=scheme,
            asset_id=assets.get(key) if scheme != "audit" else None,
            event_time=when,
            time_flag=flag,
            received_at=ctx.receipt,
            resolved_location=places.resolve(ev.location, ev.read_point, ev.direction),
        )
        rows.append(row)
    return rows


@functools.cache
def _insert_new_stmt(dialect_name: str, table: Any) -> Any:
    return insert_for(dialect_name, table).on_conflict_do_nothing(
        index_elements=["stream_id", "seq"]
    )


def _insert_new(session: Session, model: Any, rows: list[dict[str, Any]], memo: Memo) -> None:
    # The stream row lock (PostgreSQL) or the write lock (SQLite) means no one else can have
    # stored these seqs since held_seqs looked; if the count disagrees anyway, redo the batch.
    if not rows:
        return
    stmt = _insert_new_stmt(session.get_bind().dialect.name, model.__table__)
    written = executemany(session, model.__table__, stmt, rows, memo)
    if written not in (-1, len(rows)):
        raise RetryBatch(f"{len(rows) - written} events were stored concurrently")
