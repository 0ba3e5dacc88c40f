"""every asset's tag is one of its identities (key tag/<asset tag>)

Revision ID: 0009_asset_tag_identity
Revises: 0008_users_tokens
Create Date: 2026-12-01 22:00:00

Data only: each asset gets the identifier row for its tag that creation now makes, and the
unknown-code events that carried its tag move onto it, its state re-derived from its events.
Self-contained (no imports of the current models or services), so it keeps working when they
change. A tag whose key another asset already holds is left alone and reported.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0009_asset_tag_identity"
down_revision = "0008_users_tokens"
branch_labels = None
depends_on = None

_LOGGER = logging.getLogger("alembic.runtime.migration")

_asset = sa.table("asset", sa.column("id"), sa.column("asset_tag"))
_ident = sa.table(
    "assetidentifier",
    sa.column("id"),
    sa.column("asset_id"),
    sa.column("scheme"),
    sa.column("value"),
    sa.column("key"),
)
_EVENT_COLS = (
    "asset_id", "type", "event_time", "device_id", "stream_id", "seq", "resolved_location",
    "read_point", "observed_at", "source", "custodian", "due_back",
)  # fmt: skip
_event = sa.table("event", *(sa.column(c) for c in ("key", *_EVENT_COLS)))
_STATE_COLS = (
    "asset_id", "loc_time", "loc_device_id", "loc_stream_id", "loc_seq", "location",
    "read_point", "observed_at", "source", "cust_time", "cust_device_id", "cust_stream_id",
    "cust_seq", "custodian", "due_back",
)  # fmt: skip
_state = sa.table("assetstate", *(sa.column(c) for c in _STATE_COLS))


def upgrade() -> None:
    conn = op.get_bind()
    held = dict(conn.execute(sa.select(_ident.c.key, _ident.c.asset_id)).all())
    claimed: list[dict[str, Any]] = []
    for asset_id, tag in conn.execute(sa.select(_asset.c.id, _asset.c.asset_tag)).all():
        key = f"tag/{tag}"
        holder = held.get(key)
        if holder is None:
            held[key] = asset_id
            claimed.append({"asset_id": asset_id, "scheme": "label", "value": tag, "key": key})
        elif holder != asset_id:
            _LOGGER.warning("asset tag %r is another asset's identifier; not claimed", tag)
    if not claimed:
        return
    conn.execute(sa.insert(_ident), claimed)
    touched: set[int] = set()
    for row in claimed:
        result = conn.execute(
            sa.update(_event)
            .where(_event.c.asset_id.is_(None), _event.c.key == row["key"])
            .values(asset_id=row["asset_id"])
        )
        if result.rowcount:
            touched.add(row["asset_id"])
    for asset_id in sorted(touched):
        _rederive_state(conn, asset_id)


def _order(ev: dict[str, Any]) -> tuple[Any, ...]:
    return (ev["event_time"], ev["device_id"], ev["stream_id"], ev["seq"])


def _rederive_state(conn: sa.Connection, asset_id: int) -> None:
    # The same last-writer-wins fold as the server's resolution (contract 2.2 rules 1 and 5).
    events = [
        dict(zip(_EVENT_COLS, r, strict=True))
        for r in conn.execute(
            sa.select(*(_event.c[c] for c in _EVENT_COLS)).where(_event.c.asset_id == asset_id)
        ).all()
    ]
    located = [e for e in events if e["resolved_location"] is not None]
    custody = [e for e in events if e["type"] in ("checkout", "checkin")]
    state: dict[str, Any] = defaultdict(lambda: None, asset_id=asset_id)
    if located:
        ev = max(located, key=_order)
        state.update(
            loc_time=ev["event_time"], loc_device_id=ev["device_id"],
            loc_stream_id=ev["stream_id"], loc_seq=ev["seq"],
            location=ev["resolved_location"], read_point=ev["read_point"],
            observed_at=ev["observed_at"], source=ev["source"],
        )  # fmt: skip
    if custody:
        ev = max(custody, key=_order)
        out = ev["type"] == "checkout"
        state.update(
            cust_time=ev["event_time"], cust_device_id=ev["device_id"],
            cust_stream_id=ev["stream_id"], cust_seq=ev["seq"],
            custodian=ev["custodian"] if out else None, due_back=ev["due_back"] if out else None,
        )  # fmt: skip
    conn.execute(sa.delete(_state).where(_state.c.asset_id == asset_id))
    if located or custody:
        conn.execute(sa.insert(_state), [{c: state[c] for c in _STATE_COLS}])


def downgrade() -> None:
    # Nothing to undo in the schema. The tag identities stay: some were attached by hand
    # before this revision (a barcode equal to the tag) and cannot be told apart, and under
    # the revisions before it they are ordinary identifiers that mean the same thing.
    pass
