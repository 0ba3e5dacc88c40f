"""USB HID keyboard-wedge wand driver: evdev key events -> HidKeyDecoder -> RawRead(source="wand").

The device is found by `source.device` (a `/dev/input/by-id/...` path) or by the profile's USB
vid/pid, grabbed (EVIOCGRAB) so its keystrokes do not also reach a console, and ungrabbed on
exit. A vanished device is looked for again with capped exponential backoff. `source.device`
may also name an `evemu-record` trace (a regular file): it is replayed with its own timing
through the same event path, which is how the driver is exercised without /dev/input.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import stat
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

from scanner.clock import mono_ns, wall_now
from scanner.codecs.hid_keys import KEY_ENTER, HidKeyDecoder, KeyScan, layout_for, parse_evemu
from scanner.drivers.base import DriverError, DriverHealth, DriverState, ReadSink
from scanner.drivers.reconnect import Reconnector
from scanner.events import RawRead
from scanner.profiles.hid import HidSettings
from scanner.profiles.model import DeviceProfile
from scanner.settings import SourceConfig, StationSection
from shared.aim import split_aim, symbology_for_aim

_LOGGER = logging.getLogger(__name__)
_END = object()
KeyEvent = tuple[int, int, int]


class HidWedgeDriver:
    """A keyboard-wedge scanner on /dev/input (or a recorded trace of one)."""

    def __init__(
        self,
        profile: DeviceProfile,
        source: SourceConfig,
        station: StationSection,
        *,
        retry_base_s: float = 0.5,
        rng: random.Random | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.profile = profile
        self.hid = profile.hid or HidSettings()
        self.layout = layout_for(self.hid.layout)
        match = profile.match
        self._device = source.device
        self._vid = int(match.vid, 16) if match and match.vid else None
        self._pid = int(match.pid, 16) if match and match.pid else None
        if not self._device and (self._vid is None or self._pid is None):
            raise DriverError(f"source {profile.id}: set `device` or give the profile a vid/pid")
        where = self._device or f"usb:{self._vid:04X}:{self._pid:04X}"
        self._name = source.name or f"{profile.id}@{where}"
        self._station = station
        self._clock = clock
        self._health = DriverHealth(name=self._name, port=self._device)
        self._link = Reconnector(
            self._health, _LOGGER, base_s=retry_base_s, cap_s=self.hid.reconnect_max_s, rng=rng
        )
        self._scans_cut = 0

    @property
    def name(self) -> str:
        """The source's name in logs and status."""
        return self._name

    def health(self) -> DriverHealth:
        """State, reads, last error, reconnects, and scans cut by the inter-key timeout."""
        self._health.details["scans_without_terminator"] = str(self._scans_cut)
        return self._health

    async def run(self, sink: ReadSink) -> None:
        """Read scans into `sink` until cancelled, finding the device again whenever it goes."""
        attempt = 0
        try:
            while True:
                if self._device and _is_recording(self._device):
                    await self._replay(Path(self._device), sink)
                    return
                try:
                    reason = await self._read_device(sink, attempt)
                    attempt = 0
                    self._link.lost(f"input device went away: {reason}", first=True)
                except DriverError as err:
                    self._link.lost(str(err), first=attempt == 0)
                await asyncio.sleep(self._link.delay(attempt))
                attempt += 1
        finally:
            self._health.state = DriverState.STOPPED

    async def pump(self, events: AsyncIterator[KeyEvent], sink: ReadSink) -> str:
        """The one event path (device or recording): decode events into reads until the
        iterator ends or fails; returns why it stopped."""
        decoder = HidKeyDecoder(
            self.layout, self.hid.terminators, self.hid.inter_key_timeout_s, self.hid.max_length
        )
        queue: asyncio.Queue[Any] = asyncio.Queue()
        feeder = asyncio.create_task(_feed(events, queue))
        try:
            while True:
                deadline = decoder.deadline()
                timeout = None if deadline is None else max(0.0, deadline - self._clock())
                try:
                    item = await asyncio.wait_for(queue.get(), timeout)
                except TimeoutError:
                    self._emit(decoder.poll(self._clock()), sink)
                    continue
                if item is _END or isinstance(item, BaseException):
                    self._emit(decoder.flush(), sink)
                    return "end of input" if item is _END else str(item) or repr(item)
                etype, code, value = item
                self._emit(decoder.feed(etype, code, value, self._clock()), sink)
        finally:
            feeder.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await feeder
            self._health.details["ignored_keys"] = str(decoder.ignored_keys)
            self._health.details["dropped_scans"] = str(decoder.dropped_scans)

    async def _read_device(self, sink: ReadSink, attempt: int) -> str:
        device = self._open()
        try:
            self._connected(device.path, attempt)
            return await self.pump(_device_events(device), sink)
        finally:
            if self.hid.grab:
                with contextlib.suppress(OSError):
                    device.ungrab()
            device.close()

    def _open(self) -> Any:
        """Open and grab the scanner's input device; DriverError says what to fix."""
        import evdev

        path = self._device or self._find(evdev)
        try:
            device = evdev.InputDevice(path)
        except PermissionError as err:
            raise DriverError(
                f"no permission to read {path}: add the user to group `input` or a udev rule"
            ) from err
        except OSError as err:
            raise DriverError(f"cannot open {path}: {err.strerror or err}") from err
        if self.hid.grab:
            try:
                device.grab()
            except OSError as err:
                device.close()
                raise DriverError(f"cannot grab {path} (held by another program?): {err}") from err
        return device

    def _find(self, evdev: Any) -> str:
        """The first keyboard-like input device with the profile's vid/pid."""
        try:
            paths = sorted(evdev.list_devices())
        except OSError as err:
            raise DriverError(f"cannot list input devices: {err}") from err
        found: list[str] = []
        for path in paths:
            try:
                with contextlib.closing(evdev.InputDevice(path)) as candidate:
                    info = candidate.info
                    keys = candidate.capabilities().get(evdev.ecodes.EV_KEY, [])
            except OSError:
                continue
            if (info.vendor, info.product) == (self._vid, self._pid) and KEY_ENTER in keys:
                found.append(path)
        if not found:
            raise DriverError(f"no input device {self._vid:04X}:{self._pid:04X} is plugged in")
        if len(found) > 1:
            _LOGGER.warning(
                "%s: several matching devices %s; using %s", self._name, found, found[0]
            )
        return found[0]

    async def _replay(self, path: Path, sink: ReadSink) -> None:
        try:
            events = _load_recording(path)
        except (OSError, UnicodeDecodeError, ValueError) as err:
            self._health.state = DriverState.FAILED
            self._health.last_error = f"cannot replay {path}: {err}"
            _LOGGER.error("%s: %s", self._name, self._health.last_error)
        else:
            self._connected(str(path), 0)
            reason = await self.pump(_replay_events(events), sink)
            self._health.state = DriverState.STOPPED
            self._health.details["replay"] = f"finished ({reason})"
            _LOGGER.info("%s: replay of %s finished", self._name, path)
        await asyncio.Event().wait()  # a finished source stays idle until the agent stops

    def _emit(self, scans: list[KeyScan], sink: ReadSink) -> None:
        for scan in scans:
            self._scans_cut += not scan.complete
            aim, code = split_aim(scan.text) if self.hid.aim_ids else (None, scan.text)
            if not code.strip("\x1d \t"):
                continue
            self._health.reads += 1
            sink(
                RawRead(
                    code=code,
                    source="wand",
                    symbology=symbology_for_aim(aim),
                    wall=wall_now(),
                    mono_ns=mono_ns(),
                    aim=aim,
                )
            )

    def _connected(self, path: str, attempt: int) -> None:
        self._health.port = path
        self._link.connected(path, attempt)


async def _feed(events: AsyncIterator[KeyEvent], queue: asyncio.Queue[Any]) -> None:
    try:
        async for event in events:
            queue.put_nowait(event)
    except Exception as err:  # ENODEV when unplugged; anything else must not hang the pump
        queue.put_nowait(err)
    else:
        queue.put_nowait(_END)


async def _device_events(device: Any) -> AsyncIterator[KeyEvent]:
    async for event in device.async_read_loop():
        yield event.type, event.code, event.value


async def _replay_events(events: list[tuple[int, int, int, float]]) -> AsyncIterator[KeyEvent]:
    """A recording's events at the pace they were recorded."""
    loop = asyncio.get_running_loop()
    start = loop.time()
    first = events[0][3] if events else 0.0
    for etype, code, value, stamp in events:
        delay = start + (stamp - first) - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        yield etype, code, value


def _load_recording(path: Path) -> list[tuple[int, int, int, float]]:
    """A small trace file, read at once (a few kB; not worth a thread)."""
    return parse_evemu(path.read_text(encoding="utf-8"))


def _is_recording(device: str) -> bool:
    try:
        return stat.S_ISREG(Path(device).stat().st_mode)
    except OSError:
        return False
