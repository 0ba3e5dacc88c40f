"""Shared IO loop for serial UHF readers: open the port, pump bytes through a sans-IO
session, write what it returns, emit reads, and reconnect with backoff.

A protocol driver subclasses `UhfSerialDriver` and implements `make_session`.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
import time
from datetime import datetime

import serial

from scanner.clock import mono_ns, wall_now
from scanner.drivers.base import DriverError, DriverHealth, DriverState, ReadSink
from scanner.drivers.serial_link import open_serial
from scanner.events import RawRead, tag_symbology
from scanner.profiles.model import DeviceProfile, SerialSettings
from scanner.profiles.rfid import RfidSettings
from scanner.protocols.uhf_actions import (
    Action,
    NoAnswer,
    ReaderFault,
    Ready,
    Restarted,
    Send,
    TagSeen,
    UhfSession,
)
from scanner.settings import SourceConfig, StationSection

_LOGGER = logging.getLogger(__name__)
_RATE_WINDOW_S = 10.0


class UhfSerialDriver:
    """A serial UHF reader. `run` returns only when cancelled; errors go to `health()`."""

    def __init__(
        self,
        profile: DeviceProfile,
        source: SourceConfig,
        station: StationSection,
        *,
        backoff_s: float = 0.5,
        backoff_max_s: float = 10.0,
    ) -> None:
        if profile.rfid is None:
            raise DriverError(f"profile {profile.id} has no [rfid] section")
        if not source.port:
            raise DriverError(f"source {source.name or profile.id} needs a port")
        self.profile = profile
        self.rfid: RfidSettings = profile.rfid
        self.port = source.port
        self.serial = profile.serial or SerialSettings(baudrate=self.rfid.default_baud or 115200)
        self.station = station
        self._name = source.name or f"{profile.id}@{source.port}"
        self._backoff = (backoff_s, backoff_max_s)
        self._health = DriverHealth(name=self._name, port=self.port)
        self._health.details["baudrate"] = str(self.serial.baudrate)
        self._recent: collections.deque[float] = collections.deque()

    @property
    def name(self) -> str:
        """The source's name in logs and status."""
        return self._name

    def make_session(self) -> UhfSession:
        """A fresh protocol session for one connection (subclasses implement this)."""
        raise DriverError(f"{type(self).__name__} does not define a protocol session")

    def health(self) -> DriverHealth:
        """Connection state, reads per second over the last 10 s, last error."""
        self._trim(time.monotonic())
        self._health.reads_per_s = len(self._recent) / _RATE_WINDOW_S
        return self._health

    async def run(self, sink: ReadSink) -> None:
        """Read until cancelled, reconnecting with exponential backoff."""
        delay, delay_max = self._backoff
        try:
            while True:
                try:
                    await self._connection(sink)
                except DriverError as err:
                    self._record_error(str(err))
                if self._health.state is DriverState.CONNECTED:
                    delay = self._backoff[0]  # a link that worked starts the backoff afresh
                self._health.state = DriverState.RECONNECTING
                self._health.reconnects += 1
                await asyncio.sleep(delay)
                delay = min(delay * 2, delay_max)
        finally:
            self._health.state = DriverState.STOPPED

    def _record_error(self, message: str) -> None:
        # A fault that repeats every round (say, a missing antenna) is logged once.
        level = logging.DEBUG if message == self._health.last_error else logging.WARNING
        _LOGGER.log(level, "%s: %s", self._name, message)
        self._health.last_error = message

    async def _connection(self, sink: ReadSink) -> None:
        session = self.make_session()  # a profile error shows before the port is touched
        reader, writer = await open_serial(self.port, self.serial)
        _LOGGER.info("%s: opened %s at %d baud", self._name, self.port, self.serial.baudrate)
        try:
            await self._apply(session.start(time.monotonic()), writer, sink, None)
            await self._pump(session, reader, writer, sink)
        finally:
            if session.streaming:
                with contextlib.suppress(Exception):
                    # Leave the reader quiet for the next user of the port.
                    for action in session.stop(time.monotonic()):
                        if isinstance(action, Send):
                            writer.write(action.data)
            writer.close()
            with contextlib.suppress(Exception):
                async with asyncio.timeout(1.0):
                    await writer.wait_closed()

    async def _pump(
        self,
        session: UhfSession,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        sink: ReadSink,
    ) -> None:
        while True:
            due = session.deadline()
            timeout = None if due is None else max(0.0, due - time.monotonic())
            try:
                # asyncio.timeout, not wait_for: 3.11's wait_for can hang when it is cancelled
                # while its own timeout (often 0 here) cancels the read.
                async with asyncio.timeout(timeout):
                    data = await reader.read(4096)
            except TimeoutError:
                stamp = (wall_now(), mono_ns())
                await self._apply(session.tick(time.monotonic()), writer, sink, stamp)
                continue
            except (OSError, serial.SerialException) as err:
                raise DriverError(f"{self.port}: the reader disappeared ({err})") from err
            if not data:
                raise DriverError(f"{self.port}: the reader disappeared (end of stream)")
            stamp = (wall_now(), mono_ns())  # when the bytes arrived
            _LOGGER.debug("%s <- %s", self._name, data.hex())
            actions = session.receive_data(data, time.monotonic())
            await self._apply(actions, writer, sink, stamp)

    async def _apply(
        self,
        actions: list[Action],
        writer: asyncio.StreamWriter,
        sink: ReadSink,
        stamp: tuple[datetime, int] | None,
    ) -> None:
        wrote = False
        for action in actions:
            if isinstance(action, Send):
                _LOGGER.debug("%s -> %s", self._name, action.data.hex())
                writer.write(action.data)
                wrote = True
            elif isinstance(action, TagSeen):
                self._emit(action, sink, stamp or (wall_now(), mono_ns()))
            else:
                self._note(action)
        if wrote:
            try:
                await writer.drain()
            except (OSError, serial.SerialException) as err:
                raise DriverError(f"{self.port}: cannot write to the reader ({err})") from err

    def _emit(self, tag: TagSeen, sink: ReadSink, stamp: tuple[datetime, int]) -> None:
        read = RawRead(
            code=tag.epc,
            source="rfid",
            symbology=tag_symbology(tag.pc),  # a toggled PC is an ISO UII, not a GS1 EPC
            wall=stamp[0],
            mono_ns=stamp[1],
            antenna=tag.antenna,
            rssi=tag.rssi,
        )
        self._health.reads += 1
        now = time.monotonic()
        self._recent.append(now)
        self._trim(now)  # bounded even if nobody asks for health
        sink(read)

    def _note(self, action: Action) -> None:
        if isinstance(action, Ready):
            _LOGGER.info("%s: reading (%s)", self._name, action.description)
            self._health.state = DriverState.CONNECTED
            self._health.details["reader"] = action.description
        elif isinstance(action, ReaderFault):
            if action.fatal:
                raise DriverError(f"{self.port}: {action.message}")
            self._record_error(action.message)
        elif isinstance(action, Restarted):
            self._health.state = DriverState.STARTING
            self._record_error(f"reader restarted: {action.reason}; re-initialising")
            self._health.details["restarts"] = str(
                int(self._health.details.get("restarts", "0")) + 1
            )
        elif isinstance(action, NoAnswer):
            raise DriverError(self._no_answer_message(action.garbage))

    def _no_answer_message(self, garbage: int) -> str:
        rate = self.serial.baudrate
        heard = f"; {garbage} unreadable bytes came back" if garbage else ""
        hint = ", ".join(str(r) for r in self.rfid.baud_rates if r != rate)
        others = f" (this reader can also run at {hint})" if hint else ""
        return (
            f"{self.port}: the reader did not answer at {rate} baud{heard}: wrong baud rate, "
            f"wrong device or powered off? Set serial.baudrate in the profile{others}"
        )

    def _trim(self, now: float) -> None:
        while self._recent and self._recent[0] < now - _RATE_WINDOW_S:
            self._recent.popleft()
