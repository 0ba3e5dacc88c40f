"""The core tables: the register (locations, people, read points, assets, identifiers), devices,
users and sessions, and the capture tables (batches, streams, clock anchors, events, state)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, BigInteger, Column, Index, Numeric, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from sync_server.db_types import UTCDateTime


def _ts(nullable: bool = True, index: bool = False) -> Column[datetime]:
    return Column(UTCDateTime(), nullable=nullable, index=index)


class Location(SQLModel, table=True):
    """A place in a tree (site > building > zone > shelf)."""

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(unique=True, max_length=128)
    name: str = Field(max_length=256)
    parent_id: int | None = Field(default=None, foreign_key="location.id", index=True)
    gln: str | None = Field(default=None, unique=True, max_length=13)


class Person(SQLModel, table=True):
    """Someone who can hold assets (a custodian)."""

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(unique=True, max_length=128)
    name: str = Field(max_length=256)
    email: str | None = Field(default=None, max_length=256)
    active: bool = True


class ReadPoint(SQLModel, table=True):
    """A place where reads happen: a dock-door portal, a fixed reader, a desk."""

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(unique=True, max_length=128)
    name: str | None = Field(default=None, max_length=256)
    location_id: int | None = Field(default=None, foreign_key="location.id")
    inside_id: int | None = Field(default=None, foreign_key="location.id")
    outside_id: int | None = Field(default=None, foreign_key="location.id")


class Asset(SQLModel, table=True):
    """A fixed asset in the register."""

    id: int | None = Field(default=None, primary_key=True)
    asset_tag: str = Field(unique=True, max_length=128)
    name: str = Field(max_length=256)
    status: str = Field(default="active", max_length=32)
    home_location_id: int | None = Field(default=None, foreign_key="location.id")
    category: str | None = Field(default=None, max_length=128)
    model_name: str | None = Field(default=None, max_length=256)
    serial_number: str | None = Field(default=None, max_length=128)
    purchase_date: date | None = None
    purchase_cost: Decimal | None = Field(default=None, sa_column=Column(Numeric(14, 2)))
    supplier: str | None = Field(default=None, max_length=256)
    order_number: str | None = Field(default=None, max_length=128)
    warranty_months: int | None = None
    notes: str | None = None
    created_at: datetime = Field(sa_column=_ts(nullable=False))
    updated_at: datetime = Field(sa_column=_ts(nullable=False))
    # Money (contract 2.5); a null salvage value is 0 and a null convention the register's.
    in_service_date: date | None = None
    useful_life_months: int | None = None
    salvage_value: Decimal | None = Field(default=None, sa_column=Column(Numeric(14, 2)))
    depreciation_method: str | None = Field(default=None, max_length=32)
    depreciation_convention: str | None = Field(default=None, max_length=16)
    expected_units: Decimal | None = Field(default=None, sa_column=Column(Numeric(14, 2)))
    disposal_date: date | None = None
    disposal_proceeds: Decimal | None = Field(default=None, sa_column=Column(Numeric(14, 2)))
    manufacturer: str | None = Field(default=None, max_length=256)
    model_number: str | None = Field(default=None, max_length=128)
    # Whatever a register carries that has no field here (an import keeps every value).
    custom_fields: dict[str, str] | None = Field(default=None, sa_column=Column(JSON))


class AssetIdentifier(SQLModel, table=True):
    """One scannable identity of an asset; `key` is the canonical key (contract 1), unique
    across all assets so two assets can never claim the same label or tag."""

    id: int | None = Field(default=None, primary_key=True)
    asset_id: int = Field(foreign_key="asset.id", index=True)
    scheme: str = Field(max_length=16)
    value: str = Field(max_length=1024)
    key: str = Field(unique=True, max_length=1024)


class Device(SQLModel, table=True):
    """An enrolled edge device; only the hash of its token is kept."""

    id: int | None = Field(default=None, primary_key=True)
    device_id: str = Field(unique=True, max_length=64)
    token_hash: str = Field(unique=True, max_length=128)
    read_point: str | None = Field(default=None, max_length=128)
    created_at: datetime = Field(sa_column=_ts(nullable=False))
    revoked_at: datetime | None = Field(default=None, sa_column=_ts())
    last_sync_at: datetime | None = Field(default=None, sa_column=_ts())
    last_clock_wall: datetime | None = Field(default=None, sa_column=_ts())
    last_batch_events: int = 0
    last_event_observed_at: datetime | None = Field(default=None, sa_column=_ts())


class User(SQLModel, table=True):
    """A person who signs in to the UI or uses the API; role is admin, auditor or viewer."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True, max_length=128)
    role: str = Field(max_length=16)
    password_hash: str | None = Field(default=None, max_length=256)
    created_at: datetime = Field(sa_column=_ts(nullable=False))
    disabled: bool = False


class ApiToken(SQLModel, table=True):
    """A user's API token, stored as a hash."""

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    token_hash: str = Field(unique=True, max_length=128)
    created_at: datetime = Field(sa_column=_ts(nullable=False))
    revoked_at: datetime | None = Field(default=None, sa_column=_ts())
    expires_at: datetime | None = Field(default=None, sa_column=_ts())
    last_used_at: datetime | None = Field(default=None, sa_column=_ts())


class WebSession(SQLModel, table=True):
    """A signed-in browser; the cookie holds a random id, the table only its hash."""

    id: int | None = Field(default=None, primary_key=True)
    session_hash: str = Field(unique=True, max_length=128)
    user_id: int = Field(foreign_key="user.id", index=True)
    csrf_token: str = Field(max_length=128)
    created_at: datetime = Field(sa_column=_ts(nullable=False))
    expires_at: datetime = Field(sa_column=_ts(nullable=False))


class IngestBatch(SQLModel, table=True):
    """A batch already answered; a reused id with another body is a 409."""

    batch_id: str = Field(primary_key=True, max_length=36)
    device_id: str = Field(max_length=64)
    stream_id: str = Field(max_length=36)
    body_hash: str = Field(max_length=64)
    event_count: int
    received_at: datetime = Field(sa_column=_ts(nullable=False))


class Stream(SQLModel, table=True):
    """An agent's outbox stream and how far it is held without gaps."""

    stream_id: str = Field(primary_key=True, max_length=36)
    device_id: str = Field(max_length=64, index=True)
    hwm: int = 0
    max_seq: int = 0


class ClockAnchor(SQLModel, table=True):
    """Ties a device boot's monotonic clock to server time (contract 2.2 rule 3):
    server_time ~= mono_ns + offset_ns, within error_ns."""

    __table_args__ = (UniqueConstraint("device_id", "boot_id"),)
    id: int | None = Field(default=None, primary_key=True)
    device_id: str = Field(max_length=64)
    boot_id: str = Field(max_length=256)
    offset_ns: int = Field(sa_column=Column(BigInteger, nullable=False))
    error_ns: int = Field(sa_column=Column(BigInteger, nullable=False))
    updated_at: datetime = Field(sa_column=_ts(nullable=False))


class Event(SQLModel, table=True):
    """The append-only history: every accepted sighting, checkout and checkin."""

    __table_args__ = (
        UniqueConstraint("stream_id", "seq"),
        Index("ix_event_asset_time", "asset_id", "event_time"),
        # Partial: only unknown codes are looked up by key, and most events match an asset,
        # so ingest pays for this index only on the events that need it.
        Index(
            "ix_event_unknown_key",
            "key",
            sqlite_where=text("asset_id IS NULL"),
            postgresql_where=text("asset_id IS NULL"),
        ),
        # Partial: an audit reads its own events; most events belong to none.
        Index(
            "ix_event_audit",
            "audit_id",
            sqlite_where=text("audit_id IS NOT NULL"),
            postgresql_where=text("audit_id IS NOT NULL"),
        ),
        # Partial: the dock-door movement log reads only crossings (events with a direction).
        Index(
            "ix_event_movement",
            "event_time",
            sqlite_where=text("direction IS NOT NULL"),
            postgresql_where=text("direction IS NOT NULL"),
        ),
    )
    id: int | None = Field(default=None, primary_key=True)
    stream_id: str = Field(max_length=36)
    seq: int = Field(sa_column=Column(BigInteger, nullable=False))
    device_id: str = Field(max_length=64)
    batch_id: str = Field(max_length=36)
    type: str = Field(max_length=16)
    code: str = Field(max_length=1024)
    key: str = Field(max_length=1024)
    scheme: str = Field(max_length=16)
    asset_id: int | None = Field(default=None, foreign_key="asset.id")
    source: str = Field(max_length=16)
    symbology: str | None = Field(default=None, max_length=256)
    observed_at: datetime = Field(sa_column=_ts(nullable=False))
    event_time: datetime = Field(sa_column=_ts(nullable=False))
    time_flag: str | None = Field(default=None, max_length=64)
    received_at: datetime = Field(sa_column=_ts(nullable=False))
    boot_id: str = Field(max_length=256)
    mono_ns: int = Field(sa_column=Column(BigInteger, nullable=False))
    read_point: str | None = Field(default=None, max_length=256)
    location: str | None = Field(default=None, max_length=256)
    resolved_location: str | None = Field(default=None, max_length=256)
    antenna: int | None = None
    rssi: float | None = None
    read_count: int = 1
    first_seen: datetime | None = Field(default=None, sa_column=_ts())
    last_seen: datetime | None = Field(default=None, sa_column=_ts())
    direction: str | None = Field(default=None, max_length=8)
    audit_id: str | None = Field(default=None, max_length=256)
    custodian: str | None = Field(default=None, max_length=256)
    operator: str | None = Field(default=None, max_length=256)
    due_back: date | None = None
    weak: bool | None = None


class RejectedEvent(SQLModel, table=True):
    """An event held for review instead of stored as valid; it counts toward `hwm`."""

    __table_args__ = (UniqueConstraint("stream_id", "seq"),)
    id: int | None = Field(default=None, primary_key=True)
    stream_id: str = Field(max_length=36)
    seq: int = Field(sa_column=Column(BigInteger, nullable=False))
    device_id: str = Field(max_length=64, index=True)
    batch_id: str = Field(max_length=36)
    reason: str
    body: str
    received_at: datetime = Field(sa_column=_ts(nullable=False))


class AssetState(SQLModel, table=True):
    """Last-known location and custodian per asset: last-writer-wins registers over
    `(event_time, device_id, stream_id, seq)`, guarded so an older event never wins.
    Always equal to what `rebuild_state` derives from `Event`."""

    asset_id: int = Field(primary_key=True, foreign_key="asset.id")
    loc_time: datetime | None = Field(default=None, sa_column=_ts())
    loc_device_id: str | None = Field(default=None, max_length=64)
    loc_stream_id: str | None = Field(default=None, max_length=36)
    loc_seq: int | None = Field(default=None, sa_column=Column(BigInteger))
    location: str | None = Field(default=None, max_length=256)
    read_point: str | None = Field(default=None, max_length=256)
    observed_at: datetime | None = Field(default=None, sa_column=_ts())
    source: str | None = Field(default=None, max_length=16)
    cust_time: datetime | None = Field(default=None, sa_column=_ts())
    cust_device_id: str | None = Field(default=None, max_length=64)
    cust_stream_id: str | None = Field(default=None, max_length=36)
    cust_seq: int | None = Field(default=None, sa_column=Column(BigInteger))
    custodian: str | None = Field(default=None, max_length=256)
    due_back: date | None = None
