"""An Impinj-R2000 "0xA0" reader on a pty, answering like the firmware (protocols.md 2).

Real-time inventory (0x89) runs `repeat` rounds on the work antenna, sends one frame per tag
read and one end-of-round frame, then stops. Errors use the codes of 2.5. `reboot()` makes the
reader silent for a moment and forgets its configuration (the R2000 sends no boot message).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from scanner.codecs import r2000 as r
from scanner.profiles.model import DeviceProfile
from scanner.sim.pty import PtyPair
from scanner.sim.uhf_base import LineFaults, UhfSim, rfid_of, usable_epcs

_LOGGER = logging.getLogger(__name__)
_BAUD_CODES = {3: 38400, 4: 115200}  # 2.1: cmd_set_uart_baudrate

Reply = bytes | None  # the response Data, or None for no answer


@dataclass(slots=True)
class _Inventory:
    rounds_left: int
    round_end: float
    repeat: int = 1
    reads: int = 0


class R2000Sim(UhfSim):
    """An R2000 reader with `antennas` ports (1..4) at bus `address`."""

    frame_head = r.HEAD

    def __init__(
        self,
        pty: PtyPair,
        *,
        tags: list[str],
        rate: float,
        seed: int = 0,
        baudrate: int = 115200,
        antennas: int = 4,
        address: int = 0x01,
        max_power_dbm: int = 33,
        firmware: tuple[int, int] = (8, 1),
        round_s: float = 0.05,
        boot_silence_s: float = 0.2,
        no_tag_as_error: bool = False,
        faults: LineFaults | None = None,
        rssi: float = -55.0,
    ) -> None:
        super().__init__(
            pty, tags=tags, rate=rate, seed=seed, baudrate=baudrate, antennas=antennas,
            faults=faults, rssi=rssi,
        )  # fmt: skip
        self.address = address
        self.max_power = max_power_dbm
        self.firmware = firmware
        self.round_s = round_s
        self.boot_silence_s = boot_silence_s
        self.no_tag_as_error = no_tag_as_error
        self.missing_antennas: set[int] = set()  # 1-based ports with no antenna attached
        self.default_baud = baudrate
        self._framer = r.R2000Framer()
        self._silent_until = 0.0
        self._now = 0.0
        self._handlers: dict[int, Callable[[bytes], Reply]] = {
            r.CMD_GET_FIRMWARE_VERSION: lambda d: self._get(d, bytes(self.firmware)),
            r.CMD_SET_WORK_ANTENNA: self._set_work_antenna,
            r.CMD_GET_WORK_ANTENNA: lambda d: self._get(d, bytes([self.work_antenna])),
            r.CMD_SET_OUTPUT_POWER: self._set_power,
            r.CMD_GET_OUTPUT_POWER: lambda d: self._get(d, bytes(self.power)),
            r.CMD_SET_REGION: self._set_region,
            r.CMD_GET_REGION: lambda d: self._get(d, self.region),
            r.CMD_SET_BAUD: self._set_baud,
            r.CMD_REAL_TIME_INVENTORY: self._real_time_inventory,
            r.CMD_RESET: lambda _d: self._reset(),
        }
        self._power_on()

    def _power_on(self) -> None:
        self.baudrate = self.default_baud
        self.work_antenna = 0
        self.power = [self.max_power - 3] * 4
        self.region = bytes([0x01, 7, 59])
        self.inventory: _Inventory | None = None
        self.rounds = 0

    def reboot(self) -> None:
        """Power-cycle: silent for `boot_silence_s`, then default settings."""
        self._power_on()
        self._framer = r.R2000Framer()
        self._silent_until = self._now + self.boot_silence_s

    def handle(self, data: bytes, now: float) -> None:
        """Answer each complete frame addressed to us or broadcast."""
        self._now = now
        for frame in self._framer.feed(data):
            if frame.address not in (r.BROADCAST, self.address) or now < self._silent_until:
                continue
            handler = self._handlers.get(frame.cmd)
            reply = handler(frame.data) if handler else bytes([r.FAIL])
            if reply is not None:
                self.send(r.encode_frame(self.address, frame.cmd, reply))
            if frame.cmd == r.CMD_SET_BAUD and reply == bytes([r.SUCCESS]):
                self.baudrate = _BAUD_CODES[frame.data[0]]  # 2.1: answers at the old rate

    def emit_reads(self, now: float) -> None:
        """Tag frames due in the running round; the end-of-round frame when it is over."""
        self._now = now
        due = self.schedule.due(now)  # counted while idle too, so rounds keep the rate
        inv = self.inventory
        if inv is None:
            return
        port = self.work_antenna + 1
        for _ in range(due):
            read = self.population.pick([port])
            if read is None:
                continue
            epc, _, rssi = read
            freq = self.rng.randrange(7, 60)
            self.send(
                r.encode_tag_frame(
                    self.address,
                    epc,
                    antenna=port,
                    rssi_dbm=rssi,
                    frequency_index=freq,
                    pc_flags=self.population.pc_flags(epc),
                )
            )
            inv.reads += 1
        if now >= inv.round_end:
            self._end_round(inv, now)

    def _end_round(self, inv: _Inventory, now: float) -> None:
        inv.rounds_left -= 1
        self.rounds += 1
        if inv.rounds_left > 0:
            inv.round_end = now + self.round_s
            return
        self.inventory = None
        if inv.reads == 0 and self.no_tag_as_error:
            self.send(r.encode_frame(self.address, r.CMD_REAL_TIME_INVENTORY, bytes([r.NO_TAG])))
            return
        rate = round(inv.reads / max(self.round_s * inv.repeat, 1e-3))
        summary = r.encode_round_summary(self.address, self.work_antenna + 1, rate, inv.reads)
        self.send(summary)

    @staticmethod
    def _get(data: bytes, value: bytes) -> Reply:
        return bytes([r.INVALID_PARAMETER]) if data else value

    def _set_work_antenna(self, data: bytes) -> Reply:
        if len(data) != 1:
            return bytes([r.INVALID_PARAMETER])
        if data[0] >= self.antennas:
            return bytes([r.ANTENNA_OUT_OF_RANGE])
        self.work_antenna = data[0]
        return bytes([r.SUCCESS])

    def _set_power(self, data: bytes) -> Reply:
        if len(data) not in (1, 4):
            return bytes([r.INVALID_PARAMETER])
        if any(p > self.max_power for p in data):
            return bytes([r.POWER_OUT_OF_RANGE])
        self.power = list(data) * 4 if len(data) == 1 else list(data)
        return bytes([r.SUCCESS])

    def _set_region(self, data: bytes) -> Reply:
        if len(data) != 3:
            return bytes([r.INVALID_PARAMETER])
        code, first, last = data
        if code not in (1, 2, 3) or first > last or last > 59:
            return bytes([r.REGION_OUT_OF_RANGE])
        self.region = bytes(data)
        return bytes([r.SUCCESS])

    def _set_baud(self, data: bytes) -> Reply:
        if len(data) != 1 or data[0] not in _BAUD_CODES:
            return bytes([0x4A])  # 2.5: baud rate out of range
        return bytes([r.SUCCESS])

    def _real_time_inventory(self, data: bytes) -> Reply:
        if len(data) != 1 or data[0] == 0:
            return bytes([r.INVALID_PARAMETER])
        if self.work_antenna + 1 in self.missing_antennas:
            return bytes([r.ANTENNA_MISSING])
        self.inventory = _Inventory(data[0], self._now + self.round_s, repeat=data[0])
        return None  # the answer is the stream of tag frames and the round's end

    def _reset(self) -> Reply:
        self.reboot()
        return None


def make_sim(
    profile: DeviceProfile, pty: PtyPair, tags: list[str], rate: float, seed: int = 0
) -> R2000Sim:
    """The simulator registry's factory: a reader shaped by the profile."""
    rfid, baudrate = rfid_of(profile, 115200)
    address = 0x01 if rfid.address == r.BROADCAST else rfid.address
    return R2000Sim(
        pty, tags=usable_epcs(tags), rate=rate, seed=seed,
        baudrate=baudrate,
        antennas=min(rfid.antennas, 4), address=address, max_power_dbm=int(rfid.max_power_dbm),
    )  # fmt: skip
