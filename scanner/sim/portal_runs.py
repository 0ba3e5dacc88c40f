"""Seeded dock-door runs for benchmarks and tests: traffic from `portal_traffic` in the fields
of `portal_field`, replayed through the agent's real `Aggregator` (and so its `Portal`), and
each cart's outcome judged against what it really did.

Pure: simulated time throughout, the aggregator ticked as the agent's loop would tick it.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from scanner.events import RawRead
from scanner.protocols.aggregation import AggregationConfig, Aggregator, Sighting
from scanner.protocols.portal import Portal
from scanner.sim.portal_field import FieldRead, Geometry, PortalField
from scanner.sim.portal_traffic import (
    FAR_M,
    Cart,
    crossing_path,
    load,
    scene_reads,
    staged_path,
    turn_back_path,
)
from shared.wire import Direction

T0 = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
TICK_S = 0.05  # the agent ticks its aggregators about this often
LOAD_SIZES = (1, 1, 2, 4, 8, 12, 16, 24, 32)


@dataclass(frozen=True, slots=True)
class Outcome:
    """How the portal did on one cart: `right` when every tag that was read got exactly the
    cart's true directions, `wrong` when any tag got a direction it should not have, else
    `none` (some or all tags got nothing)."""

    cart: Cart
    verdict: str
    tags_read: int
    tags_right: int
    tags_wrong: int


def replay(
    reads: Iterable[FieldRead],
    roles: Mapping[int, Direction],
    until: float,
    config: AggregationConfig,
    portal: Portal | None = None,
) -> list[Sighting]:
    """Feed reads to a real `Aggregator` in time order, ticking every `TICK_S`; flush at the
    end after everything has had time to close."""
    agg = Aggregator(config, roles, portal)
    out: list[Sighting] = []
    next_tick = 0.0
    for t, epc, port, rssi in reads:
        while next_tick <= t:
            out += agg.tick(next_tick)
            next_tick += TICK_S
        wall = T0 + timedelta(seconds=t)
        out += agg.feed(RawRead(epc, "rfid", "epc", wall, int(t * 1e9), None, port, rssi), t)
    while next_tick <= until:
        out += agg.tick(next_tick)
        next_tick += TICK_S
    return out + agg.flush(until)


def judge(carts: Sequence[Cart], sightings: Sequence[Sighting]) -> list[Outcome]:
    """Each cart's outcome from the sightings of its tags."""
    directions: dict[str, list[str]] = {}
    for s in sightings:
        got = directions.setdefault(s.epc, [])
        if s.direction:
            got.append(s.direction)
    outcomes = []
    for cart in carts:
        read = [epc for epc, _ in cart.tags if epc in directions]
        truth = list(cart.truth)
        right = sum(directions[e] == truth for e in read)
        wrong = sum(not fits(directions[e], truth) for e in read)
        verdict = "wrong" if wrong else "right" if read and right == len(read) else "none"
        outcomes.append(Outcome(cart, verdict, len(read), right, wrong))
    return outcomes


def fits(got: Sequence[str], truth: Sequence[str]) -> bool:
    """Whether `got` is the truth with some directions left out (none is never wrong)."""
    it = iter(truth)
    return all(any(d == t for t in it) for d in got)


def run(
    carts: Sequence[Cart],
    geometry: Geometry,
    seed: int,
    portal: Portal | None = None,
    blocks_per_min: float = 2.0,
) -> list[Outcome]:
    """Simulate `carts` at a portal (default: the agent's own rule) and judge each one."""
    model = PortalField(geometry, seed=seed, blocks_per_min=blocks_per_min)
    until = max(c.path.end for c in carts) + 15.0
    reads = scene_reads(carts, model, until)
    return judge(carts, replay(reads, geometry.roles(), until, AggregationConfig(), portal))


def crossing_cart(rng: random.Random, name: str, speed: float, start: float = 0.0) -> Cart:
    """A load crossing in or out at `speed`."""
    inward = rng.random() < 0.5
    return Cart(
        name,
        "crossing",
        crossing_path(start, inward, speed),
        rng.uniform(-0.8, 0.8),
        load(rng, rng.choice(LOAD_SIZES), f"{name}:"),
        ("in",) if inward else ("out",),
        speed,
    )


def passing_carts(rng: random.Random, name: str, speed: float) -> list[Cart]:
    """Two loads crossing opposite ways in two lanes, meeting near the door."""
    carts = []
    for i, inward in enumerate((True, False)):
        v = speed * rng.uniform(0.8, 1.0)
        start = rng.uniform(0.0, 1.5) + (FAR_M / speed - FAR_M / v)
        path = crossing_path(start, inward, v)
        tags = load(rng, rng.choice(LOAD_SIZES), f"{name}{i}:")
        lane = (-0.7 if inward else 0.7) + rng.uniform(-0.1, 0.1)
        carts.append(
            Cart(f"{name}{i}", "passing", path, lane, tags, ("in",) if inward else ("out",), v)
        )
    return carts


def turn_back_cart(rng: random.Random, name: str, speed: float) -> Cart:
    """A load driven to any depth short of the far side of the overlap and back."""
    inward = rng.random() < 0.5
    depth = rng.uniform(-4.0, 0.5)
    path = turn_back_path(0.0, inward, speed, depth, rng.uniform(0.0, 4.0), rng.uniform(0.5, 3.5))
    tags = load(rng, rng.choice(LOAD_SIZES), f"{name}:")
    return Cart(name, "turn-back", path, rng.uniform(-0.8, 0.8), tags, (), speed)


def staged_cart(rng: random.Random, name: str, speed: float, stay: tuple[float, float]) -> Cart:
    """A load left in the door for minutes, then taken on through or back."""
    inward = rng.random() < 0.5
    path = staged_path(
        0.0,
        inward,
        speed,
        rng.uniform(-0.5, 0.5),
        rng.uniform(*stay),
        rng.random() < 0.5,
        rng.uniform(0.5, 3.5),
    )
    tags = load(rng, rng.choice(LOAD_SIZES), f"{name}:")
    return Cart(name, "staged", path, rng.uniform(-0.8, 0.8), tags, (), speed)
