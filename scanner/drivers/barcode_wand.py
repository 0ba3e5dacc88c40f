"""Serial barcode wand driver: port -> LineFramer -> decode_scan -> RawRead(source="wand").

Owns the IO only. A vanished port (unplugged USB, closed pty) is retried with capped
exponential backoff and jitter, forever, until the task is cancelled.
"""

from __future__ import annotations

import asyncio
import collections
import logging
import random
from datetime import datetime

from scanner.clock import mono_ns, wall_now
from scanner.codecs import CodecError
from scanner.codecs.barcode import decode_scan
from scanner.codecs.framing import LineFramer
from scanner.drivers.base import DriverError, DriverHealth, DriverState, ReadSink
from scanner.drivers.reconnect import Reconnector
from scanner.drivers.serial_link import open_serial
from scanner.events import RawRead
from scanner.profiles.model import DeviceProfile
from scanner.profiles.wand import WandSettings
from scanner.settings import SourceConfig, StationSection

_LOGGER = logging.getLogger(__name__)
_RATE_WINDOW_S = 10.0


class BarcodeWandDriver:
    """A wand on a serial port, a USB CDC port, a pty or a pyserial URL."""

    def __init__(
        self,
        profile: DeviceProfile,
        source: SourceConfig,
        station: StationSection,
        *,
        retry_base_s: float = 0.5,
        retry_cap_s: float = 30.0,
        rng: random.Random | None = None,
    ) -> None:
        if not source.port:
            raise DriverError(f"source {profile.id}: a serial wand needs `port`")
        self.profile = profile
        self.port = source.port
        self.wand = profile.wand or WandSettings()
        self._name = source.name or f"{profile.id}@{source.port}"
        self._station = station
        self._health = DriverHealth(name=self._name, port=source.port)
        self._link = Reconnector(
            self._health, _LOGGER, base_s=retry_base_s, cap_s=retry_cap_s, rng=rng
        )
        self._garbage = 0
        self._recent: collections.deque[int] = collections.deque(maxlen=10_000)
        self._framer = LineFramer(
            self.wand.terminator.encode(self.wand.encoding), self.wand.max_line
        )

    @property
    def name(self) -> str:
        """The source's name in logs and status."""
        return self._name

    def health(self) -> DriverHealth:
        """State, reads/s over the last 10 s, last error and reconnect count."""
        now = mono_ns()
        while self._recent and now - self._recent[0] > _RATE_WINDOW_S * 1e9:
            self._recent.popleft()
        self._health.reads_per_s = len(self._recent) / _RATE_WINDOW_S
        self._health.details["garbage"] = str(self._garbage)
        self._health.details["overlong"] = str(self._framer.dropped)
        return self._health

    async def run(self, sink: ReadSink) -> None:
        """Read scans into `sink` until cancelled, reopening the port whenever it goes away."""
        attempt = 0
        try:
            while True:
                try:
                    reader, writer = await open_serial(self.port, self.profile.serial)
                except DriverError as err:
                    self._link.lost(str(err), first=attempt == 0)
                    await asyncio.sleep(self._link.delay(attempt))
                    attempt += 1
                    continue
                self._link.connected(self.port, attempt)
                attempt = 0
                try:
                    reason = await self._pump(reader, sink)
                finally:
                    writer.close()
                self._link.lost(f"{self.port} went away: {reason}", first=True)
                await asyncio.sleep(self._link.delay(0))
                attempt = 1
        finally:
            self._health.state = DriverState.STOPPED

    async def _pump(self, reader: asyncio.StreamReader, sink: ReadSink) -> str:
        """Feed bytes until the port closes; the reason it closed."""
        self._framer.reset()
        while True:
            try:
                data = await reader.read(4096)
            except OSError as err:
                return str(err) or err.__class__.__name__
            if not data:
                return "end of file"
            wall, mono = wall_now(), mono_ns()
            _LOGGER.debug("%s rx %s", self._name, data.hex())
            for line in self._framer.feed(data):
                self._emit(line, sink, wall, mono)
            for error in self._framer.take_errors():
                self._bad(error)

    def _emit(self, line: bytes, sink: ReadSink, wall: datetime, mono: int) -> None:
        try:
            scan = decode_scan(line, self.wand)
        except CodecError as err:
            if line.strip():
                self._bad(err)
            return
        read = RawRead(
            code=scan.code,
            source="wand",
            symbology=scan.symbology,
            wall=wall,
            mono_ns=mono,
            aim=scan.aim,
        )
        self._health.reads += 1
        self._recent.append(mono)
        sink(read)

    def _bad(self, err: CodecError) -> None:
        self._garbage += 1
        self._health.last_error = str(err)
        _LOGGER.warning("%s: unreadable line ignored: %s", self._name, err)
