"""A physical dock-door portal: antenna fields, reads per inventory round, RSSI and gaps.

Pure and seeded: positions and times are passed in, nothing sleeps or reads a clock.

Coordinates are metres: `x` across the door line (negative is the yard, positive inside), `y`
along the door, `z` up. Each antenna is a patch on the door frame (or above the door) facing
its own side. Its link margin to a tag falls with distance and with the angle off boresight
(a front-to-back ratio keeps the back lobe short), so the two sides' fields overlap in a band
around the door line. A tag answers in an inventory round with a probability that falls off
as the margin nears zero, towards the field's edge, and the reader reports an RSSI that falls
with the same margin. The gaps real portals have come from:

- multipath: a standing-wave pattern per (tag, antenna) that fades with position, so a slow
  or parked tag can sit in a null for as long as it stays there;
- a slow fade in time (people and trucks moving about), so misses come in runs;
- an antenna blocked for about a second (a body or a mast in front of it);
- the pallet itself: tags on its far face from an antenna are shadowed by the goods;
- the round's capacity: a big pallet cannot all be singulated in one round.
"""

from __future__ import annotations

import cmath
import math
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from shared.wire import Direction

Vec = tuple[float, float, float]
# A read as the reader reports it: (time s, EPC, antenna port, RSSI dBm).
FieldRead = tuple[float, str, int, float]

_WAVELENGTH_M = 0.33  # UHF RFID around 900 MHz
_FLOOR_DBM = -85.0


@dataclass(frozen=True, slots=True)
class Antenna:
    """One antenna port: where it hangs, which way it looks, which side it watches."""

    port: int
    side: Direction
    at: Vec
    facing: Vec  # a unit vector


@dataclass(frozen=True, slots=True)
class Geometry:
    """A portal's antennas and the reader's link budget and timing."""

    antennas: tuple[Antenna, ...]
    margin_db: float = 11.0  # link margin 1 m in front of an antenna
    front_to_back_db: float = 22.0
    round_s: float = 0.04  # one antenna's inventory round; the reader cycles the ports
    round_capacity: int = 14  # tags singulated in one round at most
    max_p: float = 0.92  # even a strong tag misses a round now and then
    name: str = "portal"

    def roles(self) -> dict[int, Direction]:
        """The station file's `antennas` table for this portal."""
        return {a.port: a.side for a in self.antennas}

    @property
    def cycle_s(self) -> float:
        """Time for the reader to visit every antenna once."""
        return self.round_s * len(self.antennas)


def door_geometry(
    per_side: int = 2,
    *,
    door_width: float = 3.0,
    setback: float = 0.3,
    toe_deg: float = 35.0,
    margin_db: float = 11.0,
    name: str = "",
) -> Geometry:
    """A dock door with `per_side` antennas on each side: on the frame (one or both posts) and,
    for a third, above the door. Outside ports are odd (1, 3, 5), inside ports even."""
    if not 1 <= per_side <= 3:
        raise ValueError("a door has 1 to 3 antennas per side")
    antennas: list[Antenna] = []
    toe = math.radians(toe_deg)
    for side, sign, first_port in (("out", -1.0, 1), ("in", 1.0, 2)):
        mounts: list[tuple[Vec, Vec]] = []
        for post in (1.0, -1.0)[: min(per_side, 2)]:
            at = (sign * setback, post * door_width / 2, 1.2)
            mounts.append((at, (sign * math.cos(toe), -post * math.sin(toe), 0.0)))
        if per_side == 3:
            down = math.radians(50.0)
            mounts.append(
                ((sign * setback, 0.0, 2.8), (sign * math.sin(down), 0.0, -math.cos(down)))
            )
        for i, (at, facing) in enumerate(mounts):
            port = first_port + 2 * i
            antennas.append(Antenna(port, side, at, facing))  # type: ignore[arg-type]
    label = name or f"{per_side}/side {door_width:.1f} m"
    return Geometry(tuple(antennas), margin_db=margin_db, name=label)


@dataclass(frozen=True, slots=True)
class TagAt:
    """A tag somewhere in the scene; `center` is the middle of the load that carries it."""

    epc: str
    at: Vec
    center: Vec


@dataclass(slots=True)
class _Link:
    """What stays true about one (tag, antenna) pair: its multipath and its slow fade."""

    paths: list[tuple[Vec, float, float]]  # wave vector, amplitude, phase
    norm: float
    slow_db: float = 0.0
    slow_at: float = -math.inf


@dataclass(slots=True)
class PortalField:
    """Reads of the tags in a scene, one inventory round at a time (seeded, pure).

    `blocks_per_min` antenna blockages a minute per antenna, each `block_s` long (a range);
    `shadow_db` is what the goods cost a tag on the far face of its load."""

    geometry: Geometry
    seed: int = 0
    blocks_per_min: float = 2.0
    block_s: tuple[float, float] = (0.5, 1.5)
    shadow_db: float = 8.0
    slow_fade_db: float = 2.5
    slow_fade_s: float = 0.7
    rssi_noise_db: float = 1.5
    _rng: random.Random = field(init=False)
    _links: dict[tuple[str, int], _Link] = field(init=False, default_factory=dict)
    _blocked: dict[int, list[tuple[float, float]]] = field(init=False, default_factory=dict)
    _blocked_until: float = field(init=False, default=0.0)

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)

    def blocked(self, port: int, t: float) -> bool:
        """Whether antenna `port` is blocked at `t` (the schedule grows as time goes on)."""
        self._plan_blocks(t)
        return any(a <= t < b for a, b in self._blocked.get(port, ()))

    def round(self, antenna: Antenna, t: float, tags: Iterable[TagAt]) -> list[FieldRead]:
        """The reads one inventory round of `antenna` starting at `t` gets from `tags`."""
        if self.blocked(antenna.port, t):
            return []
        rng = self._rng
        answered: list[tuple[str, float]] = []
        for tag in tags:
            margin = self.margin(antenna, tag, t)
            if margin is None or rng.random() >= self.read_probability(margin):
                continue
            rssi = -42.0 + 2.0 * (margin - self.geometry.margin_db)
            answered.append((tag.epc, rssi + rng.gauss(0.0, self.rssi_noise_db)))
        if len(answered) > self.geometry.round_capacity:
            answered = rng.sample(answered, self.geometry.round_capacity)
        span = self.geometry.round_s
        reads = [
            (t + rng.uniform(0.0, span), epc, antenna.port, round(max(_FLOOR_DBM, rssi), 1))
            for epc, rssi in answered
        ]
        return sorted(reads)

    def read_probability(self, margin_db: float) -> float:
        """Chance a tag with this link margin answers in a round: high inside the field,
        falling off towards its edge (margin 0) and soon nothing beyond."""
        return self.geometry.max_p / (1.0 + math.exp(-(margin_db - 1.0) / 1.2))

    def margin(self, antenna: Antenna, tag: TagAt, t: float) -> float | None:
        """Link margin in dB of `tag` to `antenna` at `t`; None when far out of the field."""
        dx, dy, dz = (tag.at[i] - antenna.at[i] for i in range(3))
        dist = math.sqrt(dx * dx + dy * dy + dz * dz)
        if dist > 9.0:
            return None
        dist = max(dist, 0.2)
        f = antenna.facing
        cos = (dx * f[0] + dy * f[1] + dz * f[2]) / dist
        pattern = self.geometry.front_to_back_db * ((1.0 - cos) / 2.0) ** 1.5
        link = self._link(tag.epc, antenna.port)
        return float(
            self.geometry.margin_db
            - 20.0 * math.log10(dist)
            - pattern
            + _multipath_db(link, tag.at)
            + self._slow_db(link, t)
            - self.shadow_db * _shadowing(antenna.at, tag)
        )

    def _link(self, epc: str, port: int) -> _Link:
        key = (epc, port)
        link = self._links.get(key)
        if link is None:
            link = self._links[key] = _new_link(random.Random(f"{self.seed}/{epc}/{port}"))
        return link

    def _slow_db(self, link: _Link, t: float) -> float:
        """An AR(1) fade in time: correlated over `slow_fade_s`, so misses come in runs."""
        if t - link.slow_at > 10 * self.slow_fade_s:
            link.slow_db = self._rng.gauss(0.0, self.slow_fade_db)
        elif t > link.slow_at:
            rho = math.exp(-(t - link.slow_at) / self.slow_fade_s)
            shock = self._rng.gauss(0.0, self.slow_fade_db)
            link.slow_db = rho * link.slow_db + math.sqrt(1.0 - rho * rho) * shock
        link.slow_at = t
        return link.slow_db

    def _plan_blocks(self, until: float) -> None:
        if until < self._blocked_until or self.blocks_per_min <= 0:
            return
        horizon = until + 60.0
        rng = random.Random(f"{self.seed}/blocks/{self._blocked_until}")
        for antenna in self.geometry.antennas:
            t = self._blocked_until
            while True:
                t += rng.expovariate(self.blocks_per_min / 60.0)
                if t >= horizon:
                    break
                spans = self._blocked.setdefault(antenna.port, [])
                spans.append((t, t + rng.uniform(*self.block_s)))
        self._blocked_until = horizon


def _new_link(rng: random.Random) -> _Link:
    """A direct path and three reflections with random directions, strengths and phases."""
    k = 2 * math.pi / _WAVELENGTH_M
    paths = []
    for _ in range(3):
        theta, phi = rng.uniform(0, 2 * math.pi), math.acos(rng.uniform(-1, 1))
        direction = (
            math.sin(phi) * math.cos(theta),
            math.sin(phi) * math.sin(theta),
            math.cos(phi),
        )
        # A reflection's phase turns with position relative to the direct path's.
        wave = (k * direction[0], k * direction[1], k * direction[2])
        paths.append((wave, rng.uniform(0.15, 0.5), rng.uniform(0, 2 * math.pi)))
    norm = 1.0 + sum(a * a for _, a, _ in paths)
    return _Link(paths, norm)


def _multipath_db(link: _Link, at: Vec) -> float:
    total = complex(1.0, 0.0)
    for wave, amplitude, phase in link.paths:
        turn = wave[0] * at[0] + wave[1] * at[1] + wave[2] * at[2] + phase
        total += amplitude * cmath.exp(1j * turn)
    power = abs(total) ** 2 / link.norm
    return min(3.0, 10.0 * math.log10(max(power, 1e-4)))


def _shadowing(antenna_at: Vec, tag: TagAt) -> float:
    """0 for a tag on the load's face towards the antenna, up to 1 on the far face."""
    ox, oy = tag.at[0] - tag.center[0], tag.at[1] - tag.center[1]
    ax, ay = antenna_at[0] - tag.center[0], antenna_at[1] - tag.center[1]
    on, an = math.hypot(ox, oy), math.hypot(ax, ay)
    if on < 1e-6 or an < 1e-6:
        return 0.0
    return max(0.0, -(ox * ax + oy * ay) / (on * an))


def field_profile(
    geometry: Geometry, xs: Sequence[float], y: float = 0.0, z: float = 1.0
) -> list[dict[Direction, float]]:
    """Best per-round read probability for each side along the lane at `y` (no fading): the
    fields' shape, for tests and for choosing where the overlap is."""
    model = PortalField(geometry, blocks_per_min=0.0, slow_fade_db=0.0)
    out: list[dict[Direction, float]] = []
    for x in xs:
        tag = TagAt("PROFILE", (x, y, z), (x, y, z))
        best: dict[Direction, float] = {"in": 0.0, "out": 0.0}
        for antenna in geometry.antennas:
            margin = model.margin(antenna, tag, 0.0)
            if margin is not None:
                # without the tag's own multipath: the mean field, not one tag's luck
                margin -= _multipath_db(model._link(tag.epc, antenna.port), tag.at)
                p = model.read_probability(margin)
                best[antenna.side] = max(best[antenna.side], p)
        out.append(best)
    return out
