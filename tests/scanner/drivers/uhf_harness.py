"""Test harness for serial UHF drivers: a simulator on a pty and a driver reading it."""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

from scanner.drivers.base import DriverHealth
from scanner.events import RawRead
from scanner.profiles import DeviceProfile, load_profile
from scanner.settings import SourceConfig, StationSection
from scanner.sim.uhf_base import UhfSim

STATION = StationSection(device_id="test-station", server="http://127.0.0.1:1")


def fast_profile(profile_id: str, **rfid: Any) -> DeviceProfile:
    """A shipped profile with short timeouts so tests do not wait on real-world ones."""
    profile = load_profile(profile_id)
    assert profile.rfid is not None
    update = {"response_timeout_s": 0.3, "stream_timeout_s": 1.5, **rfid}
    return profile.model_copy(update={"rfid": profile.rfid.model_copy(update=update)})


def source(port: str) -> SourceConfig:
    return SourceConfig(profile="test", port=port)


async def wait_until(check: Callable[[], bool], within: float = 5.0) -> None:
    """Wait (without blocking the loop) until `check()` is true; fail after `within` s."""
    async with asyncio.timeout(within):
        # Health and simulator state have no event to await; poll them on the loop.
        while not check():  # noqa: ASYNC110
            await asyncio.sleep(0.01)


@contextlib.asynccontextmanager
async def serving(sim: UhfSim) -> AsyncIterator[UhfSim]:
    task = asyncio.create_task(sim.serve())
    try:
        yield sim
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


@contextlib.asynccontextmanager
async def running(driver: Any) -> AsyncIterator[asyncio.Queue[RawRead]]:
    reads: asyncio.Queue[RawRead] = asyncio.Queue()
    task = asyncio.create_task(driver.run(reads.put_nowait))
    try:
        yield reads
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def next_read(reads: asyncio.Queue[RawRead], within: float = 5.0) -> RawRead:
    async with asyncio.timeout(within):
        return await reads.get()


async def antenna_and_rssi_by_code(
    reads: asyncio.Queue[RawRead], count: int
) -> dict[str, tuple[int | None, float | None]]:
    """(antenna, RSSI) of the latest read of each code, once `count` codes have been read."""
    seen: dict[str, tuple[int | None, float | None]] = {}
    while len(seen) < count:
        read = await next_read(reads)
        seen[read.code] = (read.antenna, read.rssi)
    return seen


async def drain(reads: asyncio.Queue[RawRead]) -> None:
    while not reads.empty():
        reads.get_nowait()


def repoint(link: Path, target: str) -> None:
    """Atomically point the symlink `link` at `target` (a USB re-enumeration)."""
    tmp = link.with_suffix(".new")
    with contextlib.suppress(FileNotFoundError):
        tmp.unlink()
    os.symlink(target, tmp)
    os.replace(tmp, link)


def healthy(driver: Any) -> Callable[[], bool]:
    def check() -> bool:
        health: DriverHealth = driver.health()
        return health.state == "connected"

    return check
