"""RFID read aggregation into sightings (contract section 4): pure, time passed in as `now`.

Rules of this file:
- Reads are grouped per (EPC, antenna) into a window. A window closes `dwell_s` after its last
  read, or `max_window_s` after it opened; closing emits one `Sighting`.
- A window closed by `max_window_s` while the tag is still being read becomes *present*: its
  reads keep accumulating and are reported again only every `still_here_s`, and once more when
  the tag leaves (a `dwell_s` gap), so a parked pallet does not flood the outbox.
- Every accepted read is counted in exactly one sighting: the sum of `read_count` over all
  sightings equals `accepted` once everything is flushed (nothing is silently lost).
- Reads below `rssi_floor` are dropped and counted in `dropped_below_floor`.
- Direction comes from `Portal`; only the sighting completing a crossing carries it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from scanner.events import EventDraft, RawRead
from scanner.protocols.portal import Portal
from shared.wire import Direction

# A safety valve, far above any real field of view: beyond it the stalest window is closed
# early rather than letting a flood of distinct EPCs (a misconfigured reader) grow memory.
MAX_OPEN_WINDOWS = 50_000


@dataclass(frozen=True, slots=True)
class AggregationConfig:
    """Timing of sightings and portal crossings; defaults are the contract's."""

    dwell_s: float = 1.0
    max_window_s: float = 10.0
    still_here_s: float = 300.0
    crossing_s: float = 10.0
    rssi_floor: float | None = None


@dataclass(frozen=True, slots=True)
class Sighting:
    """One closed window of reads of one EPC on one antenna."""

    epc: str
    antenna: int | None
    first_seen: datetime
    last_seen: datetime
    read_count: int
    rssi: float | None
    mono_ns: int
    direction: Direction | None = None
    symbology: str = "epc"

    def to_draft(self, boot_id: str, read_point: str | None, location: str | None) -> EventDraft:
        """The outbox event for this sighting (type sighting, source rfid, the reads' symbology)."""
        return EventDraft(
            type="sighting",
            code=self.epc,
            source="rfid",
            symbology=self.symbology,
            observed_at=self.last_seen,
            boot_id=boot_id,
            mono_ns=self.mono_ns,
            read_point=read_point,
            location=location,
            antenna=self.antenna,
            rssi=self.rssi,
            read_count=self.read_count,
            first_seen=self.first_seen,
            last_seen=self.last_seen,
            direction=self.direction,
        )


class _Window:
    """Reads of one (EPC, antenna) not yet reported."""

    __slots__ = (
        "count",
        "first_wall",
        "last_mono_ns",
        "last_now",
        "last_wall",
        "opened",
        "peak",
        "present",
        "reported_at",
        "symbology",
    )

    def __init__(self, read: RawRead, now: float) -> None:
        self.opened = now
        self.present = False
        self.reported_at = now
        self.count = 0
        self.peak: float | None = None
        self.first_wall = read.wall
        self.last_wall = read.wall
        self.last_mono_ns = read.mono_ns
        self.last_now = now
        self.symbology = read.symbology or "epc"

    def add(self, read: RawRead, now: float) -> None:
        if self.count == 0:
            self.first_wall = read.wall
        self.count += 1
        self.last_wall = read.wall
        self.last_mono_ns = read.mono_ns
        self.last_now = now
        if read.rssi is not None and (self.peak is None or read.rssi > self.peak):
            self.peak = read.rssi


_Key = tuple[str, int | None]


class Aggregator:
    """Turns raw RFID reads into sightings; `feed` and `tick` return the ones that closed."""

    def __init__(
        self,
        config: AggregationConfig,
        antenna_roles: Mapping[int, Direction],
        portal: Portal | None = None,
    ) -> None:
        self.config = config
        self._windows: dict[_Key, _Window] = {}
        self._portal = portal or Portal(
            antenna_roles,
            crossing_s=config.crossing_s,
            # A sighting closes after dwell_s without a read; the same quiet on every antenna
            # means the tag has left the portal and its passage can be judged whole.
            settle_s=config.dwell_s,
        )
        self.accepted = 0
        self.dropped_below_floor = 0
        self.emitted_reads = 0

    def feed(self, read: RawRead, now: float) -> list[Sighting]:
        """Take one read; returns sightings this read caused to close (same EPC and antenna)."""
        floor = self.config.rssi_floor
        if floor is not None and read.rssi is not None and read.rssi < floor:
            self.dropped_below_floor += 1
            return []
        self.accepted += 1
        out: list[Sighting] = []
        key = (read.code, read.antenna)
        # The portal hears of the read first: a window this read finds stale closes while the
        # tag is plainly still here, so that sighting cannot complete a crossing.
        self._portal.observe(read.code, read.antenna, now, read.rssi)
        window = self._windows.get(key)
        if window is not None:
            window = self._advance(key, window, now, out)
        if window is None:
            if len(self._windows) >= MAX_OPEN_WINDOWS:
                self._evict_stalest(now, out)
            window = self._windows[key] = _Window(read, now)
        window.add(read, now)
        return out

    def tick(self, now: float) -> list[Sighting]:
        """Close every window whose time is up."""
        out: list[Sighting] = []
        for key, window in list(self._windows.items()):
            self._advance(key, window, now, out)
        self._portal.expire(now)
        return out

    def flush(self, now: float) -> list[Sighting]:
        """Close every window now (the agent is stopping); nothing read is left unreported."""
        out = self.tick(now)
        for key, window in list(self._windows.items()):
            self._emit(key, window, now, out)
            del self._windows[key]
        return out

    def open_windows(self) -> int:
        """How many (EPC, antenna) windows are open: bounded by the tags in the field."""
        return len(self._windows)

    def _advance(
        self, key: _Key, window: _Window, now: float, out: list[Sighting]
    ) -> _Window | None:
        """Apply the timers to one window; returns it if it stays open."""
        cfg = self.config
        if now - window.last_now >= cfg.dwell_s:
            self._emit(key, window, now, out)
            del self._windows[key]
            return None
        if not window.present and now - window.opened >= cfg.max_window_s:
            self._emit(key, window, now, out)
            window.present = True
            window.reported_at = now
        elif window.present and now - window.reported_at >= cfg.still_here_s:
            self._emit(key, window, now, out)
            window.reported_at = now
        return window

    def _emit(self, key: _Key, window: _Window, now: float, out: list[Sighting]) -> None:
        if window.count == 0:
            return
        epc, antenna = key
        out.append(
            Sighting(
                epc=epc,
                antenna=antenna,
                first_seen=window.first_wall,
                last_seen=window.last_wall,
                read_count=window.count,
                rssi=window.peak,
                mono_ns=window.last_mono_ns,
                direction=self._portal.decide(epc, antenna, now),
                symbology=window.symbology,
            )
        )
        self.emitted_reads += window.count
        window.count = 0
        window.peak = None

    def _evict_stalest(self, now: float, out: list[Sighting]) -> None:
        key = min(self._windows, key=lambda k: self._windows[k].last_now)
        self._emit(key, self._windows[key], now, out)
        del self._windows[key]
