"""Tags whose PC word has the toggle bit set reach the agent as symbology iso-uii."""

from __future__ import annotations

from scanner.drivers.mercury import MercuryDriver
from scanner.drivers.r2000 import R2000Driver
from scanner.events import RawRead
from scanner.sim.mercury import MercurySim
from scanner.sim.pty import PtyPair
from scanner.sim.r2000 import R2000Sim
from shared.identifiers import encode_giai
from tests.scanner.drivers.uhf_harness import STATION, fast_profile, next_read, running, serving
from tests.scanner.drivers.uhf_harness import source as source_for

UII = encode_giai("0614141", "12345400")  # would decode as GIAI-96 without the toggle bit
EPC = "E28011606000020A1B2C3D4E"
TOGGLE = 0x0100


async def _symbologies(reads, want: int) -> dict[str, str | None]:
    seen: dict[str, str | None] = {}
    while len(seen) < want:
        read: RawRead = await next_read(reads)
        seen[read.code] = read.symbology
    return seen


async def test_mercury_driver_toggled_pc_tag_reads_as_iso_uii():
    profile = fast_profile("thingmagic-m6e", antenna_ports=[1])
    with PtyPair() as pty:
        sim = MercurySim(pty, tags=[], rate=300, seed=3, antennas=4, max_power_dbm=31.5)
        sim.population.place(UII, pc_flags=TOGGLE)
        sim.population.place(EPC)
        driver = MercuryDriver(profile, source_for(pty.path), STATION)
        async with serving(sim), running(driver) as reads:
            assert await _symbologies(reads, 2) == {UII: "iso-uii", EPC: "epc"}


async def test_r2000_driver_toggled_pc_tag_reads_as_iso_uii():
    profile = fast_profile("yanzeo-r2000", antenna_ports=[1])
    with PtyPair() as pty:
        sim = R2000Sim(pty, tags=[], rate=300, seed=4)
        sim.population.place(UII, pc_flags=TOGGLE)
        sim.population.place(EPC)
        driver = R2000Driver(profile, source_for(pty.path), STATION)
        async with serving(sim), running(driver) as reads:
            seen = await _symbologies(reads, 2)
            assert seen == {UII: "iso-uii", EPC: "epc"}
