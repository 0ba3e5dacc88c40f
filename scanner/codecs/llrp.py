"""LLRP 1.0.1 messages (EPCglobal Low Level Reader Protocol, ratified 2007-08-13).

Message header (section 15.1), 10 bytes big-endian: u16 = 3 reserved bits, 3-bit version
(1 = LLRP 1.0.1), 10-bit message type; u32 length of the whole message; u32 message ID (a
response echoes its request's ID). Message types (section 16.1) and parameter layouts
(section 16.2) are from the standard's text, cross-checked against sllurp 3.0.5
(github.com/sllurp/sllurp `sllurp/llrp_proto.py` Message_struct / Param_struct and
`sllurp/llrp_decoder.py`), which also ships the standard as `docs/llrp_1_0_1-standard-20070813.pdf`.
See docs/llrp.md. Parameters live in `llrp_params`, `llrp_reports` and `llrp_spec`.

Pure: no IO. LLRP runs over TCP with no start byte to resynchronise on, so a bad header
raises CodecError and the connection must be dropped.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from scanner.codecs.llrp_params import (
    Capabilities,
    LLRPError,
    LLRPStatus,
    encode_capabilities,
    encode_status,
    find_capabilities,
    find_status,
    pack,
)
from scanner.codecs.llrp_reports import (
    ReaderEvent,
    TagReport,
    decode_reader_event,
    decode_tag_reports,
    encode_reader_event,
    encode_tag_report,
)
from scanner.codecs.llrp_spec import (
    ReaderConfig,
    ROSpecConfig,
    decode_reader_config,
    decode_rospec,
    encode_reader_config,
    encode_rospec,
)

VERSION = 1  # LLRP 1.0.1
HEADER_SIZE = 10
MAX_MESSAGE = 1 << 20  # larger than any report a reader sends; caps the framer's memory
DEFAULT_PORT = 5084

GET_READER_CAPABILITIES = 1
SET_READER_CONFIG = 3
CLOSE_CONNECTION_RESPONSE = 4
GET_READER_CAPABILITIES_RESPONSE = 11
SET_READER_CONFIG_RESPONSE = 13
CLOSE_CONNECTION = 14
ADD_ROSPEC = 20
DELETE_ROSPEC = 21
START_ROSPEC = 22
STOP_ROSPEC = 23
ENABLE_ROSPEC = 24
ADD_ROSPEC_RESPONSE = 30
DELETE_ROSPEC_RESPONSE = 31
START_ROSPEC_RESPONSE = 32
STOP_ROSPEC_RESPONSE = 33
ENABLE_ROSPEC_RESPONSE = 34
RO_ACCESS_REPORT = 61
KEEPALIVE = 62
READER_EVENT_NOTIFICATION = 63
KEEPALIVE_ACK = 72
ERROR_MESSAGE = 100

MESSAGE_NAMES = {
    1: "GET_READER_CAPABILITIES",
    3: "SET_READER_CONFIG",
    4: "CLOSE_CONNECTION_RESPONSE",
    11: "GET_READER_CAPABILITIES_RESPONSE",
    13: "SET_READER_CONFIG_RESPONSE",
    14: "CLOSE_CONNECTION",
    20: "ADD_ROSPEC",
    21: "DELETE_ROSPEC",
    22: "START_ROSPEC",
    23: "STOP_ROSPEC",
    24: "ENABLE_ROSPEC",
    30: "ADD_ROSPEC_RESPONSE",
    31: "DELETE_ROSPEC_RESPONSE",
    32: "START_ROSPEC_RESPONSE",
    33: "STOP_ROSPEC_RESPONSE",
    34: "ENABLE_ROSPEC_RESPONSE",
    61: "RO_ACCESS_REPORT",
    62: "KEEPALIVE",
    63: "READER_EVENT_NOTIFICATION",
    72: "KEEPALIVE_ACK",
    100: "ERROR_MESSAGE",
}
# Request -> its response type; every response body is (or starts with) an LLRPStatus.
RESPONSE_OF = {
    GET_READER_CAPABILITIES: GET_READER_CAPABILITIES_RESPONSE,
    SET_READER_CONFIG: SET_READER_CONFIG_RESPONSE,
    CLOSE_CONNECTION: CLOSE_CONNECTION_RESPONSE,
    ADD_ROSPEC: ADD_ROSPEC_RESPONSE,
    DELETE_ROSPEC: DELETE_ROSPEC_RESPONSE,
    START_ROSPEC: START_ROSPEC_RESPONSE,
    STOP_ROSPEC: STOP_ROSPEC_RESPONSE,
    ENABLE_ROSPEC: ENABLE_ROSPEC_RESPONSE,
}
STATUS_MESSAGES = frozenset(RESPONSE_OF.values()) | {ERROR_MESSAGE}
_ROSPEC_ID_MESSAGES = frozenset({DELETE_ROSPEC, START_ROSPEC, STOP_ROSPEC, ENABLE_ROSPEC})


@dataclass(frozen=True, slots=True)
class Message:
    """One LLRP message: its type, ID and body (everything after the 10-byte header)."""

    type: int
    message_id: int
    body: bytes = b""
    version: int = VERSION

    @property
    def name(self) -> str:
        return MESSAGE_NAMES.get(self.type, f"type {self.type}")


def encode(message: Message) -> bytes:
    """The message's bytes on the wire."""
    if not 0 <= message.type < 1024 or not 0 <= message.version < 8:
        raise LLRPError(f"bad message type {message.type} / version {message.version}")
    length = HEADER_SIZE + len(message.body)
    head = (message.version << 10) | message.type
    return pack(">HII", head, length, message.message_id) + message.body


def decode_header(data: bytes) -> tuple[int, int, int, int]:
    """(version, type, length, message ID) of the header at the start of `data`."""
    if len(data) < HEADER_SIZE:
        raise LLRPError("truncated LLRP header", data)
    head, length, message_id = struct.unpack_from(">HII", data)
    version, mtype = (head >> 10) & 7, head & 0x3FF
    if version not in (1, 2) or head >> 13:
        raise LLRPError(f"unsupported LLRP version {version}", data[:HEADER_SIZE])
    if not HEADER_SIZE <= length <= MAX_MESSAGE:
        raise LLRPError(f"bad LLRP message length {length}", data[:HEADER_SIZE])
    return version, mtype, length, message_id


def decode(frame: bytes) -> Message:
    """One complete message; its length must match the header's."""
    version, mtype, length, message_id = decode_header(frame)
    if length != len(frame):
        raise LLRPError(f"LLRP length {length} but {len(frame)} bytes", frame)
    return Message(mtype, message_id, bytes(frame[HEADER_SIZE:]), version)


class Framer:
    """`feed(data)` returns the complete messages in a TCP byte stream, in order.

    Any split of the stream gives the same messages. The buffer never holds more than one
    partial message of at most MAX_MESSAGE bytes; a bad header raises LLRPError and leaves the
    framer unusable (`broken`), because LLRP has no way to find the next message.
    """

    def __init__(self, max_message: int = MAX_MESSAGE) -> None:
        self._buf = bytearray()
        self._max = max_message
        self.broken: LLRPError | None = None

    def feed(self, data: bytes) -> list[Message]:
        if self.broken is not None:
            raise self.broken
        self._buf += data
        out: list[Message] = []
        pos, buf = 0, self._buf
        while len(buf) - pos >= HEADER_SIZE:
            try:
                _v, _t, length, _i = decode_header(bytes(buf[pos : pos + HEADER_SIZE]))
                if length > self._max:
                    raise LLRPError(f"LLRP message of {length} bytes", bytes(buf[pos : pos + 10]))
            except LLRPError as exc:
                self.broken = exc
                self._buf = bytearray()
                raise
            if len(buf) - pos < length:
                break
            out.append(decode(bytes(buf[pos : pos + length])))
            pos += length
        del buf[:pos]
        return out

    @property
    def buffered(self) -> int:
        return len(self._buf)


# Encoders: requests (client -> reader).


def get_reader_capabilities(message_id: int, requested: int = 0) -> Message:
    """GET_READER_CAPABILITIES; requested 0 = all, 1 general, 2 LLRP, 3 regulatory, 4 air."""
    return Message(GET_READER_CAPABILITIES, message_id, pack(">B", requested))


def set_reader_config(message_id: int, config: ReaderConfig) -> Message:
    return Message(SET_READER_CONFIG, message_id, encode_reader_config(config))


def add_rospec(message_id: int, spec: ROSpecConfig) -> Message:
    return Message(ADD_ROSPEC, message_id, encode_rospec(spec))


def rospec_command(mtype: int, message_id: int, rospec_id: int) -> Message:
    """DELETE_, START_, STOP_ or ENABLE_ROSPEC (ID 0 = all ROSpecs)."""
    if mtype not in _ROSPEC_ID_MESSAGES:
        raise LLRPError(f"{MESSAGE_NAMES.get(mtype, mtype)} does not take an ROSpec ID")
    return Message(mtype, message_id, pack(">I", rospec_id))


def keepalive_ack(message_id: int) -> Message:
    return Message(KEEPALIVE_ACK, message_id)


def close_connection(message_id: int) -> Message:
    return Message(CLOSE_CONNECTION, message_id)


# Encoders: reader -> client.


def status_message(mtype: int, message_id: int, status: LLRPStatus) -> Message:
    """A response (or ERROR_MESSAGE) carrying only its LLRPStatus."""
    if mtype not in STATUS_MESSAGES:
        raise LLRPError(f"{MESSAGE_NAMES.get(mtype, mtype)} is not a status response")
    return Message(mtype, message_id, encode_status(status))


def capabilities_response(
    message_id: int, caps: Capabilities, status: LLRPStatus | None = None
) -> Message:
    """GET_READER_CAPABILITIES_RESPONSE with its status and GeneralDeviceCapabilities."""
    body = encode_status(status or LLRPStatus()) + encode_capabilities(caps)
    return Message(GET_READER_CAPABILITIES_RESPONSE, message_id, body)


def ro_access_report(message_id: int, reports: list[TagReport]) -> Message:
    return Message(RO_ACCESS_REPORT, message_id, b"".join(map(encode_tag_report, reports)))


def reader_event_notification(message_id: int, event: ReaderEvent) -> Message:
    return Message(READER_EVENT_NOTIFICATION, message_id, encode_reader_event(event))


def keepalive(message_id: int) -> Message:
    return Message(KEEPALIVE, message_id)


# Typed decoders of a Message's body.


def _expect(message: Message, *types: int) -> None:
    if message.type not in types:
        raise LLRPError(f"expected {[MESSAGE_NAMES[t] for t in types]}, got {message.name}")


def status_of(message: Message) -> LLRPStatus:
    """The LLRPStatus of a response or ERROR_MESSAGE."""
    _expect(message, *STATUS_MESSAGES)
    return find_status(message.body)


def capabilities_of(message: Message) -> Capabilities | None:
    _expect(message, GET_READER_CAPABILITIES_RESPONSE)
    return find_capabilities(message.body)


def tag_reports(message: Message) -> list[TagReport]:
    _expect(message, RO_ACCESS_REPORT)
    return decode_tag_reports(message.body)


def reader_event(message: Message) -> ReaderEvent:
    _expect(message, READER_EVENT_NOTIFICATION)
    return decode_reader_event(message.body)


def rospec_id_of(message: Message) -> int:
    _expect(message, *_ROSPEC_ID_MESSAGES)
    if len(message.body) != 4:
        raise LLRPError(f"{message.name} body must be 4 bytes", message.body)
    return int(struct.unpack(">I", message.body)[0])


def rospec_of(message: Message) -> ROSpecConfig:
    _expect(message, ADD_ROSPEC)
    return decode_rospec(message.body)


def reader_config_of(message: Message) -> ReaderConfig:
    _expect(message, SET_READER_CONFIG)
    return decode_reader_config(message.body)


def requested_capabilities(message: Message) -> int:
    _expect(message, GET_READER_CAPABILITIES)
    if len(message.body) < 1:
        raise LLRPError("GET_READER_CAPABILITIES without RequestedData", message.body)
    return message.body[0]


__all__ = [
    "Capabilities",
    "LLRPError",
    "LLRPStatus",
    "Message",
    "ROSpecConfig",
    "ReaderConfig",
    "ReaderEvent",
    "TagReport",
]
