from __future__ import annotations

from scanner.drivers.mercury import MercuryDriver
from scanner.sim.mercury import MercurySim
from scanner.sim.pty import PtyPair
from tests.scanner.drivers.uhf_harness import (
    STATION,
    fast_profile,
    healthy,
    next_read,
    running,
    serving,
    source,
    wait_until,
)

EPC = "E28011606000020A1B2C3D4E"


async def test_mercury_driver_reads_tags_with_epc_antenna_rssi():
    profile = fast_profile("thingmagic-m6e", antenna_ports=[2])
    with PtyPair() as pty:
        sim = MercurySim(pty, tags=[], rate=200, seed=1, antennas=4, max_power_dbm=31.5)
        sim.population.place(EPC, antennas=(2,), rssi=-48.0)
        sim.population.place("300833B2DDD9014000000001", antennas=(3,))
        driver = MercuryDriver(profile, source(pty.path), STATION)
        async with serving(sim), running(driver) as reads:
            read = await next_read(reads)
            assert read.code == EPC
            assert read.antenna == 2
            assert read.rssi is not None and -51 <= read.rssi <= -45
            assert read.source == "rfid" and read.symbology == "epc"
            assert driver.health().state == "connected"
            assert sim.ports == [2]
            assert sim.power_cdbm == 3000


async def test_mercury_driver_wrong_baud_rate_is_a_clear_error():
    profile = fast_profile("sparkfun-m6e-nano")
    with PtyPair() as pty:
        sim = MercurySim(pty, tags=[EPC], rate=10, baudrate=9600)
        driver = MercuryDriver(profile, source(pty.path), STATION, backoff_s=0.05)
        async with serving(sim), running(driver):
            await wait_until(lambda: "baud" in (driver.health().last_error or ""))
            error = driver.health().last_error or ""
            assert pty.path in error
            assert "115200 baud" in error
            assert "did not answer" in error
            assert driver.health().state != "connected"
            await wait_until(lambda: driver.health().reconnects >= 2)  # keeps retrying


async def test_mercury_driver_reboot_mid_stream_reinitialises_and_reads_on():
    profile = fast_profile("sparkfun-m6e-nano")
    with PtyPair() as pty:
        sim = MercurySim(pty, tags=[EPC], rate=100)
        driver = MercuryDriver(profile, source(pty.path), STATION)
        async with serving(sim), running(driver) as reads:
            await next_read(reads)
            sim.reboot()
            assert not sim.streaming
            await wait_until(lambda: "restarts" in driver.health().details)
            await wait_until(lambda: sim.streaming)
            while not reads.empty():
                reads.get_nowait()
            read = await next_read(reads)
            assert read.code == EPC
            assert sim.region == 0x0D  # configured again after the reboot
            assert healthy(driver)()


async def test_mercury_driver_stops_the_stream_when_cancelled():
    profile = fast_profile("sparkfun-m6e-nano")
    with PtyPair() as pty:
        sim = MercurySim(pty, tags=[EPC], rate=50)
        driver = MercuryDriver(profile, source(pty.path), STATION)
        async with serving(sim):
            async with running(driver) as reads:
                await next_read(reads)
                assert sim.streaming
            await wait_until(lambda: not sim.streaming)  # the module is left quiet
            assert driver.health().state == "stopped"
