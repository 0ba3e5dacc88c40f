"""ThingMagic / JADAK Mercury serial frames (protocols.md section 1).

Host -> module: `FF LEN OPCODE DATA CRC16`; module -> host: `FF LEN OPCODE STATUS DATA CRC16`
(1.2). CRC is the TM CRC (section 0) over LEN..DATA, big-endian. Pure: no IO.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from scanner.codecs import CodecError
from scanner.codecs.crc import gen2_crc, tm_crc
from scanner.codecs.uhf_framing import FrameSplitter

SOH = 0xFF
MAX_LEN = 0xF8  # 1.2: the API's receive rule, LEN <= 0xF8

# 1.3 opcodes (serial_reader_imp.h)
OP_VERSION = 0x03
OP_BOOT_FIRMWARE = 0x04
OP_SET_BAUD_RATE = 0x06
OP_GET_CURRENT_PROGRAM = 0x0C
OP_READ_TAG_ID_MULTIPLE = 0x22
OP_GET_TAG_ID_BUFFER = 0x29
OP_CLEAR_TAG_ID_BUFFER = 0x2A
OP_MULTI_PROTOCOL_TAG_OP = 0x2F
OP_GET_READ_TX_POWER = 0x62
OP_GET_TAG_PROTOCOL = 0x63
OP_GET_REGION = 0x67
OP_SET_ANTENNA_PORT = 0x91
OP_SET_READ_TX_POWER = 0x92
OP_SET_TAG_PROTOCOL = 0x93
OP_SET_REGION = 0x97
OP_SET_READER_OPTIONAL_PARAMS = 0x9A

# 1.7 status words
STATUS_OK = 0x0000
STATUS_WRONG_DATA_LENGTH = 0x0100
STATUS_INVALID_OPCODE = 0x0101
STATUS_POWER_TOO_HIGH = 0x0103
STATUS_INVALID_PARAMETER = 0x0105
STATUS_POWER_TOO_LOW = 0x0106
STATUS_INVALID_REGION = 0x010B
STATUS_NO_TAGS = 0x0400
STATUS_TEMPERATURE = 0x0504
STATUS_HIGH_RETURN_LOSS = 0x0505
STATUS_INVALID_ANTENNA_CONFIG = 0x0507

STATUS_TEXT = {
    0x0100: "wrong number of data bytes",
    0x0101: "invalid opcode",
    0x0102: "unimplemented opcode",
    0x0103: "power too high",
    0x0104: "invalid frequency",
    0x0105: "invalid parameter value",
    0x0106: "power too low",
    0x0109: "unimplemented feature",
    0x010A: "invalid baud rate",
    0x010B: "invalid region",
    0x0400: "no tags found",
    0x0401: "no protocol defined",
    0x0402: "invalid protocol",
    0x0503: "antenna not connected",
    0x0504: "temperature exceeds limits",
    0x0505: "high return loss (antenna problem)",
    0x0507: "invalid antenna configuration",
    0x7F00: "unknown system error",
    0x7F01: "assert failed",
}

# 1.4 region codes (tmr_region.h)
REGIONS = {
    "NA": 0x01, "EU": 0x02, "KR": 0x03, "IN": 0x04, "JP": 0x05, "PRC": 0x06, "EU2": 0x07,
    "EU3": 0x08, "KR2": 0x09, "PRC2": 0x0A, "AU": 0x0B, "NZ": 0x0C, "NA2": 0x0D, "NA3": 0x0E,
    "IS": 0x0F, "MY": 0x10, "ID": 0x11, "PH": 0x12, "TW": 0x13, "MO": 0x14, "RU": 0x15,
    "SG": 0x16, "JP2": 0x17, "JP3": 0x18, "VN": 0x19, "TH": 0x1A, "AR": 0x1B, "HK": 0x1C,
    "BD": 0x1D, "EU4": 0x1E, "OPEN": 0xFF,
}  # fmt: skip

PROTOCOL_GEN2 = 0x05  # 1.4 SET_TAG_PROTOCOL
METADATA_ALL = 0x01FF  # 1.5: READCOUNT..GPIO_STATUS, the set decoded here
STREAM_SEARCH_FLAGS = 0x001B  # 1.4: large population + streaming + configured antenna list
CONTINUOUS_START = 0x01  # 1.4: first DATA byte of the 0x2F start acknowledgement
CONTINUOUS_STOP = 0x02  # 1.4: first DATA byte of the 0x2F stop answer
RESPONSE_TAG = 0x01  # 1.5: response type of a streamed tag record


class MercuryError(CodecError):
    """Bytes that are not a valid Mercury frame or payload."""


@dataclass(frozen=True, slots=True)
class MercuryFrame:
    """One frame; `status` is None for host -> module frames."""

    opcode: int
    data: bytes
    status: int | None = None


@dataclass(frozen=True, slots=True)
class MercuryVersion:
    """The version block of VERSION and BOOT_FIRMWARE responses (1.5)."""

    bootloader: bytes
    hardware: bytes
    firmware_date: bytes
    firmware_version: bytes
    protocols: int

    @property
    def model(self) -> int:
        """Model byte: hardware[0] (M6e 0x18, Micro 0x20, Nano 0x30, ...)."""
        return self.hardware[0]


@dataclass(frozen=True, slots=True)
class MercuryTagRead:
    """One streamed tag record (1.5) with metadata flags 0x01FF."""

    epc: bytes
    pc: int
    rssi: int
    antenna: int
    frequency_khz: int
    timestamp_ms: int
    phase: int
    read_count: int
    protocol: int

    @property
    def epc_hex(self) -> str:
        """The EPC as upper-case hex."""
        return self.epc.hex().upper()


def _length_of_response(buf: bytearray, i: int) -> int | None:
    if i + 1 >= len(buf):
        return None
    length = buf[i + 1]
    return -1 if length > MAX_LEN else length + 7


def _length_of_command(buf: bytearray, i: int) -> int | None:
    if i + 1 >= len(buf):
        return None
    length = buf[i + 1]
    return -1 if length > MAX_LEN else length + 5


def _crc_ok(frame: bytes) -> bool:
    return tm_crc(frame[1:-2]) == (frame[-2] << 8 | frame[-1])


class MercuryFramer:
    """Incremental framer: `feed(bytes)` -> frames; bad bytes land in `errors`, never raise."""

    def __init__(self, responses: bool = True, max_buffer: int = 4096) -> None:
        self._responses = responses
        rule = _length_of_response if responses else _length_of_command
        self._splitter = FrameSplitter(SOH, rule, _crc_ok, MercuryError, max_buffer)

    @property
    def dropped(self) -> int:
        """Bytes discarded so far (garbage, bad checksums, truncated frames)."""
        return self._splitter.dropped

    def take_errors(self) -> list[CodecError]:
        """Errors since the last call."""
        return self._splitter.take_errors()

    def feed(self, data: bytes) -> list[MercuryFrame]:
        """Add bytes; return the complete valid frames."""
        raws = self._splitter.feed(data)  # length and CRC already checked by the splitter
        if self._responses:
            return [MercuryFrame(r[2], r[5:-2], r[3] << 8 | r[4]) for r in raws]
        return [MercuryFrame(r[2], r[3:-2]) for r in raws]


def _check_frame(raw: bytes, overhead: int) -> None:
    if len(raw) < overhead or raw[0] != SOH or raw[1] + overhead != len(raw):
        raise MercuryError("not a Mercury frame", raw)
    if not _crc_ok(raw):
        raise MercuryError("bad TM CRC", raw)


def decode_response(raw: bytes) -> MercuryFrame:
    """Parse one whole module -> host frame; raises MercuryError."""
    _check_frame(raw, 7)
    return MercuryFrame(raw[2], raw[5:-2], raw[3] << 8 | raw[4])


def decode_command(raw: bytes) -> MercuryFrame:
    """Parse one whole host -> module frame; raises MercuryError."""
    _check_frame(raw, 5)
    return MercuryFrame(raw[2], raw[3:-2])


def _seal(body: bytes) -> bytes:
    return b"\xff" + body + tm_crc(body).to_bytes(2, "big")


def encode_command(opcode: int, data: bytes = b"") -> bytes:
    """A host -> module frame."""
    if len(data) > MAX_LEN:
        raise MercuryError("command data too long", data)
    return _seal(bytes([len(data), opcode]) + data)


def encode_response(opcode: int, status: int = STATUS_OK, data: bytes = b"") -> bytes:
    """A module -> host frame (what the simulator sends)."""
    if len(data) > MAX_LEN:
        raise MercuryError("response data too long", data)
    return _seal(bytes([len(data), opcode]) + status.to_bytes(2, "big") + data)


def encode_set_region(region: str) -> bytes:
    """SET_REGION 0x97 for a region name from tmr_region.h (NA2, EU3, ...)."""
    try:
        code = REGIONS[region.upper()]
    except KeyError:
        raise MercuryError(f"unknown Mercury region {region!r}") from None
    return encode_command(OP_SET_REGION, bytes([code]))


def encode_set_read_power(centi_dbm: int) -> bytes:
    """SET_READ_TX_POWER 0x92: signed 16-bit centi-dBm."""
    return encode_command(OP_SET_READ_TX_POWER, centi_dbm.to_bytes(2, "big", signed=True))


def encode_set_antennas(ports: list[int], search_list: bool = False) -> bytes:
    """SET_ANTENNA_PORT 0x91: `TX RX` for one port, the search list `02 (TX RX)*` for several."""
    if not ports or any(not 1 <= p <= 15 for p in ports):
        raise MercuryError(f"antenna ports must be 1..15, got {ports!r}")
    if len(ports) == 1 and not search_list:
        return encode_command(OP_SET_ANTENNA_PORT, bytes([ports[0], ports[0]]))
    pairs = b"".join(bytes([p, p]) for p in ports)
    return encode_command(OP_SET_ANTENNA_PORT, b"\x02" + pairs)


def encode_set_baud_rate(rate: int) -> bytes:
    """SET_BAUD_RATE 0x06: the rate as u32 big-endian."""
    return encode_command(OP_SET_BAUD_RATE, rate.to_bytes(4, "big"))


def encode_set_tag_protocol(protocol: int = PROTOCOL_GEN2) -> bytes:
    """SET_TAG_PROTOCOL 0x93: u16 protocol (Gen2 = 5)."""
    return encode_command(OP_SET_TAG_PROTOCOL, protocol.to_bytes(2, "big"))


def encode_set_read_filter(enabled: bool) -> bytes:
    """SET_READER_OPTIONAL_PARAMS 0x9A key 0x0C: off = report every read (needed to stream)."""
    return encode_command(OP_SET_READER_OPTIONAL_PARAMS, bytes([0x01, 0x0C, int(enabled)]))


def encode_read_tag_multiple(timeout_ms: int, search_flags: int, option: int = 0) -> bytes:
    """READ_TAG_ID_MULTIPLE 0x22, synchronous: option, search flags u16, timeout u16."""
    return encode_command(
        OP_READ_TAG_ID_MULTIPLE, struct.pack(">BHH", option, search_flags, timeout_ms)
    )


def encode_get_tag_buffer(metadata: int = METADATA_ALL, read_option: int = 0) -> bytes:
    """GET_TAG_ID_BUFFER 0x29: metadata flags u16, read option."""
    return encode_command(OP_GET_TAG_ID_BUFFER, struct.pack(">HB", metadata, read_option))


def encode_start_continuous(
    metadata: int = METADATA_ALL, on_time_ms: int = 1000, search_flags: int = STREAM_SEARCH_FLAGS
) -> bytes:
    """MULTI_PROTOCOL_TAG_OP 0x2F with an embedded streaming READ_TAG_ID_MULTIPLE (1.4)."""
    inner = struct.pack(">BBHHH", OP_READ_TAG_ID_MULTIPLE, 0x10, search_flags, on_time_ms, metadata)
    # PLEN counts the embedded command's bytes after its opcode (7 in SparkFun's blob).
    plen = len(inner) - 1
    outer = struct.pack(">HBBHBB", 0, 0x01, OP_READ_TAG_ID_MULTIPLE, 0, PROTOCOL_GEN2, plen)
    return encode_command(OP_MULTI_PROTOCOL_TAG_OP, outer + inner)


def encode_stop_continuous() -> bytes:
    """0x2F stop: timeout 0, option 0x02."""
    return encode_command(OP_MULTI_PROTOCOL_TAG_OP, b"\x00\x00\x02")


def decode_version(data: bytes) -> MercuryVersion:
    """The 20-byte version block (1.5)."""
    if len(data) < 20:
        raise MercuryError("version block shorter than 20 bytes", data)
    return MercuryVersion(data[0:4], data[4:8], data[8:12], data[12:16], _u32(data, 16))


def encode_version(version: MercuryVersion) -> bytes:
    """The version block as DATA bytes."""
    head = version.bootloader + version.hardware + version.firmware_date + version.firmware_version
    return head + version.protocols.to_bytes(4, "big")


def _u32(data: bytes, offset: int) -> int:
    return int.from_bytes(data[offset : offset + 4], "big")


_META = struct.Struct(">BbBHBIHB")  # read count, RSSI, antenna, freq (u24 as H+B), t, phase, proto


def decode_tag_record(frame: MercuryFrame) -> MercuryTagRead | None:
    """A streamed tag read (opcode 0x22, metadata 0x01FF), or None for other stream frames
    (keep-alives, end of stream, status reports)."""
    data = frame.data
    if frame.opcode != OP_READ_TAG_ID_MULTIPLE or frame.status != STATUS_OK or len(data) < 6:
        return None
    off = 1 if data[0] == 0x88 else 0  # 1.5: multi-select puts 0x88 before the option byte
    if len(data) < off + 6 or data[off + 5] != RESPONSE_TAG:
        return None
    flags = data[off + 3] << 8 | data[off + 4]
    if flags != METADATA_ALL:
        raise MercuryError(f"unsupported metadata flags 0x{flags:04X}", data)
    try:
        count, rssi, ant, f_hi, f_lo, t_ms, phase, proto = _META.unpack_from(data, off + 6)
        pos = off + 6 + _META.size
        data_bits = data[pos] << 8 | data[pos + 1]
        pos += 2 + (data_bits + 7) // 8 + 1  # embedded data, then the GPIO status byte
        epc_bits = data[pos] << 8 | data[pos + 1]
        pc = data[pos + 2] << 8 | data[pos + 3]
    except (struct.error, IndexError):
        raise MercuryError("truncated tag record", data) from None
    meta = (count, rssi, ant, f_hi << 8 | f_lo, t_ms, phase, proto)
    return _finish_tag(data, pos + 4, epc_bits, pc, meta)


def _finish_tag(
    data: bytes, pos: int, epc_bits: int, pc: int, meta: tuple[int, int, int, int, int, int, int]
) -> MercuryTagRead:
    skip = 0
    if pc & 0x0200:  # XPC_W1 follows the PC, and XPC_W2 when W1's top bit is set
        skip = 4 if pos + 1 < len(data) and data[pos] & 0x80 else 2
    epc_len = epc_bits // 8 - 4 - skip  # bits count PC + [XPC] + EPC + tag CRC
    start = pos + skip
    if epc_len < 0 or start + epc_len + 2 != len(data):
        raise MercuryError("tag record EPC length does not match the frame", data)
    count, rssi, ant, freq, t_ms, phase, proto = meta
    tx = ant >> 4
    return MercuryTagRead(
        epc=data[start : start + epc_len],
        pc=pc,
        rssi=rssi,
        antenna=tx or ant & 0x0F,
        frequency_khz=freq,
        timestamp_ms=t_ms,
        phase=phase,
        read_count=count,
        protocol=proto,
    )


def encode_tag_record(
    epc: bytes,
    *,
    rssi: int,
    antenna: int,
    frequency_khz: int,
    timestamp_ms: int,
    read_count: int = 1,
    phase: int = 0,
    pc_flags: int = 0,
) -> bytes:
    """A streamed 0x22 tag-record frame with metadata 0x01FF (what a module sends); `pc_flags`
    are PC bits besides the length (0x0100: the toggle bit)."""
    if len(epc) % 2 or not 0 < len(epc) <= 62:
        raise MercuryError("EPC must be 2..62 bytes, whole words", epc)
    pc = (len(epc) // 2) << 11 | pc_flags & 0x07FF
    tag = pc.to_bytes(2, "big") + epc
    tag += gen2_crc(tag).to_bytes(2, "big")
    head = struct.pack(">BHHB", 0x10, STREAM_SEARCH_FLAGS, METADATA_ALL, RESPONSE_TAG)
    meta = _META.pack(
        read_count, rssi, antenna << 4 | antenna, frequency_khz >> 8, frequency_khz & 0xFF,
        timestamp_ms & 0xFFFFFFFF, phase, PROTOCOL_GEN2,
    )  # fmt: skip
    tail = b"\x00\x00\x0f" + (len(tag) * 8).to_bytes(2, "big") + tag
    return encode_response(OP_READ_TAG_ID_MULTIPLE, STATUS_OK, head + meta + tail)


def status_text(status: int) -> str:
    """A readable name for a status word (1.7)."""
    return f"0x{status:04X} {STATUS_TEXT.get(status, 'reader error')}"
