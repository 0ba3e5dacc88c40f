from __future__ import annotations

import asyncio
import random
import time

from scanner.drivers.chafon import ChafonDriver
from scanner.events import RawRead
from scanner.protocols.aggregation import AggregationConfig, Aggregator, Sighting
from scanner.sim.chafon import ChafonSim
from scanner.sim.dock_traffic import dock_door_traffic, plan_load
from scanner.sim.portal import place_on
from scanner.sim.pty import PtyPair
from tests.scanner.drivers.uhf_harness import STATION, fast_profile, serving, source

PALLET = [f"3034257BF400B78000{i:06X}" for i in range(6)]
ROLES = {1: "out", 2: "in", 3: "out", 4: "in"}


def test_plan_load_drives_through_or_turns_back():
    rng = random.Random(1)
    kinds = {plan_load(rng, PALLET, True, 0.0)[0].kind for _ in range(60)}
    assert kinds == {"crossing", "turn-back"}
    cart, line = plan_load(random.Random(2), PALLET, False, 5.0, (3.5, 3.5), 0.0)
    assert cart.truth == ("out",) and cart.path.points[0][0] == 5.0
    assert "going out" in line and [e for e, _ in cart.tags] == PALLET


async def test_physical_dock_door_through_a_chafon_reader_gives_directions():
    profile = fast_profile("chafon-cf-ru6402", antenna_ports=[1, 2, 3, 4], response_timeout_s=1.0)
    aggregator = Aggregator(AggregationConfig(), ROLES)  # type: ignore[arg-type]
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
            tasks = [asyncio.create_task(driver.run(sink)), asyncio.create_task(ticking())]
            try:
                traffic = dock_door_traffic(
                    place_on(sim.population), [PALLET], seed=3, pause_s=1.0, loops=1,
                    speeds=(3.0, 3.5), turn_backs=0.0,
                )  # fmt: skip
                await asyncio.wait_for(traffic, 30)
                await asyncio.sleep(2.0)  # the last sightings close
            finally:
                for task in tasks:
                    task.cancel()
    for epc in PALLET:
        directions = [s.direction for s in sightings if s.epc == epc and s.direction]
        assert directions in (["in", "out"], ["in"], ["out"], [])  # never a wrong one
    directed = [s.direction for s in sightings if s.direction]
    assert directed.count("in") >= 3 and directed.count("out") >= 3
    assert {s.antenna for s in sightings} == {1, 2, 3, 4}
