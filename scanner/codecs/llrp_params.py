"""LLRP 1.0.1 parameters: TLV/TV framing and the typed parameters a reader session needs.

Layouts are from the EPCglobal LLRP 1.0.1 standard (2007-08-13), section 16.2 (parameters) and
section 15 (encoding: TLV = 6 reserved bits + 10-bit type, u16 length including the 4-byte
header; TV = 1 bit set + 7-bit type, then a fixed-size value), cross-checked with sllurp's
tables (`sllurp/llrp_proto.py` Param_struct, `sllurp/llrp_decoder.py` TVE_PARAM_FORMATS).
See docs/llrp.md. Pure: no IO.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from dataclasses import dataclass

from scanner.codecs import CodecError

# TV parameter types (16.2.7.3) and the size of each value in bytes.
TV_ANTENNA_ID = 1
TV_FIRST_SEEN_UTC = 2
TV_LAST_SEEN_UTC = 4
TV_PEAK_RSSI = 6
TV_CHANNEL_INDEX = 7
TV_TAG_SEEN_COUNT = 8
TV_ROSPEC_ID = 9
TV_EPC96 = 13
TV_SIZES = {1: 2, 2: 8, 3: 8, 4: 8, 5: 8, 6: 1, 7: 2, 8: 2, 9: 4, 10: 2, 11: 2, 12: 2, 13: 12}
TV_SIZES |= {14: 2, 15: 2, 16: 4, 17: 2, 18: 4, 19: 2, 20: 2}

# TLV parameter types.
P_UTC_TIMESTAMP = 128
P_UPTIME = 129
P_GENERAL_DEVICE_CAPABILITIES = 137
P_ROSPEC = 177
P_RO_BOUNDARY_SPEC = 178
P_ROSPEC_START_TRIGGER = 179
P_ROSPEC_STOP_TRIGGER = 182
P_AISPEC = 183
P_AISPEC_STOP_TRIGGER = 184
P_INVENTORY_PARAMETER_SPEC = 186
P_KEEPALIVE_SPEC = 220
P_ANTENNA_CONFIGURATION = 222
P_RF_TRANSMITTER = 224
P_RO_REPORT_SPEC = 237
P_TAG_REPORT_CONTENT_SELECTOR = 238
P_TAG_REPORT_DATA = 240
P_EPC_DATA = 241
P_READER_EVENT_NOTIFICATION_DATA = 246
P_REPORT_BUFFER_LEVEL_WARNING = 250
P_REPORT_BUFFER_OVERFLOW_ERROR = 251
P_READER_EXCEPTION_EVENT = 252
P_ANTENNA_EVENT = 255
P_CONNECTION_ATTEMPT_EVENT = 256
P_LLRP_STATUS = 287
P_FIELD_ERROR = 288
P_PARAMETER_ERROR = 289
P_C1G2_INVENTORY_COMMAND = 330
P_C1G2_SINGULATION_CONTROL = 336

# LLRPStatus codes (14.1.1 / 16.2.8.1).
STATUS_TEXT = {
    0: "Success",
    100: "ParameterError",
    101: "FieldError",
    102: "UnexpectedParameter",
    103: "MissingParameter",
    104: "DuplicateParameter",
    105: "OverflowParameter",
    106: "OverflowField",
    107: "UnknownParameter",
    108: "UnknownField",
    109: "UnsupportedMessage",
    110: "UnsupportedVersion",
    111: "UnsupportedParameter",
    200: "P_ParameterError",
    201: "P_FieldError",
    202: "P_UnexpectedParameter",
    203: "P_MissingParameter",
    204: "P_DuplicateParameter",
    205: "P_OverflowParameter",
    206: "P_OverflowField",
    207: "P_UnknownParameter",
    208: "P_UnknownField",
    209: "P_UnsupportedParameter",
    300: "A_Invalid",
    301: "A_OutOfRange",
    401: "DeviceError",
}
SUCCESS = 0

# ConnectionAttemptEvent status (16.2.7.6.10).
CONNECTION_TEXT = {
    0: "success",
    1: "failed: a reader-initiated connection already exists",
    2: "failed: a client-initiated connection already exists",
    3: "failed: any reason other than a connection already exists",
    4: "another connection attempted",
}

# TagReportContentSelector flag bits (16.2.7.1), most significant first.
SELECT_ROSPEC_ID = 1 << 15
SELECT_ANTENNA_ID = 1 << 12
SELECT_CHANNEL_INDEX = 1 << 11
SELECT_PEAK_RSSI = 1 << 10
SELECT_FIRST_SEEN = 1 << 9
SELECT_LAST_SEEN = 1 << 8
SELECT_TAG_SEEN_COUNT = 1 << 7
SELECT_STATION_DEFAULT = (
    SELECT_ANTENNA_ID
    | SELECT_CHANNEL_INDEX
    | SELECT_PEAK_RSSI
    | SELECT_FIRST_SEEN
    | SELECT_LAST_SEEN
    | SELECT_TAG_SEEN_COUNT
)


class LLRPError(CodecError):
    """Bytes that are not a valid LLRP message or parameter."""


@dataclass(frozen=True, slots=True)
class Param:
    """One parameter as found on the wire: its type, whether TV, and its value bytes."""

    type: int
    body: bytes
    tv: bool = False


def pack(fmt: str, *values: int) -> bytes:
    """`struct.pack` that raises LLRPError for a value out of its field's range."""
    try:
        return struct.pack(fmt, *values)
    except struct.error as exc:
        raise LLRPError(f"cannot encode {values} as {fmt}: {exc}") from None


def tlv(ptype: int, body: bytes = b"", *subs: bytes) -> bytes:
    """A TLV parameter: header, `body`, then already-encoded sub-parameters."""
    payload = body + b"".join(subs)
    if len(payload) + 4 > 0xFFFF:
        raise LLRPError(f"parameter {ptype} too long ({len(payload)} bytes)")
    return pack(">HH", ptype & 0x3FF, len(payload) + 4) + payload


def tv(ptype: int, value: bytes) -> bytes:
    """A TV parameter; `value` must have the type's fixed size."""
    if TV_SIZES.get(ptype) != len(value):
        raise LLRPError(f"TV parameter {ptype} needs {TV_SIZES.get(ptype)} bytes", value)
    return bytes([0x80 | ptype]) + value


def iter_params(data: bytes) -> Iterator[Param]:
    """The parameters laid end to end in `data`; any malformed one raises LLRPError."""
    pos, n = 0, len(data)
    while pos < n:
        first = data[pos]
        if first & 0x80:
            ptype = first & 0x7F
            size = TV_SIZES.get(ptype)
            if size is None or pos + 1 + size > n:
                raise LLRPError(f"bad TV parameter {ptype}", data[pos:])
            yield Param(ptype, data[pos + 1 : pos + 1 + size], tv=True)
            pos += 1 + size
            continue
        if pos + 4 > n:
            raise LLRPError("truncated parameter header", data[pos:])
        ptype, length = struct.unpack_from(">HH", data, pos)
        if length < 4 or pos + length > n:
            raise LLRPError(f"bad length {length} for parameter {ptype & 0x3FF}", data[pos:])
        yield Param(ptype & 0x3FF, data[pos + 4 : pos + length])
        pos += length


def unpack(fmt: str, body: bytes, what: str) -> tuple[int, ...]:
    """`struct.unpack_from` at offset 0 that raises LLRPError when `body` is short."""
    if len(body) < struct.calcsize(fmt):
        raise LLRPError(f"{what} too short", body)
    return struct.unpack_from(fmt, body)


def utf8_field(body: bytes, offset: int, what: str) -> tuple[str, int]:
    """A u16-counted UTF-8 string at `offset`: (text, offset after it)."""
    if offset + 2 > len(body):
        raise LLRPError(f"{what} too short", body)
    (count,) = struct.unpack_from(">H", body, offset)
    end = offset + 2 + count
    if end > len(body):
        raise LLRPError(f"{what} text overruns its parameter", body)
    try:
        return body[offset + 2 : end].decode("utf-8"), end
    except UnicodeDecodeError as exc:
        raise LLRPError(f"{what} text is not UTF-8", body) from exc


def utf8_bytes(text: str) -> bytes:
    """A u16-counted UTF-8 string."""
    raw = text.encode("utf-8")
    if len(raw) > 0xFFFF:
        raise LLRPError("text longer than 65535 bytes")
    return pack(">H", len(raw)) + raw


@dataclass(frozen=True, slots=True)
class LLRPStatus:
    """LLRPStatus (287): a status code, its description, and the first error detail if any."""

    code: int = SUCCESS
    description: str = ""
    error_param: int | None = None  # ParameterError's parameter type
    error_field: int | None = None  # FieldError's field number

    @property
    def ok(self) -> bool:
        return self.code == SUCCESS

    @property
    def name(self) -> str:
        return STATUS_TEXT.get(self.code, f"status {self.code}")


def encode_status(status: LLRPStatus) -> bytes:
    body = pack(">H", status.code) + utf8_bytes(status.description)
    subs: list[bytes] = []
    if status.error_field is not None:
        subs.append(tlv(P_FIELD_ERROR, pack(">HH", status.error_field, status.code)))
    if status.error_param is not None:
        subs.append(tlv(P_PARAMETER_ERROR, pack(">HH", status.error_param, status.code)))
    return tlv(P_LLRP_STATUS, body, *subs)


def decode_status(body: bytes) -> LLRPStatus:
    (code,) = unpack(">H", body, "LLRPStatus")
    text, pos = utf8_field(body, 2, "LLRPStatus")
    field = param = None
    for p in iter_params(body[pos:]):
        if p.type == P_FIELD_ERROR:
            field = unpack(">HH", p.body, "FieldError")[0]
        elif p.type == P_PARAMETER_ERROR:
            param = unpack(">HH", p.body, "ParameterError")[0]
    return LLRPStatus(code, text, param, field)


def find_status(body: bytes) -> LLRPStatus:
    """The LLRPStatus among `body`'s parameters (every response carries one)."""
    for p in iter_params(body):
        if p.type == P_LLRP_STATUS and not p.tv:
            return decode_status(p.body)
    raise LLRPError("response without LLRPStatus", body)


@dataclass(frozen=True, slots=True)
class Capabilities:
    """GeneralDeviceCapabilities (137) of a GET_READER_CAPABILITIES_RESPONSE."""

    max_antennas: int
    manufacturer: int  # IANA private enterprise number (Impinj 25882, Zebra/Motorola 161)
    model: int
    firmware: str


def encode_capabilities(caps: Capabilities) -> bytes:
    head = pack(">HHII", caps.max_antennas, 0, caps.manufacturer, caps.model)
    return tlv(P_GENERAL_DEVICE_CAPABILITIES, head + utf8_bytes(caps.firmware))


def find_capabilities(body: bytes) -> Capabilities | None:
    """The GeneralDeviceCapabilities among `body`'s parameters, if the reader sent them."""
    for p in iter_params(body):
        if p.type == P_GENERAL_DEVICE_CAPABILITIES and not p.tv:
            antennas, _flags, maker, model = unpack(">HHII", p.body, "capabilities")
            firmware, _ = utf8_field(p.body, 12, "capabilities")
            return Capabilities(antennas, maker, model, firmware)
    return None
