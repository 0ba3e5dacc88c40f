from __future__ import annotations

from scanner.drivers.r2000 import R2000Driver
from scanner.sim.pty import PtyPair
from scanner.sim.r2000 import R2000Sim
from tests.scanner.drivers.uhf_harness import (
    STATION,
    antenna_and_rssi_by_code,
    drain,
    fast_profile,
    next_read,
    running,
    serving,
    source,
    wait_until,
)

EPC_A = "E28011606000020A1B2C3D4E"
EPC_B = "300833B2DDD9014000000001"


async def test_r2000_driver_reads_tags_per_antenna_with_rssi():
    profile = fast_profile("yanzeo-r2000", antenna_ports=[1, 3])
    with PtyPair() as pty:
        sim = R2000Sim(pty, tags=[], rate=400, seed=2)
        sim.population.place(EPC_A, antennas=(1,), rssi=-60.0)
        sim.population.place(EPC_B, antennas=(3,), rssi=-40.0)
        driver = R2000Driver(profile, source(pty.path), STATION)
        async with serving(sim), running(driver) as reads:
            seen = await antenna_and_rssi_by_code(reads, 2)
            assert seen[EPC_A][0] == 1
            assert seen[EPC_B][0] == 3
            rssi_a, rssi_b = seen[EPC_A][1], seen[EPC_B][1]
            assert rssi_a is not None and -63 <= rssi_a <= -57
            assert rssi_b is not None and -43 <= rssi_b <= -37
            assert sim.power == [30, 30, 30, 30]
            assert driver.health().state == "connected"


async def test_r2000_driver_wrong_baud_rate_is_a_clear_error():
    profile = fast_profile("yanzeo-r2000")
    with PtyPair() as pty:
        sim = R2000Sim(pty, tags=[EPC_A], rate=10, baudrate=38400)
        driver = R2000Driver(profile, source(pty.path), STATION, backoff_s=0.05)
        async with serving(sim), running(driver):
            await wait_until(lambda: "baud" in (driver.health().last_error or ""))
            error = driver.health().last_error or ""
            assert pty.path in error and "115200 baud" in error
            assert "38400" in error  # the profile's other supported rate is suggested


async def test_r2000_driver_reboot_mid_stream_reinitialises_and_reads_on():
    profile = fast_profile("yanzeo-r2000", antenna_ports=[2])
    with PtyPair() as pty:
        sim = R2000Sim(pty, tags=[EPC_A], rate=200)
        driver = R2000Driver(profile, source(pty.path), STATION)
        async with serving(sim), running(driver) as reads:
            await next_read(reads)
            sim.reboot()
            assert sim.work_antenna == 0
            await wait_until(lambda: "restarts" in driver.health().details)
            await drain(reads)
            read = await next_read(reads)
            assert read.antenna == 2
            assert sim.work_antenna == 1  # set again after the reboot
