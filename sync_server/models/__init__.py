"""SQLModel tables, one module per domain. Migrations in `sync_server/migrations` must match
these exactly (a test runs autogenerate and expects no difference). A new domain adds its module
here and imports it below, so importing `sync_server.models` registers every table."""

from __future__ import annotations

from sync_server.models.audits import (
    Audit,
    AuditExpected,
    AuditLine,
    AuditResolution,
    AuditSchedule,
)
from sync_server.models.core import (
    ApiToken,
    Asset,
    AssetIdentifier,
    AssetState,
    ClockAnchor,
    Device,
    Event,
    IngestBatch,
    Location,
    Person,
    ReadPoint,
    RejectedEvent,
    Stream,
    User,
    WebSession,
)
from sync_server.models.interchange import ReadPointSteps
from sync_server.models.maintenance import MaintenancePlan, WorkOrder, WorkOrderPart
from sync_server.models.money import AssetUsage
from sync_server.models.security import LoginThrottle, ServerSecret

__all__ = [
    "ApiToken",
    "Asset",
    "AssetIdentifier",
    "AssetState",
    "AssetUsage",
    "Audit",
    "AuditExpected",
    "AuditLine",
    "AuditResolution",
    "AuditSchedule",
    "ClockAnchor",
    "Device",
    "Event",
    "IngestBatch",
    "Location",
    "LoginThrottle",
    "MaintenancePlan",
    "Person",
    "ReadPoint",
    "ReadPointSteps",
    "RejectedEvent",
    "ServerSecret",
    "Stream",
    "User",
    "WebSession",
    "WorkOrder",
    "WorkOrderPart",
]
