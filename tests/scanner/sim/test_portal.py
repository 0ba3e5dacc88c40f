from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Sequence

from scanner.drivers.chafon import ChafonDriver
from scanner.events import RawRead
from scanner.protocols.aggregation import AggregationConfig, Aggregator, Sighting
from scanner.sim.chafon import ChafonSim
from scanner.sim.portal import (
    IN_ANTENNA,
    OUT_ANTENNA,
    DockDoor,
    crossing,
    dock_door_scenario,
    place_on,
)
from scanner.sim.pty import PtyPair
from scanner.sim.uhf_base import TagPopulation
from tests.scanner.drivers.uhf_harness import STATION, fast_profile, serving, source

PALLET = [f"3034257BF400B78000{i:06X}" for i in range(5)]


def test_dock_door_fields_overlap_at_the_door():
    door = DockDoor(overlap_m=0.5, reach_m=3.0)
    assert door.antennas(-4.0) == ()
    assert door.antennas(-2.0) == (OUT_ANTENNA,)
    assert door.antennas(0.0) == (OUT_ANTENNA, IN_ANTENNA)
    assert door.antennas(2.0) == (IN_ANTENNA,)
    assert (door.zone(-2.0), door.zone(0.0), door.zone(2.0)) == ("out", "", "in")


def test_crossing_goes_from_one_side_to_the_other():
    path = crossing(1.0, inward=True, speed=2.0, far=5.0)
    assert (path.position(0.0), path.position(3.5), path.end) == (-5.0, 0.0, 6.0)
    assert crossing(0.0, inward=False).position(100.0) == -5.0


async def test_dock_door_scenario_moves_pallets_through_the_fields():
    population = TagPopulation([], random.Random(0))
    seen: dict[str, list[tuple[int, ...]]] = {epc: [] for epc in PALLET}
    hook = place_on(population)

    def place(epc: str, antennas: Sequence[int], rssi: float) -> None:
        hook(epc, antennas, rssi)
        if not seen[epc] or seen[epc][-1] != tuple(antennas):
            seen[epc].append(tuple(antennas))

    await dock_door_scenario(place, [PALLET], speed=50.0, pause_s=0.0, step_s=0.01, loops=1)
    inward = [(), (1,), (1, 2), (2,), ()]
    outward = [(2,), (1, 2), (1,), ()]
    assert all(trail == inward + outward for trail in seen.values())
    assert population.tags == {}  # every tag left the fields at the end


async def test_dock_door_through_chafon_reader_gives_in_then_out():
    profile = fast_profile("chafon-cf-ru6402", antenna_ports=[1, 2], response_timeout_s=1.0)
    aggregator = Aggregator(AggregationConfig(dwell_s=0.4), {1: "out", 2: "in"})
    sightings: list[Sighting] = []

    def sink(read: RawRead) -> None:
        sightings.extend(aggregator.feed(read, time.monotonic()))

    async def ticking() -> None:  # as the agent's loop does
        while True:
            sightings.extend(aggregator.tick(time.monotonic()))
            await asyncio.sleep(0.05)

    with PtyPair() as pty:
        sim = ChafonSim(pty, tags=[], rate=600, antennas=4, dialect="uhfreader288")
        driver = ChafonDriver(profile, source(pty.path), STATION)
        async with serving(sim):
            reading = asyncio.create_task(driver.run(sink))
            ticks = asyncio.create_task(ticking())
            try:
                scenario = dock_door_scenario(
                    place_on(sim.population), [PALLET], speed=4.0, pause_s=1.0, loops=1
                )
                await asyncio.wait_for(scenario, 30)
                async with asyncio.timeout(10):
                    while aggregator.open_windows():
                        sightings.extend(aggregator.tick(time.monotonic()))
                        await asyncio.sleep(0.05)
            finally:
                reading.cancel()
                ticks.cancel()
    for epc in PALLET:
        directions = [s.direction for s in sightings if s.epc == epc and s.direction]
        assert directions in (["in", "out"], ["in"], ["out"], [])  # never a wrong order
    directed = [s.direction for s in sightings if s.direction]
    assert directed.count("in") >= 3 and directed.count("out") >= 3  # most tags were decided
