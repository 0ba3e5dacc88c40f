"""Test harness shared by the wand, camera and HID driver tests: a sink that can be awaited,
a driver running as a task, and polling for health that has no change event."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from typing import Any

from scanner.events import RawRead


class Reads(list[RawRead]):
    """A sink that collects reads and lets a test await the n-th one."""

    def __init__(self) -> None:
        super().__init__()
        self.changed = asyncio.Event()

    def __call__(self, read: RawRead) -> None:
        self.append(read)
        self.changed.set()

    @property
    def items(self) -> list[RawRead]:
        """The reads so far, oldest first."""
        return self

    async def wait_for(self, count: int, seconds: float = 10.0) -> list[RawRead]:
        """The reads once there are `count` of them; fails after `seconds`."""
        async with asyncio.timeout(seconds):
            while len(self) < count:
                self.changed.clear()
                await self.changed.wait()
        return self


@contextlib.asynccontextmanager
async def running(driver: Any, reads: Reads) -> AsyncIterator[asyncio.Task[None]]:
    """`driver.run(reads)` as a task, cancelled and awaited on exit."""
    task = asyncio.create_task(driver.run(reads))
    try:
        yield task
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def eventually(predicate: Callable[[], bool], seconds: float) -> None:
    """Poll `predicate` until it holds; fail after `seconds`."""
    for _ in range(int(seconds / 0.01)):
        if predicate():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("condition not reached in time")
