"""Impinj-R2000 "0xA0" serial frames (protocols.md section 2).

`A0 Len Address Cmd Data Check`, Len = 3 + len(Data), Check = two's complement of the byte sum
(2.2). Pure: no IO.
"""

from __future__ import annotations

from dataclasses import dataclass

from scanner.codecs import CodecError
from scanner.codecs.crc import r2000_check
from scanner.codecs.uhf_framing import FrameSplitter

HEAD = 0xA0
BROADCAST = 0xFF  # 2.1: public address; replies carry the reader's own address

# 2.3 commands (pyImpinj ImpinjR2KCommands)
CMD_RESET = 0x70
CMD_SET_BAUD = 0x71
CMD_GET_FIRMWARE_VERSION = 0x72
CMD_SET_WORK_ANTENNA = 0x74
CMD_GET_WORK_ANTENNA = 0x75
CMD_SET_OUTPUT_POWER = 0x76
CMD_GET_OUTPUT_POWER = 0x77
CMD_SET_REGION = 0x78
CMD_GET_REGION = 0x79
CMD_INVENTORY = 0x80
CMD_REAL_TIME_INVENTORY = 0x89

# 2.5 error codes
SUCCESS = 0x10
FAIL = 0x11
ANTENNA_MISSING = 0x22
NO_TAG = 0x36
INVALID_PARAMETER = 0x41
ANTENNA_OUT_OF_RANGE = 0x47
POWER_OUT_OF_RANGE = 0x48
REGION_OUT_OF_RANGE = 0x49

ERROR_TEXT = {
    0x10: "success",
    0x11: "command failed",
    0x20: "MCU reset error",
    0x21: "CW on error",
    0x22: "antenna missing",
    0x23: "write flash error",
    0x24: "read flash error",
    0x25: "set output power error",
    0x31: "tag inventory error",
    0x36: "no tag",
    0x38: "buffer empty",
    0x41: "invalid parameter",
    0x46: "invalid reader address",
    0x47: "antenna ID out of range",
    0x48: "output power out of range",
    0x49: "frequency region out of range",
    0x4A: "baud rate out of range",
    0x52: "PLL lock fail",
    0x53: "RF chip does not respond",
    0x54: "cannot reach output power",
    0x57: "output power too low",
}

# 2.3 region codes with their full channel range (2.4 frequency table indices).
REGIONS = {"FCC": (0x01, 7, 59), "ETSI": (0x02, 0, 6), "CHN": (0x03, 43, 53)}
RSSI_OFFSET = 129  # 2.4: pyImpinj converts dBm = raw - 129


class R2000Error(CodecError):
    """Bytes that are not a valid R2000 frame or payload."""


@dataclass(frozen=True, slots=True)
class R2000Frame:
    """One frame, either direction."""

    address: int
    cmd: int
    data: bytes


@dataclass(frozen=True, slots=True)
class R2000TagRead:
    """One tag frame of a real-time inventory (2.4)."""

    epc: bytes
    pc: int
    antenna: int  # 1-based (wire antenna 0 is port 1)
    frequency_index: int
    rssi_raw: int

    @property
    def rssi(self) -> int:
        """RSSI in dBm."""
        return self.rssi_raw - RSSI_OFFSET

    @property
    def epc_hex(self) -> str:
        """The EPC as upper-case hex."""
        return self.epc.hex().upper()


@dataclass(frozen=True, slots=True)
class R2000RoundEnd:
    """The end of one inventory round: a summary, or an error code (0x36 no tag, ...)."""

    antenna: int  # 1-based; 0 when the reader sent only an error code
    total_reads: int
    read_rate: int | None
    error: int | None = None


def _length_of(buf: bytearray, i: int) -> int | None:
    if i + 1 >= len(buf):
        return None
    length = buf[i + 1]
    return -1 if length < 3 else length + 2


def _check_ok(frame: bytes) -> bool:
    return sum(frame) & 0xFF == 0


class R2000Framer:
    """Incremental framer: `feed(bytes)` -> frames; bad bytes land in `errors`, never raise."""

    def __init__(self, max_buffer: int = 4096) -> None:
        self._splitter = FrameSplitter(HEAD, _length_of, _check_ok, R2000Error, max_buffer)

    @property
    def dropped(self) -> int:
        """Bytes discarded so far."""
        return self._splitter.dropped

    def take_errors(self) -> list[CodecError]:
        """Errors since the last call."""
        return self._splitter.take_errors()

    def feed(self, data: bytes) -> list[R2000Frame]:
        """Add bytes; return the complete valid frames."""
        return [R2000Frame(raw[2], raw[3], raw[4:-1]) for raw in self._splitter.feed(data)]


def decode_frame(raw: bytes) -> R2000Frame:
    """Parse one whole frame; raises R2000Error."""
    if len(raw) < 5 or raw[0] != HEAD or raw[1] + 2 != len(raw):
        raise R2000Error("not an R2000 frame", raw)
    if not _check_ok(raw):
        raise R2000Error("bad R2000 check byte", raw)
    return R2000Frame(raw[2], raw[3], raw[4:-1])


def encode_frame(address: int, cmd: int, data: bytes = b"") -> bytes:
    """A frame (command or response) with its check byte."""
    if len(data) > 250:
        raise R2000Error("R2000 data too long", data)
    body = bytes([HEAD, len(data) + 3, address, cmd]) + data
    return body + bytes([r2000_check(body)])


def encode_set_region(address: int, region: str) -> bytes:
    """0x78 with the region's whole channel range."""
    try:
        code, first, last = REGIONS[region.upper()]
    except KeyError:
        raise R2000Error(f"unknown R2000 region {region!r}") from None
    return encode_frame(address, CMD_SET_REGION, bytes([code, first, last]))


def encode_set_work_antenna(address: int, port: int) -> bytes:
    """0x74 for a 1-based port (the wire counts from 0)."""
    if not 1 <= port <= 4:
        raise R2000Error(f"R2000 work antenna must be 1..4, got {port}")
    return encode_frame(address, CMD_SET_WORK_ANTENNA, bytes([port - 1]))


def encode_set_output_power(address: int, dbm: list[int]) -> bytes:
    """0x76: one value for all ports, or one per port (dBm, 0..33)."""
    if len(dbm) not in (1, 4) or any(not 0 <= p <= 33 for p in dbm):
        raise R2000Error(f"R2000 output power must be 1 or 4 values in 0..33 dBm, got {dbm}")
    return encode_frame(address, CMD_SET_OUTPUT_POWER, bytes(dbm))


def encode_real_time_inventory(address: int, repeat: int = 1) -> bytes:
    """0x89 with `repeat` rounds."""
    return encode_frame(address, CMD_REAL_TIME_INVENTORY, bytes([repeat & 0xFF]))


def decode_inventory(frame: R2000Frame) -> R2000TagRead | R2000RoundEnd:
    """A 0x89 output frame: a tag, a round summary (V3 or V2 layout) or an error (2.4, 6b)."""
    data = frame.data
    n = len(data)
    if n == 1:
        return R2000RoundEnd(antenna=0, total_reads=0, read_rate=None, error=data[0])
    if n == 7:  # V3.x: AntID, ReadRate u16, TotalRead u32
        total = int.from_bytes(data[3:7], "big")
        return R2000RoundEnd(data[0] + 1, total, data[1] << 8 | data[2])
    if n == 5:  # V2.x (IND903): AntID, TotalRead u32
        return R2000RoundEnd(data[0] + 1, int.from_bytes(data[1:5], "big"), None)
    if n < 6 or n % 2:
        raise R2000Error("0x89 frame is neither a tag nor a summary", data)
    freq_ant = data[0]
    return R2000TagRead(
        epc=data[3:-1],
        pc=data[1] << 8 | data[2],
        antenna=(freq_ant & 0x03) + 1,
        frequency_index=freq_ant >> 2,
        rssi_raw=data[-1],
    )


def encode_tag_frame(
    address: int,
    epc: bytes,
    *,
    antenna: int,
    rssi_dbm: int,
    frequency_index: int,
    pc_flags: int = 0,
) -> bytes:
    """A 0x89 tag frame as a reader sends it (antenna 1-based; `pc_flags` are PC bits besides
    the length, 0x0100 being the toggle bit)."""
    if len(epc) % 2 or not 0 < len(epc) <= 62:
        raise R2000Error("EPC must be 2..62 bytes, whole words", epc)
    pc = (len(epc) // 2) << 11 | pc_flags & 0x07FF
    raw_rssi = max(0, min(255, rssi_dbm + RSSI_OFFSET))
    freq_ant = (frequency_index & 0x3F) << 2 | (antenna - 1) & 0x03
    data = bytes([freq_ant]) + pc.to_bytes(2, "big") + epc + bytes([raw_rssi])
    return encode_frame(address, CMD_REAL_TIME_INVENTORY, data)


def encode_round_summary(address: int, antenna: int, read_rate: int, total: int) -> bytes:
    """The V3.x success summary of a 0x89 round (antenna 1-based)."""
    data = bytes([antenna - 1]) + read_rate.to_bytes(2, "big") + total.to_bytes(4, "big")
    return encode_frame(address, CMD_REAL_TIME_INVENTORY, data)


def frequency_mhz(index: int) -> float:
    """Channel index -> MHz (pyImpinj FREQUENCY_TABLES)."""
    if index <= 6:
        return 865.0 + 0.5 * index
    return 902.0 + 0.5 * (index - 7)


def error_text(code: int) -> str:
    """A readable name for an error code (2.5)."""
    return f"0x{code:02X} {ERROR_TEXT.get(code, 'reader error')}"
