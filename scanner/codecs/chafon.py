"""Chafon UHFReader18 / UHFReader288 / CF-RU5102 serial frames (protocols.md section 3).

Command `Len Adr Cmd Data CRC-LSB CRC-MSB` (Len = len(Data) + 4); response
`Len Adr reCmd Status Data CRC-LSB CRC-MSB` (Len = len(Data) + 5); CRC-16/MCRF4XX over Len..Data
(section 0, check value 0x6F91). There is no start byte, so the framer resynchronises on the
length byte plus the CRC. Pure: no IO.
"""

from __future__ import annotations

from dataclasses import dataclass

from scanner.codecs import CodecError
from scanner.codecs.crc import chafon_crc

BROADCAST = 0xFF  # 3.1: replies carry the reader's own address, also to a broadcast

# 3.2 commands (wabson command.py)
CMD_INVENTORY = 0x01
CMD_READER_INFO = 0x21
CMD_SET_FREQUENCY = 0x22
CMD_SET_ADDRESS = 0x24
CMD_SET_SCAN_TIME = 0x25
CMD_SET_BAUD = 0x28
CMD_SET_POWER = 0x2F
CMD_SET_WORK_MODE = 0x35
CMD_GET_WORK_MODE = 0x36
CMD_SET_WORK_MODE_288 = 0x76
RECMD_SCAN_PUSH = 0xEE  # 3.4: frames the reader pushes in scan (active) mode
RECMD_UNKNOWN = 0x00  # 3.1: reCmd of a reply to a command the reader did not recognise

# 3.3 inventory status; 0xF9..0xFF from the ZK-RFID102 / UHFReader18 manual's status table.
STATUS_OK = 0x00
STATUS_DONE = 0x01
STATUS_SCAN_TIME_OVERFLOW = 0x02
STATUS_MORE_FRAMES = 0x03
STATUS_MEMORY_FULL = 0x04
STATUS_ANTENNA_ERROR = 0xF8
STATUS_NO_TAG = 0xFB  # 6b: some firmware ends an empty round with 0xFB instead of 0x01 Num=0
STATUS_EAS_ALARM = 0xEE
STATUS_HEARTBEAT = 0x28  # 3.4: UR-series scan-mode heartbeat (no tag in the interval)

STATUS_TEXT = {
    0x00: "success",
    0x01: "inventory complete",
    0x02: "inventory scan time overflow",
    0x03: "more frames follow",
    0x04: "reader memory full",
    0xF8: "antenna error",
    0xF9: "command execution error",
    0xFA: "poor communication with the tag",
    0xFB: "no tag",
    0xFC: "tag returned an error code",
    0xFD: "command length wrong",
    0xFE: "illegal command",
    0xFF: "parameter error",
}

# 3.4 work mode (0x35) Read_mode values
READ_MODE_ANSWER = 0x00
READ_MODE_SCAN = 0x01

MIN_COMMAND_LEN = 4  # 3.1: 4 <= Len
MIN_RESPONSE_LEN = 5
# Replies a host can receive; a resync candidate must carry one of these (a CRC alone lets
# one random 20-byte window in 65,536 through).
KNOWN_RECMDS = frozenset(
    {
        RECMD_UNKNOWN,
        CMD_INVENTORY,
        CMD_READER_INFO,
        CMD_SET_FREQUENCY,
        CMD_SET_ADDRESS,
        CMD_SET_SCAN_TIME,
        CMD_SET_BAUD,
        CMD_SET_POWER,
        CMD_SET_WORK_MODE,
        CMD_GET_WORK_MODE,
        CMD_SET_WORK_MODE_288,
        RECMD_SCAN_PUSH,
    }
)


_TAG_STATUSES = frozenset(
    {STATUS_DONE, STATUS_SCAN_TIME_OVERFLOW, STATUS_MORE_FRAMES, STATUS_MEMORY_FULL}
)


class ChafonError(CodecError):
    """Bytes that are not a valid Chafon frame or payload."""


@dataclass(frozen=True, slots=True)
class ChafonFrame:
    """One frame: `status` is None for a command (host to reader)."""

    address: int
    cmd: int
    status: int | None
    data: bytes


@dataclass(frozen=True, slots=True)
class ChafonTag:
    """One tag of an inventory reply or scan-mode push."""

    epc: bytes
    antenna: int | None = None  # 1-based; None when the dialect does not say
    rssi_raw: int | None = None

    @property
    def epc_hex(self) -> str:
        """The EPC in upper-case hex."""
        return self.epc.hex().upper()


@dataclass(frozen=True, slots=True)
class ChafonInventory:
    """One inventory reply frame (3.3): its status and tags."""

    status: int
    tags: tuple[ChafonTag, ...]
    antenna: int | None = None


@dataclass(frozen=True, slots=True)
class ChafonReaderInfo:
    """Reader information (0x21 reply, 3.3)."""

    version: str
    reader_type: int
    protocols: int
    max_freq: int
    min_freq: int
    power_dbm: int
    scan_time: int  # x 100 ms


def _crc_ok(frame: bytes | bytearray) -> bool:
    return chafon_crc(bytes(frame[:-2])) == frame[-2] | frame[-1] << 8


def _check(body: bytes) -> bytes:
    crc = chafon_crc(body)
    return bytes([crc & 0xFF, crc >> 8])


def encode_command(address: int, cmd: int, data: bytes = b"") -> bytes:
    """A host-to-reader frame with its CRC."""
    if len(data) > 0xFF - MIN_COMMAND_LEN:
        raise ChafonError("Chafon command data too long", data)
    body = bytes([len(data) + MIN_COMMAND_LEN, address & 0xFF, cmd & 0xFF]) + data
    return body + _check(body)


def encode_response(address: int, cmd: int, status: int, data: bytes = b"") -> bytes:
    """A reader-to-host frame with its CRC (used by the simulator and tests)."""
    if len(data) > 0xFF - MIN_RESPONSE_LEN:
        raise ChafonError("Chafon response data too long", data)
    body = bytes([len(data) + MIN_RESPONSE_LEN, address & 0xFF, cmd & 0xFF, status & 0xFF])
    return body + data + _check(body + data)


def _decode(raw: bytes, response: bool) -> ChafonFrame:
    minimum = MIN_RESPONSE_LEN if response else MIN_COMMAND_LEN
    if len(raw) < minimum + 1 or raw[0] + 1 != len(raw) or raw[0] < minimum:
        raise ChafonError("not a Chafon frame (length)", raw)
    if not _crc_ok(raw):
        raise ChafonError("bad Chafon CRC", raw)
    if response:
        return ChafonFrame(raw[1], raw[2], raw[3], raw[4:-2])
    return ChafonFrame(raw[1], raw[2], None, raw[3:-2])


def decode_response(raw: bytes) -> ChafonFrame:
    """Parse one whole reader-to-host frame; raises ChafonError."""
    return _decode(raw, response=True)


def decode_command(raw: bytes) -> ChafonFrame:
    """Parse one whole host-to-reader frame; raises ChafonError."""
    return _decode(raw, response=False)


class ChafonFramer:
    """Incremental framer: `feed(bytes)` -> frames. Never raises: bad bytes are dropped,
    counted in `dropped` and kept as errors (`take_errors`); the next good frame is found.

    Any split of one byte stream into `feed` calls yields the same frames. When the frame that
    seems to start at the head is not complete yet, a complete good frame later in the buffer
    wins (the head byte was garbage), which is how truncated frames are skipped.
    """

    def __init__(self, *, responses: bool = True, max_buffer: int = 4096) -> None:
        self._responses = responses
        self._min = MIN_RESPONSE_LEN if responses else MIN_COMMAND_LEN
        self._max_buffer = max_buffer
        self._buf = bytearray()
        self._garbage = bytearray()
        self._reason = ""
        self.dropped = 0
        self.errors: list[CodecError] = []

    def feed(self, data: bytes) -> list[ChafonFrame]:
        """Add bytes; return the complete frames with a good CRC, in order."""
        buf = self._buf
        buf += data
        out: list[ChafonFrame] = []
        pos, n = 0, len(buf)
        while pos < n:
            length = buf[pos]
            if length < self._min:
                self._discard(pos, pos + 1, "bad length byte")
                pos += 1
                continue
            end = pos + length + 1
            if end > n:
                later = self._later_frame(pos + 1, n)
                if later is None:
                    break
                self._discard(pos, later, "truncated frame")
                pos = later
                continue
            if _crc_ok(buf[pos:end]):
                self._flush_garbage()
                out.append(self._frame(bytes(buf[pos:end])))
                pos = end
            else:
                self._discard(pos, pos + 1, "bad CRC")
                pos += 1
        del buf[:pos]
        if len(buf) > self._max_buffer:
            cut = len(buf) - self._max_buffer
            self._discard(0, cut, "buffer overflow")
            del buf[:cut]
        self._flush_garbage()
        return out

    def take_errors(self) -> list[CodecError]:
        """The errors seen since the last call, oldest first."""
        errors, self.errors = self.errors, []
        return errors

    def _frame(self, raw: bytes) -> ChafonFrame:
        if self._responses:
            return ChafonFrame(raw[1], raw[2], raw[3], raw[4:-2])
        return ChafonFrame(raw[1], raw[2], None, raw[3:-2])

    def _later_frame(self, begin: int, n: int) -> int | None:
        buf = self._buf
        for j in range(begin, n):
            length = buf[j]
            end = j + length + 1
            if length < self._min or end > n:
                continue
            if self._responses and buf[j + 2] not in KNOWN_RECMDS:
                continue
            if _crc_ok(buf[j:end]):
                return j
        return None

    def _discard(self, start: int, stop: int, reason: str) -> None:
        if not self._garbage:
            self._reason = reason
        self._garbage += self._buf[start:stop]
        self.dropped += stop - start

    def _flush_garbage(self) -> None:
        if self._garbage:
            self.errors.append(
                ChafonError(f"discarded bytes ({self._reason})", bytes(self._garbage))
            )
            del self.errors[:-32]  # a noisy line must not grow memory
            self._garbage = bytearray()


def decode_inventory(frame: ChafonFrame, *, with_antenna_rssi: bool) -> ChafonInventory:
    """An 0x01 reply: UHFReader18 `Num (EPCLen EPC)*`, or UHFReader288
    `Ant Num (EPCLen EPC RSSI)*` with `with_antenna_rssi` (3.3). An error status has no tags."""
    data, status = frame.data, frame.status if frame.status is not None else STATUS_OK
    if status not in _TAG_STATUSES or (status == STATUS_DONE and not data):
        return ChafonInventory(status, ())  # some firmware ends an empty round bare (6b)
    antenna: int | None = None
    pos = 0
    if with_antenna_rssi:
        if not data:
            raise ChafonError("UHFReader288 inventory reply without antenna byte", data)
        antenna = _antenna_from_mask(data[0])
        pos = 1
    if pos >= len(data):
        if status == STATUS_DONE:  # some firmware ends an empty round without Num
            return ChafonInventory(status, (), antenna)
        raise ChafonError("inventory reply without tag count", data)
    count = data[pos]
    pos += 1
    tags: list[ChafonTag] = []
    suffix = 1 if with_antenna_rssi else 0
    for _ in range(count):
        if pos >= len(data):
            raise ChafonError("inventory reply shorter than its tag count", data)
        epc_len = data[pos]
        end = pos + 1 + epc_len
        if epc_len == 0 or end + suffix > len(data):
            raise ChafonError("inventory tag record overruns the reply", data)
        rssi = data[end] if with_antenna_rssi else None
        tags.append(ChafonTag(bytes(data[pos + 1 : end]), antenna, rssi))
        pos = end + suffix
    if pos != len(data):
        raise ChafonError("trailing bytes after the inventory tag records", data)
    return ChafonInventory(status, tuple(tags), antenna)


def _antenna_from_mask(mask: int) -> int | None:
    # 3.3: the 288 reply names the antenna as a bit mask 1/2/4/8 (wabson maps it to 1..4);
    # anything else names no single port, and the caller falls back to the port it polled.
    if mask == 0 or mask & (mask - 1):
        return None
    return mask.bit_length()


def encode_inventory_reply(
    address: int, status: int, tags: list[ChafonTag], *, with_antenna_rssi: bool, antenna: int = 1
) -> bytes:
    """An 0x01 reply frame in either dialect (for the simulator and tests)."""
    body = bytearray()
    if with_antenna_rssi:
        body.append(1 << (antenna - 1))
    body.append(len(tags))
    for tag in tags:
        body.append(len(tag.epc))
        body += tag.epc
        if with_antenna_rssi:
            body.append((tag.rssi_raw or 0) & 0xFF)
    return encode_response(address, CMD_INVENTORY, status, bytes(body))


def decode_scan_push(frame: ChafonFrame, *, ant_len_epc_rssi: bool = False) -> ChafonTag | None:
    """A scan-mode push (reCmd 0xEE, 3.4): the tag, or None for an EAS alarm (Status 0xEE) or
    a UR-series heartbeat (Status 0x28).

    The classic dialect carries the bare EPC; the newer UR-series one `Ant Len EPC RSSI`, with
    Ant a bit mask of antennas.
    """
    data = frame.data
    if frame.status in (STATUS_EAS_ALARM, STATUS_HEARTBEAT):
        return None
    if frame.status != STATUS_OK or not data:
        raise ChafonError(f"scan-mode push with status {frame.status}", data)
    if not ant_len_epc_rssi:
        return ChafonTag(bytes(data))
    if len(data) < 4 or data[1] + 3 != len(data) or data[1] == 0:
        raise ChafonError("scan-mode push is not Ant Len EPC RSSI", data)
    return ChafonTag(bytes(data[2:-1]), _antenna_from_mask(data[0]), data[-1])


def decode_reader_info(frame: ChafonFrame) -> ChafonReaderInfo:
    """The 0x21 reply: Version(2) Type Tr_Type DMaxFre DMinFre Power ScanTime [extra]."""
    data = frame.data
    if len(data) < 8:
        raise ChafonError("reader info reply too short", data)
    return ChafonReaderInfo(
        version=f"{data[0]}.{data[1]:02d}",
        reader_type=data[2],
        protocols=data[3],
        max_freq=data[4],
        min_freq=data[5],
        power_dbm=data[6],
        scan_time=data[7],
    )


def encode_reader_info(address: int, info: ChafonReaderInfo, extra: bytes = b"") -> bytes:
    """The 0x21 reply frame (for the simulator and tests)."""
    major, _, minor = info.version.partition(".")
    fields = [int(major), int(minor or 0), info.reader_type, info.protocols]
    fields += [info.max_freq, info.min_freq, info.power_dbm, info.scan_time]
    return encode_response(address, CMD_READER_INFO, STATUS_OK, bytes(fields) + extra)


def encode_inventory_288(
    address: int, *, antenna: int, scan_time: int, q: int = 4, session: int = 0
) -> bytes:
    """UHFReader288 0x01: QValue Session MaskMem MaskAdr(2) MaskLen Target Ant ScanTime (3.3)."""
    data = bytes([q & 0x0F, session & 0xFF, 0x01, 0, 0, 0, 0, 0x80 + antenna - 1, scan_time])
    return encode_command(address, CMD_INVENTORY, data)


def encode_work_mode(address: int, read_mode: int, *, tag_time: int = 0) -> bytes:
    """0x35 set work mode (UHFReader18): RS232 output, beep off, multi-tag EPC (3.4)."""
    # Mode_state 0b110: bit1 RS232/485 output (not Wiegand), bit2 beep off; Mem_Inven 0x04.
    data = bytes([read_mode, 0b110, 0x04, 0x00, 0x00, tag_time])
    return encode_command(address, CMD_SET_WORK_MODE, data)


def status_text(status: int) -> str:
    """A person-readable name for a status byte."""
    return STATUS_TEXT.get(status, f"status {status:#04x}")
