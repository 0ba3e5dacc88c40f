from __future__ import annotations

import asyncio
import contextlib
import glob
import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from scanner.codecs.hid_keys import DE, US, encode_text
from scanner.drivers.base import DriverError, DriverState
from scanner.drivers.hid_wedge import HidWedgeDriver
from scanner.profiles import load_profile
from scanner.settings import SourceConfig, StationSection
from tests.scanner.drivers.driver_harness import Reads, eventually

STATION = StationSection(device_id="desk-1", server="http://127.0.0.1:9")


def _driver(profile: str = "honeywell-voyager-1250g", **source: str) -> HidWedgeDriver:
    return HidWedgeDriver(
        load_profile(profile), SourceConfig(profile=profile, **source), STATION, retry_base_s=0.01
    )


async def _events(
    *chunks: list[tuple[int, int, int]] | float,
) -> AsyncIterator[tuple[int, int, int]]:
    """Recorded events; a float in between is a pause in seconds."""
    for chunk in chunks:
        if isinstance(chunk, float):
            await asyncio.sleep(chunk)
            continue
        for event in chunk:
            yield event


def _evemu(events: list[tuple[int, int, int]], step: float = 0.0005) -> str:
    lines = ["# EVEMU 1.3", "N: test wedge"]
    lines += [f"E: {i * step:.6f} {t:04x} {c:04x} {v:04d}" for i, (t, c, v) in enumerate(events)]
    return "\n".join(lines) + "\n"


async def test_pump_recorded_gs1_scan_becomes_a_wand_read():
    driver = _driver()
    reads = Reads()
    stream = encode_text("]C10109501101530003\x1d21XYZ", US) + encode_text("ASSET-7", US)
    reason = await driver.pump(_events(stream), reads)
    assert reason == "end of input"
    first, second = reads.items
    assert (first.code, first.aim, first.symbology) == (
        "0109501101530003\x1d21XYZ",
        "]C1",
        "gs1-128",
    )
    assert (first.source, second.code, second.aim, second.symbology) == (
        "wand",
        "ASSET-7",
        None,
        None,
    )
    assert driver.health().reads == 2


async def test_pump_flushes_a_scan_without_terminator_after_the_timeout():
    driver = _driver()  # inter_key_timeout_s = 0.1 in the profile
    reads = Reads()
    never_ends = asyncio.Event()

    async def stream() -> AsyncIterator[tuple[int, int, int]]:
        for event in encode_text("NOSUFFIX", US, terminator=None):
            yield event
        await never_ends.wait()
        yield (0, 0, 0)

    task = asyncio.create_task(driver.pump(stream(), reads))
    try:
        (read,) = await reads.wait_for(1, seconds=2.0)
        assert read.code == "NOSUFFIX"
        assert driver.health().details["scans_without_terminator"] == "1"
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def test_pump_ignores_auto_repeat_in_a_recorded_stream():
    repeat = [(1, 30, 1), (1, 30, 2), (1, 30, 2), (1, 30, 0), (1, 28, 1), (1, 28, 0)]
    reads = Reads()
    await _driver().pump(_events(repeat), reads)
    assert [r.code for r in reads.items] == ["a"]


async def test_pump_german_profile_decodes_qwertz():
    reads = Reads()
    driver = _driver("zebra-ds2208-hid")
    await driver.pump(_events(encode_text("]C0Größe-Zy@1", DE)), reads)
    assert [(r.code, r.symbology) for r in reads.items] == [("Größe-Zy@1", "code128")]


async def test_pump_device_lost_mid_stream_returns_the_reason():
    async def unplugged() -> AsyncIterator[tuple[int, int, int]]:
        for event in encode_text("OK1", US):
            yield event
        raise OSError(19, "No such device")

    reads = Reads()
    reason = await _driver().pump(unplugged(), reads)
    assert "No such device" in reason
    assert [r.code for r in reads.items] == ["OK1"]


async def test_run_replays_an_evemu_recording_then_stays_idle(tmp_path: Path):
    trace = tmp_path / "voyager.evemu"
    trace.write_text(_evemu(encode_text("LOC:WH1", US) + encode_text("AST-000123", US)))
    driver = _driver(device=str(trace))
    reads = Reads()
    task = asyncio.create_task(driver.run(reads))
    try:
        items = await reads.wait_for(2)
        assert [r.code for r in items] == ["LOC:WH1", "AST-000123"]
        await eventually(lambda: "replay" in driver.health().details, 2)
        assert not task.done()
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    assert driver.health().state == DriverState.STOPPED


async def test_run_with_a_missing_device_keeps_retrying_and_reports_it(tmp_path: Path):
    driver = _driver(device=str(tmp_path / "by-id" / "usb-Honeywell-event-kbd"))
    task = asyncio.create_task(driver.run(Reads()))
    try:
        await eventually(lambda: driver.health().last_error is not None, 2)
        health = driver.health()
        assert health.state == DriverState.RECONNECTING
        assert "cannot open" in (health.last_error or "")
        assert not task.done()
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def test_run_with_a_broken_recording_reports_it_and_keeps_running(tmp_path: Path):
    trace = tmp_path / "broken.evemu"
    trace.write_text("E: 0.0 zz 1 1\n")
    driver = _driver(device=str(trace))
    task = asyncio.create_task(driver.run(Reads()))
    try:
        await eventually(lambda: driver.health().state == DriverState.FAILED, 2)
        assert "not an evemu event" in (driver.health().last_error or "")
        assert not task.done()
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


def test_driver_without_device_or_vid_pid_is_refused():
    profile = load_profile("honeywell-voyager-1250g").model_copy(update={"match": None})
    with pytest.raises(DriverError, match="set `device`"):
        HidWedgeDriver(profile, SourceConfig(profile=profile.id), STATION)


async def test_uinput_virtual_scanner_is_found_by_vid_pid_and_read():
    if not os.access("/dev/uinput", os.W_OK):
        pytest.skip("needs a writable /dev/uinput (kernel module uinput) to create a keyboard")
    import evdev

    keys = list(range(1, 120))
    ui = evdev.UInput({evdev.ecodes.EV_KEY: keys}, name="test-wedge", vendor=0x0C2E, product=0x0B61)
    driver = _driver()
    reads = Reads()
    task = asyncio.create_task(driver.run(reads))
    try:
        await eventually(lambda: driver.health().state == DriverState.CONNECTED, 5)
        for etype, code, value in encode_text("]C0UINPUT-1", US):
            if etype == evdev.ecodes.EV_KEY:
                ui.write(etype, code, value)
                ui.syn()
        (read,) = await reads.wait_for(1)
        assert (read.code, read.symbology) == ("UINPUT-1", "code128")
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        ui.close()


async def test_run_by_vid_pid_without_the_scanner_reports_it_and_keeps_looking():
    if glob.glob("/dev/input/event*"):
        pytest.skip("this machine has input devices (a real scanner may be one of them)")
    driver = _driver()  # no `device`: found by 0C2E:0B61
    task = asyncio.create_task(driver.run(Reads()))
    try:
        await eventually(lambda: driver.health().last_error is not None, 2)
        assert "no input device 0C2E:0B61 is plugged in" in (driver.health().last_error or "")
        assert driver.name == "honeywell-voyager-1250g@usb:0C2E:0B61"
        assert not task.done()
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
