"""The agent's internal events: raw reads from drivers and event drafts bound for the outbox."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from shared.wire import Direction, EventType, Source

# A tag read whose PC word has the toggle bit (17h) set: an ISO 15961 AFI/UII, not a GS1 EPC.
ISO_UII_SYMBOLOGY = "iso-uii"
PC_TOGGLE_BIT = 0x0100


@dataclass(frozen=True, slots=True)
class RawRead:
    """One read as a driver saw it, stamped with the agent's clocks when its bytes arrived.

    `code` is EPC hex in upper case for RFID, and the decoded text for barcodes with the AIM
    prefix removed and FNC1 kept as GS (0x1D). RFID reads are symbology `epc`, or `iso-uii`
    when the tag's PC word has the toggle bit set.
    """

    code: str
    source: Source
    symbology: str | None
    wall: datetime
    mono_ns: int
    aim: str | None = None
    antenna: int | None = None
    rssi: float | None = None


@dataclass(frozen=True, slots=True)
class EventDraft:
    """A wire event before the outbox gives it its `seq`."""

    type: EventType
    code: str
    source: Source
    observed_at: datetime
    boot_id: str
    mono_ns: int
    symbology: str | None = None
    read_point: str | None = None
    location: str | None = None
    antenna: int | None = None
    rssi: float | None = None
    read_count: int = 1
    first_seen: datetime | None = None
    last_seen: datetime | None = None
    direction: Direction | None = None
    audit_id: str | None = None
    custodian: str | None = None
    operator: str | None = None
    due_back: date | None = None
    weak: bool | None = None

    def to_wire(self, seq: int) -> dict[str, Any]:
        """The JSON-ready wire event (contract 2.1) with this `seq`; `weak` (an audit
        extension) only when it was judged, so other events stay as the contract shows them."""
        wire: dict[str, Any] = {
            "seq": seq,
            "type": self.type,
            "code": self.code,
            "source": self.source,
            "symbology": self.symbology,
            "observed_at": self.observed_at.isoformat(),
            "boot_id": self.boot_id,
            "mono_ns": self.mono_ns,
            "read_point": self.read_point,
            "location": self.location,
            "antenna": self.antenna,
            "rssi": self.rssi,
            "read_count": self.read_count,
            "first_seen": _iso(self.first_seen),
            "last_seen": _iso(self.last_seen),
            "direction": self.direction,
            "audit_id": self.audit_id,
            "custodian": self.custodian,
            "operator": self.operator,
            "due_back": self.due_back.isoformat() if self.due_back else None,
        }
        if self.weak is not None:
            wire["weak"] = self.weak
        return wire


def tag_symbology(pc: int | None) -> str:
    """`iso-uii` when the PC word has the toggle bit set, else `epc` (also when PC is unknown)."""
    return ISO_UII_SYMBOLOGY if pc is not None and pc & PC_TOGGLE_BIT else "epc"


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None
