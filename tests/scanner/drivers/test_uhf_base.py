from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest

from scanner.drivers.base import DriverError
from scanner.drivers.mercury import MercuryDriver
from scanner.drivers.r2000 import R2000Driver
from scanner.settings import SourceConfig
from scanner.sim.mercury import MercurySim
from scanner.sim.pty import PtyPair
from scanner.sim.r2000 import R2000Sim
from scanner.sim.uhf_base import LineFaults
from tests.scanner.drivers.uhf_harness import (
    STATION,
    fast_profile,
    next_read,
    repoint,
    running,
    serving,
    source,
    wait_until,
)

EPC_A = "E28011606000020A1B2C3D4E"
EPC_B = "300833B2DDD9014000000001"


async def test_uhf_driver_reconnects_when_the_port_is_re_enumerated(tmp_path):
    # The station names a stable path (like /dev/serial/by-id/...); unplugging removes the
    # device, re-plugging makes a new tty that the same path points to again.
    link = tmp_path / "ttyUSB-rfid"
    profile = fast_profile("sparkfun-m6e-nano")
    first, second = PtyPair(), PtyPair()
    try:
        repoint(link, first.path)
        driver = MercuryDriver(profile, source(str(link)), STATION, backoff_s=0.05)
        async with running(driver) as reads:
            async with serving(MercurySim(first, tags=[EPC_A], rate=100)) as sim:
                assert (await next_read(reads)).code == EPC_A
                sim.unplug()
                # udev removes the stable link with the device; a link left pointing at the
                # dead tty would let the driver open whatever pty reuses that number.
                repoint(link, str(tmp_path / "unplugged"))
                await wait_until(lambda: driver.health().state == "reconnecting")
            assert "disappeared" in (driver.health().last_error or "")
            repoint(link, second.path)
            async with serving(MercurySim(second, tags=[EPC_B], rate=100)):
                read = await next_read(reads)
                while read.code != EPC_B:
                    read = await next_read(reads)
                await wait_until(lambda: driver.health().state == "connected")
            assert driver.health().reconnects >= 1
    finally:
        first.close()
        second.close()


async def test_uhf_driver_stamps_reads_when_bytes_arrive_and_counts_rate():
    profile = fast_profile("sparkfun-m6e-nano")
    with PtyPair() as pty:
        driver = MercuryDriver(profile, source(pty.path), STATION)
        async with serving(MercurySim(pty, tags=[EPC_A], rate=200)), running(driver) as reads:
            read = await next_read(reads)
            after_wall, after_mono = datetime.now(UTC), time.monotonic_ns()
            assert read.wall.tzinfo is not None
            assert after_wall - timedelta(seconds=2) <= read.wall <= after_wall
            assert after_mono - 2_000_000_000 <= read.mono_ns <= after_mono
            for _ in range(20):
                await next_read(reads)
            health = driver.health()
            assert health.reads >= 21
            assert health.reads_per_s > 0


def _noisy_pair(
    protocol: str, pty: PtyPair, faults: LineFaults, *, rate: float, seed: int
) -> tuple[MercurySim | R2000Sim, MercuryDriver | R2000Driver]:
    """A simulator with tags A and B on a faulty line, and a fast-retrying driver for it."""
    if protocol == "mercury":
        sim: MercurySim | R2000Sim = MercurySim(
            pty, tags=[EPC_A, EPC_B], rate=rate, seed=seed, faults=faults
        )
        profile = fast_profile("sparkfun-m6e-nano")
        return sim, MercuryDriver(profile, source(pty.path), STATION, backoff_s=0.05)
    sim = R2000Sim(pty, tags=[EPC_A, EPC_B], rate=rate, seed=seed, faults=faults)
    return sim, R2000Driver(fast_profile("yanzeo-r2000"), source(pty.path), STATION, backoff_s=0.05)


@pytest.mark.parametrize("protocol", ["mercury", "r2000"])
async def test_uhf_driver_survives_dropped_and_corrupted_bytes(protocol):
    faults = LineFaults(drop_rate=0.002, corrupt_rate=0.002)
    with PtyPair() as pty:
        sim, driver = _noisy_pair(protocol, pty, faults, rate=500, seed=3)
        async with serving(sim), running(driver) as reads:
            codes = {(await next_read(reads, within=15)).code for _ in range(100)}
        assert codes <= {EPC_A, EPC_B}  # damaged frames are dropped, never misread
        assert faults.dropped + faults.corrupted > 0


def test_uhf_driver_needs_a_port_and_an_rfid_section():
    profile = fast_profile("sparkfun-m6e-nano")
    with pytest.raises(DriverError, match="needs a port"):
        MercuryDriver(profile, SourceConfig(profile="x"), STATION)
    with pytest.raises(DriverError, match="no \\[rfid\\] section"):
        MercuryDriver(profile.model_copy(update={"rfid": None}), source("/dev/null"), STATION)


async def test_uhf_driver_bad_region_is_a_clear_error():
    profile = fast_profile("sparkfun-m6e-nano", region="MARS")
    with PtyPair() as pty:
        driver = MercuryDriver(profile, source(pty.path), STATION, backoff_s=0.05)
        async with running(driver):
            await wait_until(lambda: "MARS" in (driver.health().last_error or ""))


async def test_uhf_driver_reader_refusing_setup_is_reported():
    # The profile asks for more power than the module allows: the module says 0x0103.
    profile = fast_profile("thingmagic-m6e")
    with PtyPair() as pty:
        sim = MercurySim(pty, tags=[EPC_A], rate=10, antennas=4, max_power_dbm=27.0)
        driver = MercuryDriver(profile, source(pty.path), STATION, backoff_s=0.05)
        async with serving(sim), running(driver):
            await wait_until(lambda: "power too high" in (driver.health().last_error or ""))
            assert "SET_READ_TX_POWER" in (driver.health().last_error or "")
            assert not sim.streaming


def test_uhf_drivers_are_registered_under_their_profile_keys():
    from scanner.drivers.registry import driver_class

    assert driver_class("mercury") is MercuryDriver
    assert driver_class("r2000") is R2000Driver


@pytest.mark.soak
@pytest.mark.timeout(300)
@pytest.mark.parametrize("protocol", ["mercury", "r2000"])
async def test_uhf_driver_soak_faults_and_reboots(protocol):
    # A minute of a noisy line with a reboot every few seconds: reads never stop for long and
    # never carry a damaged EPC.
    faults = LineFaults(drop_rate=0.001, corrupt_rate=0.001)
    with PtyPair() as pty:
        sim, driver = _noisy_pair(protocol, pty, faults, rate=300, seed=9)
        async with serving(sim), running(driver) as reads:
            for _ in range(15):
                for _ in range(200):
                    assert (await next_read(reads, within=10)).code in {EPC_A, EPC_B}
                sim.reboot()
        assert driver.health().details.get("restarts")
