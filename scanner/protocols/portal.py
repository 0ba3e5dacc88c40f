"""Portal direction from antenna roles (contract section 4): pure, time passed in as `now`.

Rules of this file:
- A read on side S is *exclusive* when the other side has not read the tag for at least
  `separation_s` (and the tag has been tracked that long): it is then clearly on side S
  only. Reads on both sides close together (a tag standing in the overlap, a pallet read by
  both antennas) never confirm a side.
- An exclusive read on S that follows an exclusive read on the other side by at most
  `crossing_s` is a crossing towards S, held as *pending*.
- Only a sighting on side S that closes with its last read at or after the crossing, while the
  other side has stayed silent since, carries the direction S; the pending crossing is then
  spent, so exactly one sighting carries it. Everything else is None: a tag that turns back,
  one side only, or an order that is not clear. A wrong direction is worse than none.
- `separation_s` must exceed the longest gap between reads of a tag inside a field (the
  aggregator uses `dwell_s`, since a longer gap means the tag left that field).
- Tracks expire `crossing_s + separation_s` after their last read, so memory stays bounded.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from shared.wire import Direction

_OPPOSITE: dict[Direction, Direction] = {"in": "out", "out": "in"}


class _Track:
    """What the portal knows about one EPC."""

    __slots__ = ("confirmed", "confirmed_at", "last_read", "pending", "pending_at", "since")

    def __init__(self, now: float) -> None:
        self.since = now
        self.last_read: dict[Direction, float] = {"in": -math.inf, "out": -math.inf}
        self.confirmed: Direction | None = None
        self.confirmed_at = -math.inf
        self.pending: Direction | None = None
        self.pending_at = -math.inf


class Portal:
    """Tracks which side of a portal each EPC was clearly on, and decides crossings."""

    def __init__(
        self, roles: Mapping[int, Direction], *, crossing_s: float, separation_s: float
    ) -> None:
        self._roles = dict(roles)
        self._crossing_s = crossing_s
        self._separation_s = separation_s
        self._tracks: dict[str, _Track] = {}

    def side(self, antenna: int | None) -> Direction | None:
        """The side `antenna` watches, or None when it has no role."""
        return None if antenna is None else self._roles.get(antenna)

    def observe(self, epc: str, antenna: int | None, now: float) -> None:
        """Record one read of `epc` on `antenna` at `now` (non-decreasing)."""
        side = self.side(antenna)
        if side is None:
            return
        track = self._tracks.get(epc)
        if track is None:
            track = self._tracks[epc] = _Track(now)
        track.last_read[side] = now
        other = _OPPOSITE[side]
        # Silence on the other side only counts once we have watched the tag that long.
        if now - max(track.last_read[other], track.since) < self._separation_s:
            return
        if track.confirmed == other:
            crossed = now - track.confirmed_at <= self._crossing_s
            track.pending = side if crossed else None
            track.pending_at = now
        track.confirmed = side
        track.confirmed_at = now

    def decide(self, epc: str, antenna: int | None, last_read: float) -> Direction | None:
        """Direction of a sighting of `epc` on `antenna` whose last read was at `last_read`."""
        side = self.side(antenna)
        track = self._tracks.get(epc)
        if side is None or track is None or track.pending != side:
            return None
        if last_read < track.pending_at or track.last_read[_OPPOSITE[side]] >= track.pending_at:
            return None
        track.pending = None
        return side

    def expire(self, now: float) -> None:
        """Forget EPCs too long unread to take part in any crossing."""
        horizon = self._crossing_s + self._separation_s
        stale = [
            epc
            for epc, track in self._tracks.items()
            if now - max(track.last_read.values()) > horizon
        ]
        for epc in stale:
            del self._tracks[epc]

    def __len__(self) -> int:
        return len(self._tracks)
