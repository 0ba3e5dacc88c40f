"""Request and response models of the audit API (contract 2.3 and its extensions)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from sync_server.models import Audit

Code = Annotated[str, Field(min_length=1, max_length=128, pattern=r"^[^\x00-\x1f\x7f]+$")]
Reason = Annotated[str, Field(max_length=1024)]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class AuditIn(_In):
    """Open an audit of `location` (and, by default, everything below it)."""

    location: Code
    include_sublocations: bool = True
    include_fixed_readers: bool = Field(
        default=False,
        description="count sightings by fixed readers inside the scope while the audit is open",
    )
    note: Reason | None = None


class AuditOut(BaseModel):
    """An audit."""

    id: str
    location: str
    status: Literal["open", "closed"]
    opened_at: datetime
    include_sublocations: bool
    include_fixed_readers: bool
    origin: str = Field(description="api (opened with POST) or device (opened by audit_open)")
    opened_by: str | None
    opened_device: str | None
    opened_operator: str | None
    expected_as_of: datetime
    closed_at: datetime | None
    closed_by: str | None
    note: str | None
    counts: dict[str, int] | None = Field(
        default=None, description="rows per category (in lists: only for closed audits)"
    )


def audit_out(audit: Audit, location: str, counts: dict[str, int] | None = None) -> AuditOut:
    """The API view of an audit."""
    return AuditOut(
        id=audit.id,
        location=location,
        status="open" if audit.status == "open" else "closed",
        opened_at=audit.opened_at,
        include_sublocations=audit.include_sublocations,
        include_fixed_readers=audit.include_fixed_readers,
        origin=audit.origin,
        opened_by=audit.opened_by,
        opened_device=audit.opened_device,
        opened_operator=audit.opened_operator,
        expected_as_of=audit.expected_as_of,
        closed_at=audit.closed_at,
        closed_by=audit.closed_by,
        note=audit.note,
        counts=counts,
    )


class ExpectedAssetOut(BaseModel):
    """An asset expected somewhere, with every key that identifies it."""

    asset_tag: str
    name: str | None
    location: str | None
    keys: list[str]


class ExpectedOut(BaseModel):
    """What an audit (or a location now) expects: the list a handheld takes offline."""

    location: str
    include_sublocations: bool
    scope: list[str]
    as_of: datetime
    audit_id: str | None = None
    count: int
    assets: list[ExpectedAssetOut]


class IdentityOut(BaseModel):
    """One registered key and its asset."""

    key: str
    asset_tag: str
    name: str | None
    status: str
    location: str | None = Field(description="last-known location, else the home location")
    home_location: str | None


class IdentitiesOut(BaseModel):
    """Every registered key: what a handheld needs offline to tell unexpected from unknown."""

    as_of: datetime
    count: int
    identities: list[IdentityOut]


class EvidenceOut(BaseModel):
    """The read that decided a row: device, operator, time, location."""

    device_id: str | None
    operator: str | None
    observed_at: datetime
    location: str | None
    source: str
    code: str
    rssi: float | None
    read_count: int
    weak: bool


class RowOut(BaseModel):
    """An asset in a category of the reconciliation."""

    asset_tag: str
    name: str | None
    expected_location: str | None
    seen_location: str | None
    reads: int
    evidence: EvidenceOut | None


class UnknownOut(BaseModel):
    """A code read in the audit that matches no asset."""

    code: str
    key: str
    reads: int
    evidence: EvidenceOut


class DetailsOut(BaseModel):
    """Each contract category's rows with their evidence."""

    found: list[RowOut]
    missing: list[RowOut]
    unexpected: list[RowOut]
    unknown_codes: list[UnknownOut]


class ReconciliationOut(BaseModel):
    """Contract 2.3's reconciliation (asset tags and codes) with `relocated` and `weak` rows,
    counts, and every row's evidence."""

    audit_id: str
    status: str
    found: list[str]
    missing: list[str]
    unexpected: list[str]
    unknown_codes: list[str]
    relocated: list[RowOut]
    weak: list[RowOut]
    counts: dict[str, int]
    details: DetailsOut
    resolutions: list[ResolutionOut] = Field(description="the resolutions in force")


Action = Literal[
    "accept_relocation",
    "mark_missing",
    "found_elsewhere",
    "register_unknown",
    "attach_unknown",
    "dispose",
]


class ResolutionIn(_In):
    """One decision about one row. `asset_tag` names the asset (for register_unknown: the new
    asset's tag); `code` the unknown code (register_unknown, attach_unknown); `location` where
    it was found (found_elsewhere) or the new asset's home (register_unknown, optional);
    `name` the new asset's name (register_unknown)."""

    action: Action
    asset_tag: Code | None = None
    code: Annotated[str, Field(min_length=1, max_length=1024)] | None = None
    location: Code | None = None
    name: Annotated[str, Field(min_length=1, max_length=256)] | None = None
    reason: Reason | None = None


class BulkResolutionIn(_In):
    """Several decisions at once; all or none are applied."""

    items: list[ResolutionIn] = Field(min_length=1, max_length=10_000)


class ResolutionOut(BaseModel):
    """A logged decision: who, when, why, and whether it was undone."""

    id: int
    audit_id: str
    action: str
    asset_tag: str | None
    code: str | None
    location: str | None
    reason: str | None
    by: str
    at: datetime
    undone_at: datetime | None
    undone_by: str | None


class ScheduleIn(_In):
    """Audit this location every `every_days` days, counting from `start` (default today)."""

    every_days: int = Field(ge=1, le=3660)
    start: date | None = None


class ScheduleOut(BaseModel):
    """A location's audit schedule with its last audit and when the next one is due."""

    location: str
    every_days: int
    start: date
    last_audit_id: str | None
    last_audited_at: datetime | None
    last_result: dict[str, int] | None
    next_due: date
    state: Literal["ok", "due", "overdue"]


class DueOut(BaseModel):
    """Locations whose audit is due soon or overdue, and the audits open now."""

    due: list[ScheduleOut]
    overdue: list[ScheduleOut]
    open: list[AuditOut]


ReconciliationOut.model_rebuild()
