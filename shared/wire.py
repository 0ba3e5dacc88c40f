"""Sync wire format v1 (contract section 2.1): what the agent sends and the server answers."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StrictInt

WIRE_VERSION = 1
MAX_BATCH_EVENTS = 1000
MAX_BODY_BYTES = 1_048_576
DEVICE_ID_PATTERN = r"^[A-Za-z0-9._-]{1,64}$"

EventType = Literal["sighting", "checkout", "checkin", "audit_open", "audit_close"]
# Extensions of contract 2.1 (docs/audits.md): a station opens and closes an audit itself,
# offline. `audit_open` carries `audit_id` (a UUID the station makes), `location` and `code`
# (both the audited location's code) and `observed_at` (when it opened); `audit_close` carries
# `audit_id` and `code` = the audit id. Neither is a sighting of anything.
AUDIT_TYPES: tuple[str, ...] = ("audit_open", "audit_close")
Source = Literal["rfid", "wand", "camera", "manual"]
Direction = Literal["in", "out"]
DeviceIdStr = Annotated[str, Field(pattern=DEVICE_ID_PATTERN)]
ShortText = Annotated[str, Field(min_length=1, max_length=256)]
CodeText = Annotated[str, Field(min_length=1, max_length=1024)]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ClockIn(_Frozen):
    """The device's clocks at the moment a request is sent."""

    boot_id: ShortText
    mono_ns: StrictInt = Field(ge=0)
    wall: AwareDatetime


class EventIn(_Frozen):
    """One event as it travels on the wire; the server validates each one on its own."""

    seq: StrictInt = Field(ge=1)
    type: EventType
    code: CodeText
    source: Source
    symbology: ShortText | None = None
    observed_at: AwareDatetime
    boot_id: ShortText
    mono_ns: StrictInt = Field(ge=0)
    read_point: ShortText | None = None
    location: ShortText | None = None
    antenna: StrictInt | None = Field(default=None, ge=1, le=64)
    rssi: float | None = Field(default=None, ge=-200, le=50)
    read_count: StrictInt = Field(default=1, ge=1)
    first_seen: AwareDatetime | None = None
    last_seen: AwareDatetime | None = None
    direction: Direction | None = None
    audit_id: ShortText | None = None
    custodian: ShortText | None = None
    operator: ShortText | None = None
    due_back: date | None = None
    # Extension: set by the edge on RFID reads in an audit too weak to count as found (it knows
    # the profile's and the station's thresholds); the server trusts it. None: not judged.
    weak: bool | None = None


class BatchIn(_Frozen):
    """A batch envelope. Events stay loose here so one bad event never refuses the batch."""

    wire_version: Literal[1]
    batch_id: uuid.UUID
    device_id: DeviceIdStr
    stream_id: uuid.UUID
    clock: ClockIn
    events: list[dict[str, Any]] = Field(max_length=MAX_BATCH_EVENTS)


class RejectedOut(_Frozen):
    """An event the server held for review instead of storing it as valid."""

    seq: int
    reason: str


class BatchAck(_Frozen):
    """The server's answer to a well-formed batch."""

    hwm: int
    inserted: int
    duplicates: int
    rejected: list[RejectedOut]
    server_time: AwareDatetime
