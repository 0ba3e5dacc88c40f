"""What every simulated UHF reader shares: a tag population, read-rate scheduling, line faults
(dropped and corrupted bytes), the baud-rate check, and the serve loop on a `PtyPair`.

A protocol simulator subclasses `UhfSim` and implements `handle` (bytes from the host),
`emit_reads` (reads while streaming) and `reboot`.
"""

from __future__ import annotations

import abc
import asyncio
import contextlib
import logging
import os
import random
import termios
from dataclasses import dataclass, field

from scanner.profiles.model import DeviceProfile
from scanner.profiles.rfid import RfidSettings
from scanner.sim.pty import PtyPair

_LOGGER = logging.getLogger(__name__)
_TICK_S = 0.01  # how often streaming sims wake up to emit the reads that fell due


@dataclass(slots=True)
class SimTag:
    """A tag in the field: which antennas (1-based) see it, its mean RSSI in dBm, and PC bits
    besides the length (0x0100: the toggle bit of an ISO UII tag)."""

    epc: bytes
    antennas: tuple[int, ...] = ()
    rssi: float = -55.0
    pc_flags: int = 0


class TagPopulation:
    """The tags in the simulated field; `pick` draws one read from those an antenna sees."""

    def __init__(self, epcs: list[str], rng: random.Random, jitter_db: float = 3.0) -> None:
        self._rng = rng
        self.jitter_db = jitter_db
        self.tags: dict[bytes, SimTag] = {}
        for epc in epcs:
            self.place(epc)

    def place(
        self, epc: str, antennas: tuple[int, ...] = (), rssi: float = -55.0, pc_flags: int = 0
    ) -> None:
        """Put a tag in the field (no antennas given: every antenna sees it)."""
        raw = _epc_bytes(epc)
        if raw is None:
            raise ValueError(f"EPC {epc!r} must be whole 16-bit words of hex")
        self.tags[raw] = SimTag(raw, tuple(antennas), rssi, pc_flags)

    def remove(self, epc: str) -> None:
        """Take a tag out of the field."""
        self.tags.pop(bytes.fromhex(epc), None)

    def pc_flags(self, epc: bytes) -> int:
        """The PC bits besides the length of the tag with this EPC (0 if it left the field)."""
        tag = self.tags.get(epc)
        return tag.pc_flags if tag else 0

    def visible(self, antenna: int) -> list[SimTag]:
        """Tags that `antenna` sees."""
        return [t for t in self.tags.values() if not t.antennas or antenna in t.antennas]

    def pick(self, antennas: list[int]) -> tuple[bytes, int, int] | None:
        """One read (EPC, antenna, RSSI dBm) on one of `antennas`; None if they see no tag."""
        pairs = [(tag, ant) for ant in antennas for tag in self.visible(ant)]
        if not pairs:
            return None
        tag, ant = self._rng.choice(pairs)
        rssi = round(tag.rssi + self._rng.uniform(-self.jitter_db, self.jitter_db))
        return tag.epc, ant, max(-127, min(0, rssi))


def usable_epcs(codes: list[str]) -> list[str]:
    """The codes that can be EPCs on a simulated tag (hex, whole words); others are logged."""
    usable = []
    for code in codes:
        if _epc_bytes(code) is None:
            _LOGGER.warning("not an EPC (hex, whole 16-bit words), left out: %r", code)
        else:
            usable.append(code)
    return usable


def rfid_of(profile: DeviceProfile, fallback_baud: int) -> tuple[RfidSettings, int]:
    """A simulator factory's view of a profile: its [rfid] section and the reader's baud rate
    (the rfid default, else the serial section's, else `fallback_baud`); ValueError without
    an [rfid] section."""
    rfid = profile.rfid
    if rfid is None:
        raise ValueError(f"profile {profile.id} has no [rfid] section")
    serial_rate = profile.serial.baudrate if profile.serial else fallback_baud
    return rfid, rfid.default_baud or serial_rate


def _epc_bytes(code: str) -> bytes | None:
    try:
        raw = bytes.fromhex(code)
    except ValueError:
        return None
    return raw if raw and len(raw) % 2 == 0 and len(raw) <= 62 else None


class ReadSchedule:
    """Reads due at `rate` per second, without drift: `due(now)` returns how many are owed."""

    def __init__(self, rate: float) -> None:
        self.rate = rate
        self._origin: float | None = None
        self._issued = 0

    def restart(self, now: float) -> None:
        """Start counting from `now`."""
        self._origin, self._issued = now, 0

    def due(self, now: float) -> int:
        """How many reads fell due since the last call."""
        if self._origin is None:
            self.restart(now)
            return 0
        owed = int((now - self._origin) * self.rate) - self._issued
        self._issued += max(0, owed)
        return max(0, owed)


@dataclass(slots=True)
class LineFaults:
    """Faults on the reader -> host line: each byte is dropped or corrupted with a probability."""

    drop_rate: float = 0.0
    corrupt_rate: float = 0.0
    dropped: int = field(default=0, init=False)
    corrupted: int = field(default=0, init=False)

    def apply(self, data: bytes, rng: random.Random) -> bytes:
        """`data` as the host would receive it."""
        if not self.drop_rate and not self.corrupt_rate:
            return data
        out = bytearray()
        for byte in data:
            roll = rng.random()
            if roll < self.drop_rate:
                self.dropped += 1
                continue
            if roll < self.drop_rate + self.corrupt_rate:
                self.corrupted += 1
                byte ^= rng.randrange(1, 256)
            out.append(byte)
        return bytes(out)


def termios_speed(rate: int) -> int:
    """The termios constant for `rate` baud (B115200, ...)."""
    try:
        return int(getattr(termios, f"B{rate}"))
    except AttributeError:
        raise ValueError(f"no termios speed for {rate} baud") from None


class UhfSim(abc.ABC):
    """A reader on the master side of a pty. `serve()` runs until the pty closes."""

    frame_head = 0x00  # never produced inside line garbage, so garbage cannot form frames

    def __init__(
        self,
        pty: PtyPair,
        *,
        tags: list[str],
        rate: float,
        seed: int = 0,
        baudrate: int = 115200,
        antennas: int = 1,
        faults: LineFaults | None = None,
        rssi: float = -55.0,
    ) -> None:
        self.pty = pty
        self.rng = random.Random(seed)
        self.population = TagPopulation([], self.rng)
        for epc in tags:
            self.population.place(epc, rssi=rssi)
        self.schedule = ReadSchedule(rate)
        self.baudrate = baudrate
        self.antennas = antennas
        self.faults = faults or LineFaults()
        self.received: list[bytes] = []  # every chunk the host wrote, for tests
        self.sent_frames = 0
        self.overrun = 0  # bytes lost because the host was not reading

    @property
    def line_ok(self) -> bool:
        """Whether the host's port runs at our baud rate (a pty stores what pyserial set)."""
        try:
            speed = termios.tcgetattr(self.pty.master)[4]
        except (termios.error, OSError):
            return False
        return bool(speed == termios_speed(self.baudrate))

    def send(self, data: bytes) -> None:
        """Write a frame to the host, as the line delivers it."""
        if self.pty.closed:
            return
        if not self.line_ok:
            # A UART at another rate turns every frame into framing errors and junk bytes.
            junk = bytes(b for b in self.rng.randbytes(len(data)) if b != self.frame_head)
            self._write(junk)
            return
        self.sent_frames += 1
        self._write(self.faults.apply(data, self.rng))

    def _write(self, data: bytes) -> None:
        # Never block: when the host does not read, a UART's bytes are lost (an overrun),
        # and a blocking write here would stall the event loop the host runs on.
        try:
            written = os.write(self.pty.master, data)
        except BlockingIOError:
            written = 0
        except OSError:
            return  # the pty is gone
        self.overrun += len(data) - written

    async def serve(self) -> None:
        """Answer commands and stream reads until the pty is closed (device unplugged)."""
        streamer = asyncio.create_task(self._stream_loop())
        try:
            while not self.pty.closed:
                try:
                    data = await self.pty.read()
                except (OSError, ValueError):
                    break
                if not data:
                    # Closed, or nobody has the port open yet: the loop condition decides.
                    await asyncio.sleep(_TICK_S)
                    continue
                self.received.append(data)
                # At a wrong rate the answer still goes out, as junk (see `send`).
                self.handle(data, asyncio.get_running_loop().time())
        finally:
            streamer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await streamer

    def unplug(self) -> None:
        """Close the pty: the host sees the device disappear."""
        self.pty.close()

    async def _stream_loop(self) -> None:
        loop = asyncio.get_running_loop()
        while not self.pty.closed:
            await asyncio.sleep(_TICK_S)
            try:
                self.emit_reads(loop.time())
            except OSError as err:  # the pty went away under us
                _LOGGER.debug("simulator stream stopped: %s", err)
                return

    @abc.abstractmethod
    def handle(self, data: bytes, now: float) -> None:
        """Bytes from the host."""

    @abc.abstractmethod
    def emit_reads(self, now: float) -> None:
        """Send whatever reads (and keep-alives) are due at `now`."""

    @abc.abstractmethod
    def reboot(self) -> None:
        """Power-cycle: forget the configuration and behave as after power-on."""
