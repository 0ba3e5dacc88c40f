"""Custody from an imported register (`Checked Out To`): custody changes only through checkout
events (contract 2.2 rule 5), so each imported holder becomes a checkout in the asset's history,
stored like a synced event on a stream of its own and folded into the asset's state by the
same guarded last-writer-wins rule. Nothing here commits."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import insert
from sqlmodel import Session, col, select

from sync_server.models import AssetState, Event
from sync_server.services.identities import TAG_SCHEME, tag_key
from sync_server.services.resolution import apply_events

IMPORT_DEVICE = "import"


@dataclass(frozen=True)
class Checkout:
    """One asset's holder as the file gives it."""

    asset_id: int
    asset_tag: str
    person: str  # the person's code
    at: datetime
    due_back: date | None


def record_checkouts(
    session: Session, checkouts: list[Checkout], now: datetime, operator: str | None
) -> int:
    """Store a checkout for each asset whose custodian is not already that person; returns how
    many were stored. An older checkout than the asset's newest custody event is history only."""
    if not checkouts:
        return 0
    ids = [c.asset_id for c in checkouts]
    current = dict(
        session.exec(
            select(AssetState.asset_id, AssetState.custodian).where(
                col(AssetState.asset_id).in_(ids)
            )
        ).all()
    )
    todo = [c for c in checkouts if current.get(c.asset_id) != c.person]
    if not todo:
        return 0
    stream = str(uuid.uuid4())
    rows = [_event(c, seq, stream, now, operator) for seq, c in enumerate(todo, start=1)]
    session.execute(insert(Event), rows)
    apply_events(session, rows)
    return len(rows)


def _event(
    c: Checkout, seq: int, stream: str, now: datetime, operator: str | None
) -> dict[str, Any]:
    return {
        "stream_id": stream,
        "seq": seq,
        "device_id": IMPORT_DEVICE,
        "batch_id": stream,
        "type": "checkout",
        "code": c.asset_tag,
        "key": tag_key(c.asset_tag),
        "scheme": TAG_SCHEME,
        "asset_id": c.asset_id,
        "source": "manual",
        "symbology": None,
        "observed_at": c.at,
        "event_time": c.at,
        "time_flag": None,
        "received_at": now,
        "boot_id": IMPORT_DEVICE,
        "mono_ns": 0,
        "read_point": None,
        "location": None,
        "resolved_location": None,
        "read_count": 1,
        "custodian": c.person,
        "operator": operator,
        "due_back": c.due_back,
    }
