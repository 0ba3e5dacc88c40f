"""Control labels steer a wand, HID or camera source (contract section 4, control labels).

Rules of this file: sans-IO and pure; time comes in as `now` (monotonic seconds). One machine
per source. Every scan is classified first (location / person / command / asset / ignored),
then the transition table gives the next mode. Any control label ends a checkout or checkin
mode ("until another control label"), as does `mode_timeout_s` without a scan. A location
label sets the location for later scans until the next location label; `CMD:DONE` goes back
to sightings and keeps the location. Garbage (an empty or unknown control label) changes
nothing and sends nothing.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from scanner.events import EventDraft, RawRead
from shared.identifiers import IdentifierError, LabelPatterns, identify


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
    ASSET = "asset"
    IGNORED = "ignored"


# (label) -> next mode; None keeps the current mode. Same from every mode (contract 4).
_TRANSITIONS: dict[Label, Mode | None] = {
    Label.LOCATION: Mode.SIGHTING,
    Label.PERSON: Mode.CHECKOUT,
    Label.CHECKIN: Mode.CHECKIN,
    Label.DONE: Mode.SIGHTING,
    Label.ASSET: None,
    Label.IGNORED: None,
}


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


@dataclass(frozen=True, slots=True)
class Outcome:
    """The result of one scan: an event to queue, and/or a control change to report."""

    draft: EventDraft | None = None
    change: str | None = None


class ControlLabels:
    """The control-label machine of one source."""

    def __init__(self, config: ControlConfig) -> None:
        self.config = config
        self.mode = Mode.SIGHTING
        self.location = config.location
        self.custodian: str | None = None
        self._last_scan: float | None = None
        self._patterns = LabelPatterns(
            location_prefix=config.location_prefix,
            person_prefix=config.person_prefix,
            command_prefix=config.command_prefix,
        )

    def receive(self, read: RawRead, now: float) -> Outcome:
        """Classify `read` at time `now`; the event it becomes or the change it makes."""
        expired = self._expire(now)
        label, value = self._classify(read)
        if label is Label.IGNORED:
            return Outcome(change=expired)
        self._last_scan = now
        next_mode = _TRANSITIONS[label]
        if next_mode is not None:
            self.mode = next_mode
            self.custodian = value if label is Label.PERSON else None
        if label is Label.LOCATION:
            self.location = value
        if label is not Label.ASSET:
            return Outcome(change=self._describe(label, value))
        return Outcome(draft=self._draft(read), change=expired)

    def _expire(self, now: float) -> str | None:
        if self.mode is Mode.SIGHTING or self._last_scan is None:
            return None
        if now - self._last_scan < self.config.mode_timeout_s:
            return None
        was = self.mode
        self.mode, self.custodian = Mode.SIGHTING, None
        return f"{was} mode ended after {self.config.mode_timeout_s:.0f} s without a scan"

    def _classify(self, read: RawRead) -> tuple[Label, str | None]:
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
        )
