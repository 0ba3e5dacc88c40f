"""A serial barcode wand on a pty: types scans byte for byte as the profile's device frames them.

`[prefix][AIM id][data][suffix][terminator]` (protocols.md 5.1), optionally split into small
writes with inter-character delays (a real UART trickles bytes), plus garbage and over-long
lines for fault tests. Seeded, so a failing run can be replayed.
"""

from __future__ import annotations

import asyncio
import os
import random
import sys
from collections.abc import Iterable

from scanner.profiles.model import DeviceProfile
from scanner.profiles.wand import WandSettings
from scanner.sim.pty import PtyPair
from shared.aim import split_aim

# AIM id a wand sends for a plain label when none is given (Code 128, protocols.md 5.2).
DEFAULT_AIM = "]C0"


class WandSim:
    """Types codes on `pty` the way the device described by `profile` would."""

    def __init__(
        self,
        profile: DeviceProfile,
        pty: PtyPair,
        *,
        chunk_size: int | None = None,
        char_delay_s: float = 0.0,
        seed: int = 0,
    ) -> None:
        self.profile = profile
        self.wand = profile.wand or WandSettings()
        self.pty = pty
        self.chunk_size = chunk_size
        self.char_delay_s = char_delay_s
        self.rng = random.Random(seed)
        self.scans = 0

    def frame(self, code: str) -> bytes:
        """The exact bytes the wand sends for `code` (which may already start with an AIM id)."""
        aim, body = split_aim(code)
        text = (aim or DEFAULT_AIM) + body if self.wand.aim_ids else body
        w = self.wand
        return (w.prefix + text + w.suffix + w.terminator).encode(w.encoding)

    async def scan(self, code: str) -> None:
        """Send one scan."""
        await self.send_raw(self.frame(code))
        self.scans += 1

    async def scan_all(self, codes: Iterable[str], rate: float = 0.0) -> None:
        """Send each code, `rate` scans per second (0: as fast as the pty takes them)."""
        for code in codes:
            await self.scan(code)
            if rate > 0:
                await asyncio.sleep(1.0 / rate)

    async def send_raw(self, data: bytes) -> None:
        """Write `data` as is, in chunks of `chunk_size` with `char_delay_s` between them."""
        step = self.chunk_size or len(data) or 1
        for start in range(0, len(data), step):
            await self._write(data[start : start + step])
            if self.chunk_size and self.char_delay_s:
                await asyncio.sleep(self.char_delay_s)

    async def _write(self, data: bytes) -> None:
        # A full pty (nobody reading) waits on the loop instead of blocking it, so a driver
        # on the same loop can still drain it.
        view = memoryview(data)
        while view:
            try:
                view = view[os.write(self.pty.master, view) :]
            except BlockingIOError:
                await asyncio.sleep(0.005)

    async def send_garbage(self, length: int = 32) -> bytes:
        """Line noise: random bytes ending in the terminator, so it lands as one bad line."""
        junk = bytes(self.rng.randrange(0, 32) for _ in range(length))
        data = junk + self.wand.terminator.encode(self.wand.encoding)
        await self.send_raw(data)
        return data

    async def send_overlong(self, extra: int = 16) -> bytes:
        """A line `extra` bytes longer than the profile's `max_line`, terminated."""
        body = b"X" * (self.wand.max_line + extra)
        data = body + self.wand.terminator.encode(self.wand.encoding)
        await self.send_raw(data)
        return data


class WandService:
    """`scanstation simulate` for a wand: the given codes at `rate`, then stdin lines, forever."""

    def __init__(self, sim: WandSim, codes: list[str], rate: float) -> None:
        self.sim = sim
        self.codes = codes
        self.rate = rate

    async def serve(self) -> None:
        """Type the codes, then every line of standard input; keep the port open until killed."""
        await self.sim.scan_all(self.codes, self.rate)
        loop = asyncio.get_running_loop()
        while True:
            line = await loop.run_in_executor(None, sys.stdin.readline)
            if not line:
                break
            code = line.rstrip("\r\n").replace("<GS>", "\x1d")
            if code:
                await self.sim.scan(code)
        # Stdin closed: the wand stays plugged in, like a device nobody is using.
        await asyncio.Event().wait()


def make_sim(
    profile: DeviceProfile, pty: PtyPair, tags: list[str], rate: float, seed: int = 0
) -> WandService:
    """Simulator-registry factory for `serial_wand` profiles."""
    return WandService(WandSim(profile, pty, seed=seed), tags, rate)
