"""A ThingMagic Mercury module on a pty, answering like the firmware (protocols.md section 1).

Answers every command the driver sends and a few more, with the status words of 1.7 for
unknown opcodes, wrong lengths and bad values; streams 0x22 tag records and keep-alives during
continuous reading; `reboot()` sends the 0x04 boot message and forgets the configuration.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from scanner.codecs import mercury as m
from scanner.profiles.model import DeviceProfile
from scanner.sim.pty import PtyPair
from scanner.sim.uhf_base import LineFaults, UhfSim, rfid_of, usable_epcs

_LOGGER = logging.getLogger(__name__)
_KEEPALIVE_S = 1.0  # silence while streaming with no tag in the field before a keep-alive
_PROGRAM_APP, _PROGRAM_BOOTLOADER = 0x02, 0x01  # 1.1: (program & 3) == 1 is the bootloader
_FREQUENCIES_KHZ = (902750, 915250, 927250)
NANO_VERSION = m.MercuryVersion(
    bootloader=bytes.fromhex("12061900"),
    hardware=bytes.fromhex("30000020"),
    firmware_date=bytes.fromhex("20170314"),
    firmware_version=bytes.fromhex("01070302"),
    protocols=0x00000010,
)  # 1.6: the synthesized Nano version frame

Reply = tuple[int, bytes]  # (status, data)


class MercurySim(UhfSim):
    """A Mercury module (model byte from `version`), `antennas` ports, power limits in dBm."""

    frame_head = m.SOH

    def __init__(
        self,
        pty: PtyPair,
        *,
        tags: list[str],
        rate: float,
        seed: int = 0,
        baudrate: int = 115200,
        antennas: int = 1,
        min_power_dbm: float = 0.0,
        max_power_dbm: float = 27.0,
        version: m.MercuryVersion = NANO_VERSION,
        start_in_bootloader: bool = False,
        faults: LineFaults | None = None,
        rssi: float = -55.0,
    ) -> None:
        super().__init__(
            pty, tags=tags, rate=rate, seed=seed, baudrate=baudrate, antennas=antennas,
            faults=faults, rssi=rssi,
        )  # fmt: skip
        self.version = version
        self.power_limits = (round(min_power_dbm * 100), round(max_power_dbm * 100))
        self.default_baud = baudrate
        self.start_in_bootloader = start_in_bootloader
        self._framer = m.MercuryFramer(responses=False)
        self._handlers: dict[int, Callable[[bytes], Reply]] = {
            m.OP_VERSION: self._version,
            m.OP_BOOT_FIRMWARE: self._boot_firmware,
            m.OP_SET_BAUD_RATE: self._set_baud,
            m.OP_GET_CURRENT_PROGRAM: self._program,
            m.OP_SET_TAG_PROTOCOL: self._set_protocol,
            m.OP_GET_TAG_PROTOCOL: lambda d: self._get(d, self.protocol.to_bytes(2, "big")),
            m.OP_SET_REGION: self._set_region,
            m.OP_GET_REGION: lambda d: self._get(d, bytes([self.region])),
            m.OP_SET_READ_TX_POWER: self._set_power,
            m.OP_GET_READ_TX_POWER: self._get_power,
            m.OP_SET_ANTENNA_PORT: self._set_antennas,
            m.OP_SET_READER_OPTIONAL_PARAMS: self._set_option,
            m.OP_CLEAR_TAG_ID_BUFFER: lambda d: self._get(d, b""),
            m.OP_MULTI_PROTOCOL_TAG_OP: self._multi_protocol,
        }
        self._power_on()

    def _power_on(self) -> None:
        self.baudrate = self.default_baud
        self.bootloader = self.start_in_bootloader
        self.region = 0
        self.protocol = 0
        self.power_cdbm = self.power_limits[1]
        self.ports: list[int] = [1]
        self.read_filter = True
        self.streaming = False
        self._stream_origin = 0.0
        self._last_sent = 0.0
        self._now = 0.0

    def reboot(self) -> None:
        """Power-cycle: the boot message (opcode 0x04 with the version block), then idle."""
        self._power_on()
        self._framer = m.MercuryFramer(responses=False)
        self.send(
            m.encode_response(m.OP_BOOT_FIRMWARE, m.STATUS_OK, m.encode_version(self.version))
        )

    def handle(self, data: bytes, now: float) -> None:
        """Answer each complete command frame; stray bytes (0xFF wake-ups) are skipped."""
        for frame in self._framer.feed(data):
            handler = self._handlers.get(frame.opcode)
            if handler is None or (self.bootloader and frame.opcode not in _BOOTLOADER_OPS):
                status, payload = m.STATUS_INVALID_OPCODE, b""
            else:
                self._now = now
                status, payload = handler(frame.data)
            self.send(m.encode_response(frame.opcode, status, payload))

    def emit_reads(self, now: float) -> None:
        """Tag records that fell due, or a keep-alive after a quiet second."""
        if not self.streaming:
            return
        for _ in range(self.schedule.due(now)):
            read = self.population.pick(self.ports)
            if read is None:
                continue
            epc, antenna, rssi = read
            self.send(
                m.encode_tag_record(
                    epc, rssi=rssi, antenna=antenna,
                    frequency_khz=self.rng.choice(_FREQUENCIES_KHZ),
                    timestamp_ms=int((now - self._stream_origin) * 1000),
                    pc_flags=self.population.pc_flags(epc),
                )
            )  # fmt: skip
            self._last_sent = now
        if now - self._last_sent >= _KEEPALIVE_S:
            self.send(m.encode_response(m.OP_READ_TAG_ID_MULTIPLE, m.STATUS_NO_TAGS))
            self._last_sent = now

    @staticmethod
    def _get(data: bytes, value: bytes) -> Reply:
        return (m.STATUS_WRONG_DATA_LENGTH, b"") if data else (m.STATUS_OK, value)

    def _version(self, data: bytes) -> Reply:
        return self._get(data, m.encode_version(self.version))

    def _boot_firmware(self, data: bytes) -> Reply:
        self.bootloader = False
        return self._get(data, m.encode_version(self.version))

    def _program(self, data: bytes) -> Reply:
        program = _PROGRAM_BOOTLOADER if self.bootloader else _PROGRAM_APP
        return self._get(data, bytes([program]))

    def _set_baud(self, data: bytes) -> Reply:
        if len(data) != 4:
            return m.STATUS_WRONG_DATA_LENGTH, b""
        rate = int.from_bytes(data, "big")
        if rate not in (9600, 19200, 38400, 57600, 115200, 230400, 460800, 921600):
            return m.STATUS_INVALID_PARAMETER, b""
        self.baudrate = rate  # SparkFun switches right away and expects no reply it can read
        return m.STATUS_OK, b""

    def _set_protocol(self, data: bytes) -> Reply:
        if len(data) != 2:
            return m.STATUS_WRONG_DATA_LENGTH, b""
        if data != b"\x00\x05":
            return 0x0402, b""  # 1.7: invalid protocol (this module speaks Gen2 only)
        self.protocol = m.PROTOCOL_GEN2
        return m.STATUS_OK, b""

    def _set_region(self, data: bytes) -> Reply:
        if len(data) != 1:
            return m.STATUS_WRONG_DATA_LENGTH, b""
        if data[0] not in m.REGIONS.values():
            return m.STATUS_INVALID_REGION, b""
        self.region = data[0]
        return m.STATUS_OK, b""

    def _set_power(self, data: bytes) -> Reply:
        if len(data) != 2:
            return m.STATUS_WRONG_DATA_LENGTH, b""
        value = int.from_bytes(data, "big", signed=True)
        if value > self.power_limits[1]:
            return m.STATUS_POWER_TOO_HIGH, b""
        if value < self.power_limits[0]:
            return m.STATUS_POWER_TOO_LOW, b""
        self.power_cdbm = value
        return m.STATUS_OK, b""

    def _get_power(self, data: bytes) -> Reply:
        if len(data) != 1:
            return m.STATUS_WRONG_DATA_LENGTH, b""
        value = self.power_cdbm.to_bytes(2, "big", signed=True)
        if data[0] == 0x01:
            lo, hi = self.power_limits
            value += hi.to_bytes(2, "big", signed=True) + lo.to_bytes(2, "big", signed=True)
        return m.STATUS_OK, data[:1] + value

    def _set_antennas(self, data: bytes) -> Reply:
        if len(data) == 2:
            pairs = [(data[0], data[1])]
        elif len(data) >= 3 and data[0] == 0x02 and len(data) % 2 == 1:
            pairs = [(data[i], data[i + 1]) for i in range(1, len(data), 2)]
        else:
            return m.STATUS_WRONG_DATA_LENGTH, b""
        if any(tx != rx or not 1 <= tx <= self.antennas for tx, rx in pairs):
            return m.STATUS_INVALID_ANTENNA_CONFIG, b""
        self.ports = [tx for tx, _ in pairs]
        return m.STATUS_OK, b""

    def _set_option(self, data: bytes) -> Reply:
        if len(data) < 3 or data[0] != 0x01:
            return m.STATUS_WRONG_DATA_LENGTH, b""
        if data[1] == 0x0C:
            self.read_filter = bool(data[2])
        return m.STATUS_OK, b""

    def _multi_protocol(self, data: bytes) -> Reply:
        if len(data) < 3:
            return m.STATUS_WRONG_DATA_LENGTH, b""
        option = data[2]
        if option == m.CONTINUOUS_START:
            if len(data) < 4 or data[3] != m.OP_READ_TAG_ID_MULTIPLE:
                return m.STATUS_INVALID_PARAMETER, b""
            if not self.region:
                return m.STATUS_INVALID_REGION, b""  # a module reads only once a region is set
            self.streaming = True
            self._stream_origin = self._last_sent = self._now
            self.schedule.restart(self._now)
            return m.STATUS_OK, bytes([m.CONTINUOUS_START])
        if option == m.CONTINUOUS_STOP:
            self.streaming = False
            return m.STATUS_OK, bytes([m.CONTINUOUS_STOP])
        return 0x0109, b""  # 1.7: unimplemented feature (e.g. wrapped commands, option 0x04)


_BOOTLOADER_OPS = frozenset(
    {m.OP_VERSION, m.OP_BOOT_FIRMWARE, m.OP_SET_BAUD_RATE, m.OP_GET_CURRENT_PROGRAM}
)


def make_sim(
    profile: DeviceProfile, pty: PtyPair, tags: list[str], rate: float, seed: int = 0
) -> MercurySim:
    """The simulator registry's factory: a module shaped by the profile."""
    rfid, baudrate = rfid_of(profile, 115200)
    return MercurySim(
        pty, tags=usable_epcs(tags), rate=rate, seed=seed,
        baudrate=baudrate,
        antennas=rfid.antennas, min_power_dbm=rfid.min_power_dbm,
        max_power_dbm=rfid.max_power_dbm,
    )  # fmt: skip
