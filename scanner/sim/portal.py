"""A simulated dock-door portal: where tags are, and which antennas can see them.

The door is one dimension `x` in metres: negative is outside (the yard), positive inside.
Antenna 1 watches the outside, antenna 2 the inside; their fields overlap around the door
(|x| < `overlap_m`) and reach `reach_m` from it. `dock_door_scenario` moves pallets of tags in
and out through that door in a loop by updating a UHF simulator's tag population.
"""

from __future__ import annotations

import asyncio
import bisect
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

_LOGGER = logging.getLogger(__name__)

OUT_ANTENNA = 1  # the station file's antennas = { 1 = "out", 2 = "in" }
IN_ANTENNA = 2


@dataclass(frozen=True, slots=True)
class DockDoor:
    """Field geometry of a two-antenna portal."""

    overlap_m: float = 0.5
    reach_m: float = 3.0

    def antennas(self, x: float) -> tuple[int, ...]:
        """The antennas that can read a tag at `x` (both in the overlap, none far away)."""
        seen: list[int] = []
        if -self.reach_m <= x < self.overlap_m:
            seen.append(OUT_ANTENNA)
        if -self.overlap_m < x <= self.reach_m:
            seen.append(IN_ANTENNA)
        return tuple(seen)

    def zone(self, x: float) -> str:
        """ "out" or "in" when only that side's antenna can see the tag, else "" (ground truth)."""
        seen = self.antennas(x)
        if seen == (OUT_ANTENNA,):
            return "out"
        if seen == (IN_ANTENNA,):
            return "in"
        return ""


@dataclass(frozen=True, slots=True)
class Trajectory:
    """Piecewise-linear motion: `points` are (time s, x m) with increasing times."""

    points: tuple[tuple[float, float], ...]

    def position(self, t: float) -> float:
        """Where the tag is at `t` (it waits at its first and last points)."""
        times = [p[0] for p in self.points]
        i = bisect.bisect_right(times, t)
        if i == 0:
            return self.points[0][1]
        if i == len(self.points):
            return self.points[-1][1]
        (t0, x0), (t1, x1) = self.points[i - 1], self.points[i]
        return x0 + (x1 - x0) * (t - t0) / (t1 - t0)

    @property
    def end(self) -> float:
        """The time of the last point."""
        return self.points[-1][0]


def crossing(start: float, inward: bool, speed: float = 1.0, far: float = 5.0) -> Trajectory:
    """From far on one side to far on the other at `speed` m/s, starting at `start`."""
    a, b = (-far, far) if inward else (far, -far)
    return Trajectory(((start, a), (start + 2 * far / speed, b)))


# Sets the antennas (and RSSI) a tag is seen on; no antennas = out of every field.
PlaceTag = Callable[[str, Sequence[int], float], None]


class _Population(Protocol):
    def place(self, epc: str, antennas: tuple[int, ...] = (), rssi: float = -55.0) -> None: ...

    def remove(self, epc: str) -> None: ...


def place_on(population: _Population) -> PlaceTag:
    """The `PlaceTag` hook for a UHF simulator's `population` (scanner.sim.uhf_base)."""

    def place(epc: str, antennas: Sequence[int], rssi: float) -> None:
        if antennas:
            population.place(epc, antennas=tuple(antennas), rssi=rssi)
        else:
            population.remove(epc)  # an empty antenna tuple would mean "every antenna"

    return place


async def dock_door_scenario(
    place: PlaceTag,
    pallets: Sequence[Sequence[str]],
    *,
    door: DockDoor | None = None,
    speed: float = 1.0,
    pause_s: float = 5.0,
    step_s: float = 0.1,
    loops: int | None = None,
) -> None:
    """Move each pallet in through the door, then later out again, forever (or `loops` times).

    `place(epc, antennas, rssi)` updates the simulator's population; an empty `antennas`
    takes the tag out of every field.
    """
    door = door or DockDoor()
    loop_no = 0
    while loops is None or loop_no < loops:
        for inward in (True, False):
            for pallet in pallets:
                await move_pallet(place, pallet, inward, door=door, speed=speed, step_s=step_s)
                await asyncio.sleep(pause_s)
        loop_no += 1


async def move_pallet(
    place: PlaceTag,
    pallet: Sequence[str],
    inward: bool,
    *,
    door: DockDoor | None = None,
    speed: float = 1.0,
    step_s: float = 0.1,
) -> None:
    """Push one pallet through the door (in or out) in real time; it ends out of the fields."""
    door = door or DockDoor()
    _LOGGER.info("dock door: pallet of %d tags moving %s", len(pallet), _word(inward))
    path = crossing(0.0, inward, speed)
    t = 0.0
    while t <= path.end + step_s:
        x = path.position(t)
        antennas = door.antennas(x)
        # Nearer the antenna is louder: -45 dBm at the door falling to -70 at the field's edge.
        rssi = -45.0 - 25.0 * min(abs(x), door.reach_m) / door.reach_m
        for epc in pallet:
            place(epc, antennas, rssi)
        await asyncio.sleep(step_s)
        t += step_s


def _word(inward: bool) -> str:
    return "in" if inward else "out"
