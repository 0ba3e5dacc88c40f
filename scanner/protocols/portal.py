"""Portal direction from antenna roles (contract section 4): pure, time passed in as `now`.

A tag's reads on the two sides of a portal are kept per *passage*: from its first read until
it has gone unread on every antenna for `gap_s` (3 x `crossing_s`), or a direction was given.
Each side keeps the mean of its read times, its first and last read, how many of its reads
came before the other side read the tag, and the RSSI of its latest reads. (The centroids are
not RSSI-weighted: frame-mounted antennas read strongest near the door line, so weighting
pulls both sides' centroids to the door and blurs the order.)

Rules of this file:
- A passage is a crossing from side A to side B when, all together:
  - it is over: no antenna has read the tag for `settle_s` (the aggregator's `dwell_s`);
  - it started on A: A read it (`LEAD_READS` times) before B ever did;
  - it ended on B: the last `TAIL_READS` reads were B's, over at least `TAIL_S` after A's
    last read, and B's last reads are `RECEDE_DB` weaker than a stretch before them (the
    tag moved away; a tag parked in the door, one side in a null, reads steadily);
  - B's mean read time comes after A's by `MARGIN_S` plus `MARGIN_Z` standard errors, so a
    passage with few or scattered reads needs a clearer order;
  - both sides read it together for at most `crossing_s`, and B alone for at most
    `crossing_s`: a load staged in the door, or parked in one field, is not a crossing.
- Loads: tags whose passages began within `LOAD_S` of each other, none of them read first on
  B, are taken as one load. A tag gets no direction while another tag of its load is still
  being read on A, or was read by both sides for longer than a crossing (the load is staged
  or turning back); a tag whose passage has the shape of a crossing but not the clarity gets
  the direction when another tag of its load crossed clearly. So a load gets one direction.
- A tag never crosses to the side it last crossed to (it has to go back first).
- Anything else is None: a turn-back at any depth, a staged load, one side only, an order
  that is not clear. A wrong direction is worse than none.
- Only the sighting on B that closes after the passage is over carries the direction; the
  passage is then spent, so exactly one sighting carries it.
- Silence alone never decides: gaps inside a field (a blocked antenna, a null, a shadowed tag)
  only delay the decision, which is taken on the whole passage.
- Readers that report no RSSI (always the same value) skip the receding test.
- Tracks expire `gap_s` after their last read, so memory stays bounded.
"""

from __future__ import annotations

import math
import statistics
from collections import deque
from collections.abc import Mapping

from shared.wire import Direction

_OPPOSITE: dict[Direction, Direction] = {"in": "out", "out": "in"}
LEAD_READS = 1
TAIL_READS = 3
TAIL_S = 0.2
MARGIN_S = 0.2
MARGIN_Z = 2.0
LOAD_S = 3.0
RECEDE_DB = 6.0
_KEPT = 40
_NO_RSSI = -70.0  # the level recorded for a read without RSSI


class _Side:
    """One side's reads of one passage (times relative to the passage's start)."""

    __slots__ = ("alone", "count", "first", "last", "levels", "same", "t1", "t2")

    def __init__(self) -> None:
        self.levels: deque[float] = deque(maxlen=_KEPT)  # RSSI of the latest reads
        self.count = 0
        self.alone = 0
        self.same = 0  # reads at the time of `last`
        self.first = math.inf
        self.last = -math.inf
        self.t1 = self.t2 = 0.0  # sums of read times and of their squares

    def add(self, t: float, rssi: float | None, other_seen: bool) -> None:
        level = _NO_RSSI if rssi is None or math.isnan(rssi) else rssi
        self.levels.append(level)
        if not self.count:
            self.first = t
        self.count += 1
        self.alone += not other_seen
        self.same = self.same + 1 if t == self.last else 1
        self.last = t
        self.t1 += t
        self.t2 += t * t

    def receding(self) -> bool:
        """The last reads are clearly weaker than a stretch of reads before them: the tag
        moved away from the antennas. A tag standing still (say, parked in a null of the
        other side) reads about as strong throughout, noise and fades aside."""
        levels = list(self.levels)
        if levels and max(levels) == min(levels):
            return True  # a reader that reports no RSSI (or the same always): nothing to tell
        k = max(2, min(4, len(levels) // 3))
        if len(levels) < 2 * k:
            return False
        end = statistics.median(levels[-k:])
        before = max(statistics.median(levels[i : i + k]) for i in range(len(levels) - 2 * k + 1))
        return before - end >= RECEDE_DB

    def centroid(self) -> tuple[float, float]:
        """The mean read time and its standard error."""
        mean = self.t1 / self.count
        var = max(0.0, self.t2 / self.count - mean * mean)
        return mean, math.sqrt(var / self.count)


class _Passage:
    """What the portal knows about one EPC's current passage."""

    __slots__ = ("last_read", "origin", "run", "run_side", "sides")

    def __init__(self, now: float) -> None:
        self.origin = now
        self.last_read = now
        self.sides: dict[Direction, _Side] = {"in": _Side(), "out": _Side()}
        self.run_side: Direction | None = None
        self.run = 0

    def add(self, side: Direction, now: float, rssi: float | None) -> None:
        this, other = self.sides[side], self.sides[_OPPOSITE[side]]
        t = now - self.origin
        if not this.count and other.last == t:
            other.alone -= other.same  # read at the same instant: not before this side
        this.add(t, rssi, other.count > 0)
        self.last_read = now
        self.run = self.run + 1 if self.run_side == side else 1
        self.run_side = side


class Portal:
    """Follows each EPC's passage through a portal and decides crossings, load by load."""

    def __init__(
        self,
        roles: Mapping[int, Direction],
        *,
        crossing_s: float,
        settle_s: float,
        gap_s: float | None = None,
    ) -> None:
        self._roles = dict(roles)
        self._crossing_s = crossing_s
        self._settle_s = settle_s
        # Longer than a crossing: a load staged in the door can go unread for a while (both
        # sides in a null) and must not then look like it just arrived.
        self._gap_s = 3 * crossing_s if gap_s is None else gap_s
        self._tracks: dict[str, _Passage] = {}
        # Crossings given lately: (passage start, direction, when), for the rest of the load.
        self._given: dict[str, tuple[float, Direction, float]] = {}

    def side(self, antenna: int | None) -> Direction | None:
        """The side `antenna` watches, or None when it has no role."""
        return None if antenna is None else self._roles.get(antenna)

    def observe(self, epc: str, antenna: int | None, now: float, rssi: float | None = None) -> None:
        """Record one read of `epc` on `antenna` at `now` (non-decreasing)."""
        side = self.side(antenna)
        if side is None:
            return
        track = self._tracks.get(epc)
        if track is None or now - track.last_read > self._gap_s:
            track = self._tracks[epc] = _Passage(now)
        track.add(side, now, rssi)

    def decide(self, epc: str, antenna: int | None, now: float) -> Direction | None:
        """Direction carried by a sighting of `epc` on `antenna` that closes at `now`."""
        side = self.side(antenna)
        track = self._tracks.get(epc)
        if side is None or track is None or not self._over_on(track, side, now):
            return None
        if epc in self._given and self._given[epc][1] == side:
            return None  # it cannot cross to the side it last crossed to without going back
        load = self._load(epc, track, side)
        if any(self._held_back(other, side, now) for other in load):
            return None  # part of the load is still on the other side, or went back
        if not self._crossed(track, side) and not self._load_crossed(load, track, side):
            return None
        del self._tracks[epc]  # spent: the next read starts a new passage
        self._given[epc] = (track.origin, side, now)
        return side

    def _over_on(self, track: _Passage, side: Direction, now: float) -> bool:
        """The passage ended on `side` and nothing has read the tag for `settle_s`."""
        return (
            now - track.last_read >= self._settle_s
            and track.run_side == side
            and track.sides[side].count > 0
        )

    def _crossed(self, track: _Passage, to: Direction) -> bool:
        """The tag's own reads show a clear crossing to `to` (see the rules above)."""
        if not self._shaped(track, to) or not track.sides[to].receding():
            return False
        (ca, sa), (cb, sb) = track.sides[_OPPOSITE[to]].centroid(), track.sides[to].centroid()
        return cb - ca >= MARGIN_S + MARGIN_Z * math.hypot(sa, sb)

    def _shaped(self, track: _Passage, to: Direction) -> bool:
        """Read first on the other side, last on `to` for a while, all within `crossing_s`."""
        a, b = track.sides[_OPPOSITE[to]], track.sides[to]
        if a.alone < LEAD_READS or track.run_side != to or track.run < TAIL_READS:
            return False
        if b.last - a.last < TAIL_S:
            return False
        return a.last - b.first <= self._crossing_s and b.last - a.last <= self._crossing_s

    def _load(self, epc: str, track: _Passage, to: Direction) -> list[_Passage]:
        """Other tags that came into the fields with this one, not from the far side: most
        likely the same load."""
        frm = _OPPOSITE[to]
        return [
            other
            for e, other in self._tracks.items()
            if e != epc
            and abs(other.origin - track.origin) <= LOAD_S
            and not (other.sides[to].alone and not other.sides[frm].alone)
        ]

    def _held_back(self, other: _Passage, to: Direction, now: float) -> bool:
        """A tag of the load is still being read on the side the crossing is from, or both
        sides read it together for longer than a crossing takes: the load was staged."""
        a, b = other.sides[_OPPOSITE[to]], other.sides[to]
        if min(a.last, b.last) - max(a.first, b.first) > self._crossing_s:
            return True
        return other.run_side != to and other.origin + a.last >= now - self._settle_s

    def _load_crossed(self, load: list[_Passage], track: _Passage, to: Direction) -> bool:
        """The tag went from one side to the other, if less clearly than `_crossed` asks, and
        another tag of its load crossed the same way: a load crosses as one, though not every
        tag is read well on both sides."""
        a, b = track.sides[_OPPOSITE[to]], track.sides[to]
        if not self._shaped(track, to) or a.centroid()[0] > b.centroid()[0]:
            return False
        given = any(
            d == to and abs(origin - track.origin) <= LOAD_S
            for origin, d, _ in self._given.values()
        )
        return given or any(self._crossed(other, to) for other in load)

    def expire(self, now: float) -> None:
        """Forget EPCs too long unread to take part in any crossing."""
        stale = [e for e, t in self._tracks.items() if now - t.last_read > self._gap_s]
        for epc in stale:
            del self._tracks[epc]
        # Kept while the tag is still about: it cannot cross the same way twice in a row.
        spent = [
            e
            for e, (_, _, at) in self._given.items()
            if now - at > self._gap_s and e not in self._tracks
        ]
        for epc in spent:
            del self._given[epc]

    def __len__(self) -> int:
        return len(self._tracks) + len(self._given)
