"""Control labels steer a wand, HID or camera source (contract section 4, control labels).

Rules of this file: sans-IO and pure; time comes in as `now` (monotonic seconds). One machine
per source. Every scan is classified first (location / person / command / asset / ignored),
then the transition table gives the next mode. Any control label ends a checkout or checkin
mode ("until another control label"), as does `mode_timeout_s` without a scan. A location
label sets the location for later scans until the next location label; `CMD:DONE` goes back
to sightings and keeps the location. Garbage (an empty or unknown control label) changes
nothing and sends nothing.

Audits (issue 9): `CMD:AUDIT` opens an audit at the current location (the last location label,
else the station's): an `audit_open` event with a new audit id, and every later asset scan
carries that id. A location label during an audit moves later scans to that (sub)location and
the audit goes on; `CMD:DONE` closes it (`audit_close`). `CMD:AUDIT` during an audit closes it
and opens the next one at the current location. Without a location, `CMD:AUDIT` changes
nothing. The mode timeout never ends an audit: a headless station may stand idle in a room.
"""

from __future__ import annotations

import enum
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from scanner.events import EventDraft, RawRead
from shared.identifiers import IdentifierError, LabelPatterns, identify
from shared.wire import EventType, Source


class Mode(enum.StrEnum):
    """What an asset scan becomes."""

    SIGHTING = "sighting"
    CHECKOUT = "checkout"
    CHECKIN = "checkin"


class Label(enum.Enum):
    """What a scanned code is, for this machine."""

    LOCATION = "location"
    PERSON = "person"
    CHECKIN = "checkin"
    DONE = "done"
    AUDIT = "audit"
    ASSET = "asset"
    IGNORED = "ignored"


# (label) -> next mode; None keeps the current mode. Same from every mode (contract 4).
_TRANSITIONS: dict[Label, Mode | None] = {
    Label.LOCATION: Mode.SIGHTING,
    Label.PERSON: Mode.CHECKOUT,
    Label.CHECKIN: Mode.CHECKIN,
    Label.DONE: Mode.SIGHTING,
    Label.AUDIT: Mode.SIGHTING,
    Label.ASSET: None,
    Label.IGNORED: None,
}


def new_audit_id() -> str:
    """A fresh audit id: a random UUID, so stations never collide while offline."""
    return str(uuid.uuid4())


@dataclass(frozen=True, slots=True)
class ControlConfig:
    """Prefixes and timeout from the station file, and what every event carries."""

    boot_id: str
    read_point: str | None = None
    location: str | None = None
    location_prefix: str = "LOC:"
    person_prefix: str = "EMP:"
    command_prefix: str = "CMD:"
    mode_timeout_s: float = 120.0
    new_audit_id: Callable[[], str] = new_audit_id


@dataclass(frozen=True, slots=True)
class OpenAudit:
    """The audit a source is scanning for: its id and the location it was opened at."""

    audit_id: str
    location: str


@dataclass(frozen=True, slots=True)
class Outcome:
    """The result of one scan: events to queue (in order), and/or a control change to report."""

    drafts: tuple[EventDraft, ...] = ()
    change: str | None = None

    @property
    def draft(self) -> EventDraft | None:
        """The first event to queue, if any (most scans make one or none)."""
        return self.drafts[0] if self.drafts else None


class ControlLabels:
    """The control-label machine of one source."""

    def __init__(self, config: ControlConfig) -> None:
        self.config = config
        self.mode = Mode.SIGHTING
        self.location = config.location
        self.custodian: str | None = None
        self.audit: OpenAudit | None = None
        self._last_scan: float | None = None
        self._patterns = LabelPatterns(
            location_prefix=config.location_prefix,
            person_prefix=config.person_prefix,
            command_prefix=config.command_prefix,
        )

    def receive(self, read: RawRead, now: float) -> Outcome:
        """Classify `read` at time `now`; the event it becomes or the change it makes."""
        expired = self._expire(now)
        label, value = self.classify(read)
        if label is Label.IGNORED:
            return Outcome(change=expired)
        self._last_scan = now
        if label is Label.AUDIT:
            return self.start_audit(None, read.wall, read.mono_ns, read.source)
        next_mode = _TRANSITIONS[label]
        if next_mode is not None:
            self.mode = next_mode
            self.custodian = value if label is Label.PERSON else None
        if label is Label.LOCATION:
            self.location = value
        if label is Label.DONE and self.audit is not None:
            return self.finish_audit(read.wall, read.mono_ns, read.source)
        if label is not Label.ASSET:
            return Outcome(change=self._describe(label, value))
        return Outcome((self._draft(read),), change=expired)

    def start_audit(
        self, location: str | None, wall: datetime, mono_ns: int, source: Source = "manual"
    ) -> Outcome:
        """Open an audit at `location` (None: the current location), closing an open one
        first; how a screen's "pick a location" does what `CMD:AUDIT` does."""
        if location is not None:
            self.location = location
        if self.location is None:
            return Outcome(change="CMD:AUDIT needs a location: scan a location label first")
        closing = self.finish_audit(wall, mono_ns, source).drafts
        self.mode, self.custodian = Mode.SIGHTING, None
        self.audit = OpenAudit(self.config.new_audit_id(), self.location)
        opened = self._event("audit_open", self.location, source, wall, mono_ns)
        return Outcome(
            (*closing, opened),
            change=f"audit {self.audit.audit_id} open at {self.location}",
        )

    def finish_audit(self, wall: datetime, mono_ns: int, source: Source = "manual") -> Outcome:
        """Close the open audit (`CMD:DONE`); nothing when none is open."""
        if self.audit is None:
            return Outcome()
        audit = self.audit
        closed = self._event("audit_close", audit.audit_id, source, wall, mono_ns)
        self.audit = None
        self.mode, self.custodian = Mode.SIGHTING, None
        return Outcome((closed,), change=f"audit {audit.audit_id} at {audit.location} done")

    def _expire(self, now: float) -> str | None:
        if self.mode is Mode.SIGHTING or self._last_scan is None:
            return None
        if now - self._last_scan < self.config.mode_timeout_s:
            return None
        was = self.mode
        self.mode, self.custodian = Mode.SIGHTING, None
        return f"{was} mode ended after {self.config.mode_timeout_s:.0f} s without a scan"

    def classify(self, read: RawRead) -> tuple[Label, str | None]:
        """What `read` is for this machine (and the location or person it names); no change."""
        try:
            ident = identify(read.code, read.symbology, patterns=self._patterns)
        except IdentifierError:
            # Not decodable GS1: still a scan of something; the server shows unknown codes.
            return Label.ASSET, None
        if ident.role == "location":
            gln = ident.ais.get("414")
            return Label.LOCATION, gln if gln else ident.label
        if ident.role == "person":
            return Label.PERSON, ident.label
        if ident.role == "command":
            command = (ident.label or "").strip().upper()
            if command == "CHECKIN":
                return Label.CHECKIN, None
            if command == "DONE":
                return Label.DONE, None
            if command == "AUDIT":
                return Label.AUDIT, None
            return Label.IGNORED, None
        if ident.role == "unknown" and self._has_prefix(read.code):
            return Label.IGNORED, None  # e.g. "EMP:" with nobody after it
        return Label.ASSET, None

    def _has_prefix(self, code: str) -> bool:
        folded = code.casefold()
        prefixes = (self.config.location_prefix, self.config.person_prefix)
        return any(
            p and folded.startswith(p.casefold()) for p in (*prefixes, self.config.command_prefix)
        )

    def _describe(self, label: Label, value: str | None) -> str:
        if label is Label.LOCATION:
            return f"location is now {value}"
        if label is Label.PERSON:
            return f"checkout mode: asset scans go to {value}"
        if label is Label.CHECKIN:
            return "checkin mode: asset scans are returned"
        return "back to sightings"

    def _draft(self, read: RawRead) -> EventDraft:
        return EventDraft(
            type=self.mode.value,
            code=read.code,
            source=read.source,
            symbology=read.symbology,
            observed_at=read.wall,
            boot_id=self.config.boot_id,
            mono_ns=read.mono_ns,
            read_point=self.config.read_point,
            location=self.location,
            custodian=self.custodian if self.mode is Mode.CHECKOUT else None,
            audit_id=self.audit.audit_id if self.audit else None,
        )

    def _event(
        self, kind: EventType, code: str, source: Source, wall: datetime, mono_ns: int
    ) -> EventDraft:
        assert self.audit is not None
        return EventDraft(
            type=kind,
            code=code,
            source=source,
            observed_at=wall,
            boot_id=self.config.boot_id,
            mono_ns=mono_ns,
            read_point=self.config.read_point,
            location=self.audit.location,
            audit_id=self.audit.audit_id,
        )
