"""Realistic dock-door traffic for a running UHF simulator (the demo's dock door).

Loads of tags drive through a two-antennas-a-side portal at 0.5 to 3.5 m/s, in and later out
again, and now and then a forklift turns back in the door. Every inventory cycle the
physical model (`scanner.sim.portal_field`) decides which antennas read which tags, with its
fall-off, nulls, fades, blocked antennas and shadowing, and the simulator's population is set
to that: the reader then reports exactly those tags on those antennas until the next cycle.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable, Sequence

from scanner.sim.portal import PlaceTag
from scanner.sim.portal_field import Geometry, PortalField, door_geometry
from scanner.sim.portal_traffic import Cart, crossing_path, load, turn_back_path
from shared.wire import Direction

_LOGGER = logging.getLogger(__name__)
TURN_BACK_SHARE = 0.15


def plan_load(
    rng: random.Random,
    epcs: Sequence[str],
    inward: bool,
    start: float,
    speeds: tuple[float, float] = (0.5, 3.5),
    turn_backs: float = TURN_BACK_SHARE,
) -> tuple[Cart, str]:
    """One load's trip through the door starting at `start`, and a line for the log."""
    speed = rng.uniform(*speeds)
    offsets = [offset for _, offset in load(rng, len(epcs), "")]
    tags = tuple(zip(epcs, offsets, strict=True))
    word = "in" if inward else "out"
    if rng.random() < turn_backs:
        depth = rng.uniform(-3.0, 0.4)
        path = turn_back_path(start, inward, speed, depth, rng.uniform(0.0, 3.0), speed)
        cart = Cart("load", "turn-back", path, rng.uniform(-0.6, 0.6), tags, (), speed)
        return cart, f"{len(epcs)} tags at {speed:.1f} m/s heading {word}, turning back"
    path = crossing_path(start, inward, speed)
    truth: tuple[Direction, ...] = ("in",) if inward else ("out",)
    cart = Cart("load", "crossing", path, rng.uniform(-0.6, 0.6), tags, truth, speed)
    return cart, f"{len(epcs)} tags at {speed:.1f} m/s going {word}"


async def dock_door_traffic(
    place: PlaceTag,
    pallets: Sequence[Sequence[str]],
    *,
    geometry: Geometry | None = None,
    seed: int = 0,
    pause_s: float = 4.0,
    loops: int | None = None,
    speeds: tuple[float, float] = (0.5, 3.5),
    turn_backs: float = TURN_BACK_SHARE,
) -> None:
    """Drive each pallet in, then each out again, forever (or `loops` times), in real time."""
    geometry = geometry or door_geometry(2)
    model = PortalField(geometry, seed=seed)
    rng = random.Random(seed)
    clock = asyncio.get_running_loop().time
    origin = clock()
    loop_no = 0
    while loops is None or loop_no < loops:
        for inward in (True, False):
            for pallet in pallets:
                start = clock() - origin
                cart, line = plan_load(rng, pallet, inward, start, speeds, turn_backs)
                _LOGGER.info("dock door: %s", line)
                await _drive(place, cart, model, lambda: clock() - origin)
                await asyncio.sleep(pause_s)
        loop_no += 1


async def _drive(place: PlaceTag, cart: Cart, model: PortalField, now: Callable[[], float]) -> None:
    """Set the population from the model every inventory cycle until the load has gone."""
    cycle = model.geometry.cycle_s
    while True:
        t = now()
        heard: dict[str, tuple[list[int], float]] = {}
        tags = cart.tags_at(t) if cart.near(t) else []
        for antenna in model.geometry.antennas:
            for _, epc, port, rssi in model.round(antenna, t, tags):
                ports, best = heard.get(epc, ([], -200.0))
                heard[epc] = ([*ports, port], max(best, rssi))
        for epc, _ in cart.tags:
            ports, rssi = heard.get(epc, ([], 0.0))
            place(epc, sorted(set(ports)), rssi)
        if t > cart.path.end:
            return
        await asyncio.sleep(cycle)
