"""Dock-door traffic for the physical portal model: carts carrying pallets of tags, moving in
the fields of `scanner.sim.portal_field`, with the ground truth of what each cart did.

Pure and seeded. A `Cart` follows a piecewise-linear path across the door line in its lane;
its tags keep their place on the load, so a pallet's tags move together. `scene_reads` runs
the reader's inventory rounds (one antenna after the other) over a whole scene.
"""

from __future__ import annotations

import heapq
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from scanner.sim.portal import Trajectory
from scanner.sim.portal_field import FieldRead, PortalField, TagAt, Vec
from shared.wire import Direction

FAR_M = 7.5  # out of every field: where carts start and finish
PALLET_M = (1.2, 1.0)  # a Euro pallet's depth (along the motion) and width


@dataclass(frozen=True, slots=True)
class Cart:
    """A load moving through the door: its tags' offsets from its centre, its lane, its path,
    and the directions a perfect portal would report for it, in order."""

    name: str
    kind: str  # crossing, turn-back, staged, round-trip
    path: Trajectory
    lane_y: float
    tags: tuple[tuple[str, Vec], ...]
    truth: tuple[Direction, ...]
    speed: float

    def tags_at(self, t: float) -> list[TagAt]:
        """Where each tag is at `t`."""
        x = self.path.position(t)
        center = (x, self.lane_y, 1.0)
        return [
            TagAt(epc, (x + dx, self.lane_y + dy, dz), center) for epc, (dx, dy, dz) in self.tags
        ]

    def near(self, t: float) -> bool:
        """Whether any of its tags could be in a field at `t`."""
        return abs(self.path.position(t)) < FAR_M


def load(rng: random.Random, count: int, prefix: str) -> tuple[tuple[str, Vec], ...]:
    """`count` tags on the faces of a pallet-sized load (one tag: on a random face)."""
    depth, width = PALLET_M
    tags = []
    for i in range(count):
        face = rng.randrange(4)
        u = rng.uniform(-0.5, 0.5)
        if face < 2:
            offset = ((0.5 if face else -0.5) * depth, u * width)
        else:
            offset = (u * depth, (0.5 if face == 3 else -0.5) * width)
        tags.append((f"{prefix}{i:06X}", (offset[0], offset[1], rng.uniform(0.3, 1.6))))
    return tuple(tags)


def crossing_path(start: float, inward: bool, speed: float) -> Trajectory:
    """From far on one side to far on the other at `speed` m/s."""
    a, b = (-FAR_M, FAR_M) if inward else (FAR_M, -FAR_M)
    return Trajectory(((start, a), (start + 2 * FAR_M / speed, b)))


def turn_back_path(
    start: float, inward: bool, speed: float, depth: float, pause: float, back_speed: float
) -> Trajectory:
    """From far on one side to `depth` m past the door line (negative: short of it), a
    `pause`, then back where it came from."""
    sign = 1.0 if inward else -1.0
    far, turn = -sign * FAR_M, sign * depth
    t1 = start + abs(turn - far) / speed
    t2 = t1 + pause
    return Trajectory(
        ((start, far), (t1, turn), (t2, turn), (t2 + abs(turn - far) / back_speed, far))
    )


def staged_path(
    start: float,
    inward: bool,
    speed: float,
    at: float,
    stay: float,
    onward: bool,
    leave_speed: float,
) -> Trajectory:
    """Into the overlap at `at` m (signed: negative is the yard side), staged there for `stay`
    seconds, then on through (`onward`) or back."""
    sign = 1.0 if inward else -1.0
    far = -sign * FAR_M
    end = -far if onward else far
    t1 = start + abs(at - far) / speed
    t2 = t1 + stay
    return Trajectory(((start, far), (t1, at), (t2, at), (t2 + abs(end - at) / leave_speed, end)))


def scene_reads(
    carts: Sequence[Cart], model: PortalField, until: float, start: float = 0.0
) -> Iterator[FieldRead]:
    """Every read in time order from `start` to `until`: the reader visits its antennas in
    turn, one inventory round each, and only sees tags of carts near the door."""
    antennas = model.geometry.antennas
    step = model.geometry.round_s
    pending: list[FieldRead] = []
    i = 0
    t = start
    while t < until:
        antenna = antennas[i % len(antennas)]
        tags = [tag for cart in carts if cart.near(t) for tag in cart.tags_at(t)]
        for read in model.round(antenna, t, tags):
            heapq.heappush(pending, read)
        while pending and pending[0][0] <= t:
            yield heapq.heappop(pending)
        i += 1
        t = start + i * step
    while pending:
        yield heapq.heappop(pending)
