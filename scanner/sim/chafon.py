"""A Chafon UHFReader18 / UHFReader288 reader on a pty, byte for byte (protocols.md 3).

Answer mode: each 0x01 runs one round on the asked antenna for min(ScanTime, `round_s`), then
answers with its tag records, several per frame, status 0x03 on every frame but the last
(0x01). A round without tags ends with 0x01 Num = 0, or 0xFB with `no_tag_as_fb` (6b).
Scan mode (0x35 Read_mode 01): every due read is pushed as an 0xEE frame. Unknown commands get
reCmd 0x00; bad values status 0xFF. `reboot()` is silent for `boot_silence_s` and drops the
running round; work mode, power and scan time live in EEPROM and survive it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from scanner.codecs import chafon as c
from scanner.profiles.model import DeviceProfile
from scanner.sim.pty import PtyPair
from scanner.sim.uhf_base import LineFaults, UhfSim, rfid_of

_LOGGER = logging.getLogger(__name__)
_TAGS_PER_FRAME = 4  # keeps every reply well under the 96-byte Len of 3.1
_PARAMETER_ERROR = 0xFF

Reply = tuple[int, bytes] | None  # (status, data), or None when the answer comes later


@dataclass(slots=True)
class _Round:
    antenna: int
    ends: float
    reads: list[tuple[bytes, int]] = field(default_factory=list)  # (EPC, RSSI dBm)


class ChafonSim(UhfSim):
    """A Chafon reader at bus `address` speaking the UHFReader18 or UHFReader288 dialect."""

    def __init__(
        self,
        pty: PtyPair,
        *,
        tags: list[str],
        rate: float,
        seed: int = 0,
        baudrate: int = 57600,
        antennas: int = 1,
        address: int = 0x00,
        dialect: str = "uhfreader18",
        rssi_offset_db: float = 0.0,
        round_s: float = 0.05,
        boot_silence_s: float = 0.3,
        no_tag_as_fb: bool = False,
        faults: LineFaults | None = None,
    ) -> None:
        super().__init__(
            pty, tags=tags, rate=rate, seed=seed, baudrate=baudrate, antennas=antennas,
            faults=faults,
        )  # fmt: skip
        self.address = address
        self.with_antenna_rssi = dialect != "uhfreader18"
        self.rssi_offset_db = rssi_offset_db
        self.round_s = round_s
        self.boot_silence_s = boot_silence_s
        self.no_tag_as_fb = no_tag_as_fb
        self.missing_antennas: set[int] = set()
        self.reader_type = 0x0C if self.with_antenna_rssi else 0x03  # 3.3: 288M / CF-RU5102
        # EEPROM: kept across reboots
        self.read_mode = c.READ_MODE_ANSWER
        self.power_dbm = 30
        self.scan_time = 10
        self.sent_reads: dict[tuple[str, int], int] = {}  # (EPC hex, antenna) -> records sent
        self._framer = c.ChafonFramer(responses=False)
        self._round: _Round | None = None
        self._silent_until = 0.0
        self._now = 0.0
        self._handlers: dict[int, Callable[[bytes], Reply]] = {
            c.CMD_READER_INFO: self._reader_info,
            c.CMD_SET_POWER: self._set_power,
            c.CMD_SET_SCAN_TIME: self._set_scan_time,
            c.CMD_SET_WORK_MODE: self._set_work_mode,
            c.CMD_GET_WORK_MODE: self._get_work_mode,
            c.CMD_INVENTORY: self._inventory,
        }

    def reboot(self) -> None:
        """Power-cycle: silent for `boot_silence_s`; the running round is lost."""
        self._round = None
        self._framer = c.ChafonFramer(responses=False)
        self._silent_until = self._now + self.boot_silence_s

    def handle(self, data: bytes, now: float) -> None:
        """Answer each complete command addressed to us or broadcast."""
        self._now = now
        for frame in self._framer.feed(data):
            if frame.address not in (c.BROADCAST, self.address) or now < self._silent_until:
                continue
            handler = self._handlers.get(frame.cmd)
            if handler is None:
                self.send(c.encode_response(self.address, c.RECMD_UNKNOWN, 0xFE))
                continue
            if self.read_mode == c.READ_MODE_SCAN and frame.cmd not in _SCAN_MODE_COMMANDS:
                continue  # 3.4: in scan mode only the mode commands are accepted
            reply = handler(frame.data)
            if reply is not None:
                self.send(c.encode_response(self.address, frame.cmd, *reply))

    def emit_reads(self, now: float) -> None:
        """Push due reads in scan mode; collect them into the round and answer when it ends."""
        self._now = now
        due = self.schedule.due(now)
        if now < self._silent_until:
            return
        if self.read_mode == c.READ_MODE_SCAN:
            for _ in range(due):
                self._push(self.population.pick([1]))
            return
        rnd = self._round
        if rnd is None:
            return
        for _ in range(due):
            read = self.population.pick([rnd.antenna])
            if read is not None:
                rnd.reads.append((read[0], read[2]))
        if now >= rnd.ends:
            self._round = None
            self._answer_round(rnd)

    def _push(self, read: tuple[bytes, int, int] | None) -> None:
        if read is None:
            return
        epc, antenna, _ = read
        self._count(epc, antenna)
        self.send(c.encode_response(self.address, c.RECMD_SCAN_PUSH, c.STATUS_OK, epc))

    def _answer_round(self, rnd: _Round) -> None:
        if not rnd.reads:
            status = c.STATUS_NO_TAG if self.no_tag_as_fb else c.STATUS_DONE
            no_tag = b"" if self.no_tag_as_fb else self._empty_round(rnd.antenna)
            self.send(c.encode_response(self.address, c.CMD_INVENTORY, status, no_tag))
            return
        chunks = [
            rnd.reads[i : i + _TAGS_PER_FRAME] for i in range(0, len(rnd.reads), _TAGS_PER_FRAME)
        ]
        for n, chunk in enumerate(chunks):
            last = n == len(chunks) - 1
            tags = [c.ChafonTag(epc, rnd.antenna, self._raw_rssi(rssi)) for epc, rssi in chunk]
            for epc, _ in chunk:
                self._count(epc, rnd.antenna)
            status = c.STATUS_DONE if last else c.STATUS_MORE_FRAMES
            self.send(
                c.encode_inventory_reply(
                    self.address,
                    status,
                    tags,
                    with_antenna_rssi=self.with_antenna_rssi,
                    antenna=rnd.antenna,
                )
            )

    def _empty_round(self, antenna: int) -> bytes:
        return bytes([1 << (antenna - 1), 0]) if self.with_antenna_rssi else b"\x00"

    def _raw_rssi(self, dbm: int) -> int:
        return max(0, min(255, round(dbm + self.rssi_offset_db)))

    def _count(self, epc: bytes, antenna: int) -> None:
        key = (epc.hex().upper(), antenna)
        self.sent_reads[key] = self.sent_reads.get(key, 0) + 1

    def _reader_info(self, data: bytes) -> Reply:
        if data:
            return _PARAMETER_ERROR, b""
        # 3.3: Version 2.36, Type, Tr_Type 6C+6B, DMaxFre 0x3E, DMinFre 0, Power, ScanTime
        fields = [2, 36, self.reader_type, 0x03, 0x3E, 0x00, self.power_dbm, self.scan_time]
        return c.STATUS_OK, bytes(fields)

    def _set_power(self, data: bytes) -> Reply:
        if len(data) != 1 or data[0] > 30:
            return _PARAMETER_ERROR, b""
        self.power_dbm = data[0]
        return c.STATUS_OK, b""

    def _set_scan_time(self, data: bytes) -> Reply:
        if len(data) != 1 or not 3 <= data[0] <= 255:
            return _PARAMETER_ERROR, b""
        self.scan_time = data[0]
        return c.STATUS_OK, b""

    def _set_work_mode(self, data: bytes) -> Reply:
        if len(data) != 6 or data[0] > 3:
            return _PARAMETER_ERROR, b""
        self.read_mode = data[0] & 0x03
        self._round = None
        self.schedule.restart(self._now)
        return c.STATUS_OK, b""

    def _get_work_mode(self, data: bytes) -> Reply:
        if data:
            return _PARAMETER_ERROR, b""
        return c.STATUS_OK, bytes([self.read_mode, 0b110, 0x04, 0, 0, 0])

    def _inventory(self, data: bytes) -> Reply:
        if self._round is not None:
            return None  # one round at a time; a second request waits for the first answer
        antenna, scan_time = 1, self.scan_time
        if self.with_antenna_rssi:
            if len(data) != 9 or not 0x80 <= data[7] < 0x80 + self.antennas:
                return _PARAMETER_ERROR, b""
            antenna, scan_time = data[7] - 0x7F, data[8]
        elif data:
            return _PARAMETER_ERROR, b""
        if antenna in self.missing_antennas:
            return c.STATUS_ANTENNA_ERROR, b""
        duration = min(scan_time * 0.1, self.round_s)
        self._round = _Round(antenna, self._now + duration)
        return None


_SCAN_MODE_COMMANDS = frozenset({c.CMD_SET_WORK_MODE, c.CMD_GET_WORK_MODE})


def make_sim(
    profile: DeviceProfile, pty: PtyPair, tags: list[str], rate: float, seed: int = 0
) -> ChafonSim:
    """The simulator registry's factory: a reader shaped by the profile."""
    rfid, baudrate = rfid_of(profile, 57600)
    return ChafonSim(
        pty, tags=tags, rate=rate, seed=seed, baudrate=baudrate,
        antennas=min(rfid.antennas, 4),
        address=0x00 if rfid.address == c.BROADCAST else rfid.address,
        dialect=str(profile.quirks.get("chafon_dialect", "uhfreader18")),
        rssi_offset_db=float(profile.quirks.get("chafon_rssi_offset_db", 0.0)),
    )  # fmt: skip
