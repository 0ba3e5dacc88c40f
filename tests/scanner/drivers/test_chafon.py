from __future__ import annotations

import pytest

from scanner.drivers.base import DriverError
from scanner.drivers.chafon import ChafonDriver
from scanner.sim.chafon import ChafonSim
from scanner.sim.pty import PtyPair
from scanner.sim.uhf_base import LineFaults
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


async def test_chafon_driver_288_reads_tags_per_antenna_with_rssi():
    profile = fast_profile("chafon-cf-ru6402", antenna_ports=[1, 2], response_timeout_s=1.0)
    with PtyPair() as pty:
        sim = ChafonSim(
            pty, tags=[], rate=400, seed=1, antennas=4, dialect="uhfreader288", rssi_offset_db=129
        )
        sim.population.place(EPC_A, antennas=(1,), rssi=-60.0)
        sim.population.place(EPC_B, antennas=(2,), rssi=-40.0)
        driver = ChafonDriver(profile, source(pty.path), STATION)
        async with serving(sim), running(driver) as reads:
            seen = await antenna_and_rssi_by_code(reads, 2)
            assert seen[EPC_A][0] == 1
            assert seen[EPC_B][0] == 2
            rssi_a, rssi_b = seen[EPC_A][1], seen[EPC_B][1]
            assert rssi_a is not None and -63 <= rssi_a <= -57
            assert rssi_b is not None and -43 <= rssi_b <= -37
            assert sim.power_dbm == 30
            assert driver.health().state == "connected"
            assert "UHFReader288M" in driver.health().details["reader"]


async def test_chafon_driver_18_answer_mode_reads_and_sets_up():
    profile = fast_profile("chafon-cf-ru5102", response_timeout_s=1.0)
    with PtyPair() as pty:
        sim = ChafonSim(pty, tags=[EPC_A], rate=200, no_tag_as_fb=True)
        driver = ChafonDriver(profile, source(pty.path), STATION)
        async with serving(sim), running(driver) as reads:
            read = await next_read(reads)
            assert (read.code, read.antenna, read.rssi, read.symbology) == (EPC_A, 1, None, "epc")
            assert (sim.power_dbm, sim.scan_time) == (26, 10)
            sim.population.remove(EPC_A)  # rounds now end with 0xFB: no error, polling goes on
            rounds = sim.sent_frames
            await wait_until(lambda: sim.sent_frames > rounds + 5)
            assert driver.health().last_error is None


async def test_chafon_driver_scan_mode_pushes_and_leaves_scan_mode_on_stop():
    profile = fast_profile("zkhy-zk-rfid102", response_timeout_s=1.0)
    with PtyPair() as pty:
        sim = ChafonSim(pty, tags=[EPC_B], rate=100)
        driver = ChafonDriver(profile, source(pty.path), STATION)
        async with serving(sim):
            async with running(driver) as reads:
                assert (await next_read(reads)).code == EPC_B
                assert sim.read_mode == 1
            # cancelling the driver sends 0x35 Read_mode 00 (6b)
            await wait_until(lambda: sim.read_mode == 0)


async def test_chafon_driver_starts_with_a_reader_left_in_scan_mode():
    profile = fast_profile("chafon-cf-ru5102", response_timeout_s=1.0)
    with PtyPair() as pty:
        sim = ChafonSim(pty, tags=[EPC_A], rate=100)
        sim.read_mode = 1  # left in scan mode by someone else
        driver = ChafonDriver(profile, source(pty.path), STATION)
        async with serving(sim), running(driver) as reads:
            await wait_until(lambda: driver.health().state == "connected")
            await drain(reads)
            assert (await next_read(reads)).code == EPC_A
            assert sim.read_mode == 0


async def test_chafon_driver_wrong_baud_rate_is_a_clear_error():
    profile = fast_profile("chafon-cf-ru5102")
    with PtyPair() as pty:
        sim = ChafonSim(pty, tags=[EPC_A], rate=10, baudrate=115200)
        driver = ChafonDriver(profile, source(pty.path), STATION, backoff_s=0.05)
        async with serving(sim), running(driver):
            await wait_until(lambda: driver.health().last_error is not None)
            error = driver.health().last_error or ""
            assert pty.path in error and "57600 baud" in error
            assert "115200" in error


async def test_chafon_driver_reboot_mid_stream_reinitialises_and_reads_on():
    profile = fast_profile("chafon-cf-ru6402", antenna_ports=[2])
    with PtyPair() as pty:
        sim = ChafonSim(pty, tags=[EPC_A], rate=200, antennas=4, dialect="uhfreader288")
        driver = ChafonDriver(profile, source(pty.path), STATION)
        async with serving(sim), running(driver) as reads:
            await next_read(reads)
            sim.reboot()
            await wait_until(lambda: "restarts" in driver.health().details)
            await drain(reads)
            read = await next_read(reads)
            assert read.antenna == 2


async def test_chafon_driver_reads_through_dropped_and_corrupted_bytes():
    profile = fast_profile("chafon-cf-ru5102", response_timeout_s=1.0)
    with PtyPair() as pty:
        faults = LineFaults(drop_rate=0.002, corrupt_rate=0.002)
        sim = ChafonSim(pty, tags=[EPC_A, EPC_B], rate=500, seed=3, faults=faults)
        driver = ChafonDriver(profile, source(pty.path), STATION)
        async with serving(sim), running(driver) as reads:
            codes = set()
            for _ in range(300):
                codes.add((await next_read(reads)).code)
            assert codes == {EPC_A, EPC_B}  # never a damaged EPC
            assert faults.dropped + faults.corrupted > 0


async def test_chafon_driver_unplugged_reports_and_reconnects(tmp_path):
    profile = fast_profile("chafon-cf-ru5102", response_timeout_s=1.0)
    first, second = PtyPair(), PtyPair()
    link = tmp_path / "ttyUSB-chafon"
    try:
        link.symlink_to(first.path)
        driver = ChafonDriver(profile, source(str(link)), STATION, backoff_s=0.05)
        async with running(driver) as reads:
            async with serving(ChafonSim(first, tags=[EPC_A], rate=100)) as sim:
                assert (await next_read(reads)).code == EPC_A
                sim.unplug()
                await wait_until(lambda: driver.health().state == "reconnecting")
            link.unlink()
            link.symlink_to(second.path)
            async with serving(ChafonSim(second, tags=[EPC_B], rate=100)):
                read = await next_read(reads)
                while read.code != EPC_B:
                    read = await next_read(reads)
    finally:
        first.close()
        second.close()


def test_chafon_driver_bad_profile_quirk_is_a_driver_error():
    profile = fast_profile("chafon-cf-ru5102")
    bad = profile.model_copy(update={"quirks": {"chafon_dialect": "nope"}})
    with PtyPair() as pty:
        driver = ChafonDriver(bad, source(pty.path), STATION)
        with pytest.raises(DriverError, match="chafon_dialect"):
            driver.make_session()
