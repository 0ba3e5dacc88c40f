"""The live loop's pure logic: which frames to decode, and which codes are new sightings.

Rules of this file: time comes in as `now` (seconds, any monotonic origin). A code is a
(symbology, text) pair. It is reported when it comes into view; while it stays in view it is
not reported again, and a short decoding miss does not count as leaving. It is re-armed once
it has been out of view for `rearm_s`, and is never reported twice within `hold_off_s`.
Several codes in one frame are independent sightings.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from dataclasses import dataclass


class RateGate:
    """Lets frames through at most `hz` times per second of frame time."""

    def __init__(self, hz: float) -> None:
        self.interval = 1.0 / hz
        self._next: float | None = None

    def due(self, now: float) -> bool:
        """Whether a frame at `now` should be decoded."""
        if self._next is not None and now < self._next:
            return False
        self._next = now if self._next is None else self._next + self.interval
        if self._next <= now:  # after a stall: start again from now, no burst of catch-up
            self._next = now + self.interval
        return True


@dataclass(slots=True)
class _Track:
    last_seen: float
    last_reported: float


class SightingFilter:
    """Turns per-frame decodes into sightings: one per label passing the camera."""

    def __init__(self, hold_off_s: float, rearm_s: float) -> None:
        self.hold_off_s = hold_off_s
        self.rearm_s = rearm_s
        self._tracks: dict[Hashable, _Track] = {}

    def observe(self, keys: Iterable[Hashable], now: float) -> list[Hashable]:
        """The codes seen in a frame at `now` that are new sightings, in frame order."""
        new: list[Hashable] = []
        for key in dict.fromkeys(keys):
            track = self._tracks.get(key)
            if track is None:
                self._tracks[key] = _Track(now, now)
                new.append(key)
                continue
            away = now - track.last_seen >= self.rearm_s
            if away and now - track.last_reported >= self.hold_off_s:
                track.last_reported = now
                new.append(key)
            track.last_seen = now
        self._forget(now)
        return new

    def in_view(self) -> int:
        """How many codes are being tracked (seen recently)."""
        return len(self._tracks)

    def _forget(self, now: float) -> None:
        # A track that is re-armed and past its hold-off behaves like no track: drop it so
        # memory stays bounded on a conveyor that sees thousands of labels.
        stale = [
            key
            for key, t in self._tracks.items()
            if now - t.last_seen >= self.rearm_s and now - t.last_reported >= self.hold_off_s
        ]
        for key in stale:
            del self._tracks[key]
