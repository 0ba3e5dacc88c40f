from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest

from scanner.drivers.barcode_wand import BarcodeWandDriver
from scanner.drivers.base import DriverState
from scanner.profiles import load_profile
from scanner.settings import SourceConfig, StationSection
from scanner.sim.pty import PtyPair
from scanner.sim.wand import WandSim
from tests.scanner.drivers.driver_harness import Reads, running

STATION = StationSection(device_id="t", server="http://127.0.0.1:1")


async def wait_state(driver: BarcodeWandDriver, state: DriverState) -> None:
    async with asyncio.timeout(10):
        # Health is a snapshot with no change event; polling it is what the status loop does too.
        while driver.health().state != state:  # noqa: ASYNC110
            await asyncio.sleep(0.01)


@pytest.mark.parametrize("profile_id", ["generic-serial-wand", "zebra-ds2208-cdc"])
async def test_wand_driver_emits_reads_from_sim(profile_id):
    profile = load_profile(profile_id)
    with PtyPair() as pty:
        sim = WandSim(profile, pty, chunk_size=3, char_delay_s=0.001)
        driver = BarcodeWandDriver(
            profile, SourceConfig(profile=profile_id, port=pty.path), STATION
        )
        reads = Reads()
        async with running(driver, reads):
            await wait_state(driver, DriverState.CONNECTED)
            await sim.scan("AST-1")
            await sim.scan("]C10109501101530003\x1d21XYZ")
            got = await reads.wait_for(2)
    assert [(r.code, r.symbology, r.source, r.aim) for r in got] == [
        ("AST-1", "code128", "wand", "]C0"),
        ("0109501101530003\x1d21XYZ", "gs1-128", "wand", "]C1"),
    ]
    assert got[0].mono_ns <= got[1].mono_ns
    assert got[0].wall.tzinfo is not None


async def test_wand_driver_survives_garbage_and_overlong_lines(caplog):
    profile = load_profile("generic-serial-wand")
    with PtyPair() as pty:
        sim = WandSim(profile, pty, seed=7)
        driver = BarcodeWandDriver(
            profile, SourceConfig(profile=profile.id, port=pty.path), STATION
        )
        reads = Reads()
        async with running(driver, reads) as task:
            await wait_state(driver, DriverState.CONNECTED)
            await sim.scan("GOOD-1")
            await sim.send_garbage(64)
            await sim.send_overlong()
            await sim.send_raw(b"\xff\xfe\x00\x01\r\n")
            await sim.scan("GOOD-2")
            got = await reads.wait_for(2)
            assert not task.done()
    assert [r.code for r in got] == ["GOOD-1", "GOOD-2"]
    health = driver.health()
    assert health.details["overlong"] == "1"
    assert int(health.details["garbage"]) >= 2
    assert health.last_error


async def test_wand_driver_reconnects_when_port_comes_back(tmp_path: Path, caplog):
    caplog.set_level(logging.INFO, logger="scanner.drivers.barcode_wand")
    profile = load_profile("generic-serial-wand")
    link = tmp_path / "ttyWAND"
    first = PtyPair()
    link.symlink_to(first.path)
    driver = BarcodeWandDriver(
        profile,
        SourceConfig(profile=profile.id, port=str(link)),
        STATION,
        retry_base_s=0.02,
        retry_cap_s=0.1,
    )
    reads = Reads()
    async with running(driver, reads):
        await wait_state(driver, DriverState.CONNECTED)
        await WandSim(profile, first).scan("BEFORE")
        await reads.wait_for(1)
        first.close()  # unplugged
        await wait_state(driver, DriverState.RECONNECTING)
        with PtyPair() as second:  # re-enumerated at the same stable path
            link.unlink()
            link.symlink_to(second.path)
            await wait_state(driver, DriverState.CONNECTED)
            await WandSim(profile, second).scan("AFTER")
            got = await reads.wait_for(2)
    assert [r.code for r in got] == ["BEFORE", "AFTER"]
    assert driver.health().reconnects == 1
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any(str(link) in m and "went away" in m for m in warnings)
    assert any("is back" in m for m in warnings)


async def test_wand_driver_missing_port_keeps_retrying(tmp_path: Path):
    profile = load_profile("generic-serial-wand")
    port = str(tmp_path / "nothing")
    driver = BarcodeWandDriver(
        profile, SourceConfig(profile=profile.id, port=port), STATION, retry_base_s=0.01
    )
    async with running(driver, Reads()):
        await wait_state(driver, DriverState.RECONNECTING)
        assert port in (driver.health().last_error or "")
    assert driver.health().state == DriverState.STOPPED


async def test_wand_driver_second_reader_of_a_port_is_refused():
    profile = load_profile("generic-serial-wand")
    with PtyPair() as pty:
        source = SourceConfig(profile=profile.id, port=pty.path)
        first = BarcodeWandDriver(profile, source, STATION)
        second = BarcodeWandDriver(profile, source, STATION, retry_base_s=0.01)
        reads = Reads()
        async with running(first, reads):
            await wait_state(first, DriverState.CONNECTED)
            async with running(second, Reads()):
                await wait_state(second, DriverState.RECONNECTING)
                assert "lock" in (second.health().last_error or "")
                await WandSim(profile, pty).scan("ONLY-ONCE")
                assert [r.code for r in await reads.wait_for(1)] == ["ONLY-ONCE"]
