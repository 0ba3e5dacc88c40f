"""Audit tables (contract 2.3 and its extensions, docs/audits.md): audits, the expected list
frozen at open, the result frozen at close, resolutions with their undo data, and schedules."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column, Index
from sqlmodel import Field, SQLModel

from sync_server.db_types import UTCDateTime


def _ts(nullable: bool = True) -> Column[datetime]:
    return Column(UTCDateTime(), nullable=nullable)


class Audit(SQLModel, table=True):
    """An audit of a location (and, if asked, its sublocations). The id is a UUID string made
    by the server (POST) or by the station that opened it offline (an `audit_open` event)."""

    id: str = Field(primary_key=True, max_length=256)
    location_id: int = Field(foreign_key="location.id", index=True)
    include_sublocations: bool = True
    include_fixed_readers: bool = False
    status: str = Field(default="open", max_length=16)
    origin: str = Field(max_length=16)  # "api" or "device"
    opened_at: datetime = Field(sa_column=_ts(nullable=False))
    opened_by: str | None = Field(default=None, max_length=128)
    opened_device: str | None = Field(default=None, max_length=64)
    opened_operator: str | None = Field(default=None, max_length=256)
    expected_as_of: datetime = Field(sa_column=_ts(nullable=False))
    closed_at: datetime | None = Field(default=None, sa_column=_ts())
    closed_by: str | None = Field(default=None, max_length=256)
    closed_device: str | None = Field(default=None, max_length=64)
    note: str | None = Field(default=None, max_length=1024)


class AuditExpected(SQLModel, table=True):
    """One asset an audit expects and where, frozen when the audit opens."""

    audit_id: str = Field(primary_key=True, foreign_key="audit.id", max_length=256)
    asset_id: int = Field(primary_key=True, foreign_key="asset.id")
    location: str | None = Field(default=None, max_length=256)


class AuditLine(SQLModel, table=True):
    """One row of an audit's result, frozen when it closes (category as in the reconciliation;
    unknown codes have no asset tag)."""

    __table_args__ = (Index("ix_auditline_audit_category", "audit_id", "category"),)
    id: int | None = Field(default=None, primary_key=True)
    audit_id: str = Field(foreign_key="audit.id", max_length=256)
    category: str = Field(max_length=16)
    asset_tag: str | None = Field(default=None, max_length=128)
    name: str | None = Field(default=None, max_length=256)
    code: str | None = Field(default=None, max_length=1024)
    key: str | None = Field(default=None, max_length=1024)
    expected_location: str | None = Field(default=None, max_length=256)
    seen_location: str | None = Field(default=None, max_length=256)
    reads: int = 0
    device_id: str | None = Field(default=None, max_length=64)
    operator: str | None = Field(default=None, max_length=256)
    observed_at: datetime | None = Field(default=None, sa_column=_ts())
    source: str | None = Field(default=None, max_length=16)
    ev_code: str | None = Field(default=None, max_length=1024)
    rssi: float | None = None
    read_count: int | None = None
    weak: bool | None = None


class AuditResolution(SQLModel, table=True):
    """What someone decided about one row of an audit, with who, when, why, and what it
    changed (`undo` is the JSON needed to put the register back)."""

    id: int | None = Field(default=None, primary_key=True)
    audit_id: str = Field(foreign_key="audit.id", max_length=256, index=True)
    action: str = Field(max_length=32)
    asset_tag: str | None = Field(default=None, max_length=128)
    code: str | None = Field(default=None, max_length=1024)
    location: str | None = Field(default=None, max_length=128)
    reason: str | None = Field(default=None, max_length=1024)
    by_user: str = Field(max_length=128)
    at: datetime = Field(sa_column=_ts(nullable=False))
    undo: str = "{}"
    undone_at: datetime | None = Field(default=None, sa_column=_ts())
    undone_by: str | None = Field(default=None, max_length=128)


class AuditSchedule(SQLModel, table=True):
    """A location is audited every `every_days` days, counting from `start` until its first
    closed audit."""

    location_id: int = Field(primary_key=True, foreign_key="location.id")
    every_days: int
    start: date
    updated_at: datetime = Field(sa_column=_ts(nullable=False))
    updated_by: str | None = Field(default=None, max_length=128)
