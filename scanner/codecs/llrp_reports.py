"""LLRP 1.0.1 report parameters: TagReportData (16.2.7.3) and ReaderEventNotificationData
(16.2.7.6). Sources as in `scanner.codecs.llrp_params`; see docs/llrp.md. Pure: no IO.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from scanner.codecs.llrp_params import (
    P_ANTENNA_EVENT,
    P_CONNECTION_ATTEMPT_EVENT,
    P_EPC_DATA,
    P_READER_EVENT_NOTIFICATION_DATA,
    P_READER_EXCEPTION_EVENT,
    P_REPORT_BUFFER_LEVEL_WARNING,
    P_REPORT_BUFFER_OVERFLOW_ERROR,
    P_TAG_REPORT_DATA,
    P_UPTIME,
    P_UTC_TIMESTAMP,
    TV_ANTENNA_ID,
    TV_CHANNEL_INDEX,
    TV_EPC96,
    TV_FIRST_SEEN_UTC,
    TV_LAST_SEEN_UTC,
    TV_PEAK_RSSI,
    TV_ROSPEC_ID,
    TV_SIZES,
    TV_TAG_SEEN_COUNT,
    LLRPError,
    iter_params,
    pack,
    tlv,
    tv,
    unpack,
    utf8_bytes,
    utf8_field,
)

# Custom parameters (16.2.9): TLV type 1023, u32 vendor (IANA PEN), u32 subtype, data.
# Impinj's subtypes are from sllurp's Param_struct (ImpinjPeakRSSI: s16, dBm x 100).
P_CUSTOM = 1023
IMPINJ = 25882
IMPINJ_PEAK_RSSI = 57

# TV type -> (TagReport field, struct format), in the order 16.2.7.3 lays them out.
_TV_FIELDS = {
    TV_ROSPEC_ID: ("rospec_id", ">I"),
    TV_ANTENNA_ID: ("antenna", ">H"),
    TV_PEAK_RSSI: ("peak_rssi", ">b"),
    TV_CHANNEL_INDEX: ("channel_index", ">H"),
    TV_FIRST_SEEN_UTC: ("first_seen_us", ">Q"),
    TV_LAST_SEEN_UTC: ("last_seen_us", ">Q"),
    TV_TAG_SEEN_COUNT: ("seen_count", ">H"),
}


@dataclass(frozen=True, slots=True)
class TagReport:
    """One TagReportData: the EPC and whichever optional fields the reader sent."""

    epc: bytes
    antenna: int | None = None
    peak_rssi: int | None = None  # dBm (signed byte)
    first_seen_us: int | None = None  # microseconds since the Unix epoch (UTC)
    last_seen_us: int | None = None
    seen_count: int | None = None
    channel_index: int | None = None
    rospec_id: int | None = None
    impinj_peak_rssi_cdbm: int | None = None  # Impinj custom ImpinjPeakRSSI, dBm x 100

    @property
    def epc_hex(self) -> str:
        return self.epc.hex().upper()


def encode_tag_report(report: TagReport) -> bytes:
    """TagReportData: EPC-96 as a TV parameter when the EPC is 96 bits, else EPCData."""
    if len(report.epc) == 12:
        subs = [tv(TV_EPC96, report.epc)]
    else:
        if len(report.epc) * 8 > 0xFFFF:
            raise LLRPError("EPC longer than 65535 bits")
        subs = [tlv(P_EPC_DATA, pack(">H", len(report.epc) * 8) + report.epc)]
    for ptype, (name, fmt) in _TV_FIELDS.items():
        value = getattr(report, name)
        if value is not None:
            subs.append(tv(ptype, pack(fmt, value)))
    if report.impinj_peak_rssi_cdbm is not None:
        rssi = pack(">IIh", IMPINJ, IMPINJ_PEAK_RSSI, report.impinj_peak_rssi_cdbm)
        subs.append(tlv(P_CUSTOM, rssi))
    return tlv(P_TAG_REPORT_DATA, b"", *subs)


def _epc_data(body: bytes) -> bytes:
    (bits,) = unpack(">H", body, "EPCData")
    size = (bits + 7) // 8
    if len(body) != 2 + size:
        raise LLRPError(f"EPCData of {bits} bits has {len(body) - 2} bytes", body)
    return body[2:]


_TV_STRUCTS = {t: (name, struct.Struct(fmt)) for t, (name, fmt) in _TV_FIELDS.items()}
_TLV_HEAD = struct.Struct(">HH")
_IMPINJ_RSSI = struct.Struct(">IIh")


def decode_tag_report(body: bytes) -> TagReport:
    """The body of one TagReportData (240). Unknown sub-parameters are skipped.

    The hot path of a busy dock door, so it walks the bytes inline rather than through
    `iter_params` (same rules: an unknown TV type or a bad length raises LLRPError).
    """
    epc: bytes | None = None
    fields: dict[str, int] = {}
    pos, n = 0, len(body)
    while pos < n:
        first = body[pos]
        if first & 0x80:
            ptype = first & 0x7F
            size = TV_SIZES.get(ptype)
            if size is None or pos + 1 + size > n:
                raise LLRPError(f"bad TV parameter {ptype}", body[pos:])
            if ptype == TV_EPC96:
                epc = body[pos + 1 : pos + 13]
            elif ptype in _TV_STRUCTS:
                name, layout = _TV_STRUCTS[ptype]
                fields[name] = layout.unpack_from(body, pos + 1)[0]
            pos += 1 + size
            continue
        if pos + 4 > n:
            raise LLRPError("truncated parameter header", body[pos:])
        ptype, length = _TLV_HEAD.unpack_from(body, pos)
        if length < 4 or pos + length > n:
            raise LLRPError(f"bad length {length} for parameter {ptype & 0x3FF}", body[pos:])
        if ptype & 0x3FF == P_EPC_DATA:
            epc = _epc_data(body[pos + 4 : pos + length])
        elif ptype & 0x3FF == P_CUSTOM and length == 14:
            vendor, subtype, value = _IMPINJ_RSSI.unpack_from(body, pos + 4)
            if (vendor, subtype) == (IMPINJ, IMPINJ_PEAK_RSSI):
                fields["impinj_peak_rssi_cdbm"] = value
        pos += length
    if epc is None:
        raise LLRPError("TagReportData without an EPC", body)
    return TagReport(epc, **fields)


def decode_tag_reports(body: bytes) -> list[TagReport]:
    """The TagReportData parameters of an RO_ACCESS_REPORT body, in order."""
    return [
        decode_tag_report(p.body)
        for p in iter_params(body)
        if p.type == P_TAG_REPORT_DATA and not p.tv
    ]


@dataclass(frozen=True, slots=True)
class ReaderEvent:
    """ReaderEventNotificationData with the events a station acts on."""

    timestamp_us: int  # UTC microseconds, or reader uptime when `uptime`
    uptime: bool = False
    connection_attempt: int | None = None  # ConnectionAttemptEvent status (CONNECTION_TEXT)
    antenna_events: tuple[tuple[int, bool], ...] = ()  # (antenna, connected)
    exception: str | None = None  # ReaderExceptionEvent message
    buffer_fill_percent: int | None = None  # ReportBufferLevelWarningEvent
    buffer_overflow: bool = False  # ReportBufferOverflowErrorEvent


def encode_reader_event(event: ReaderEvent) -> bytes:
    """ReaderEventNotificationData (246)."""
    clock = P_UPTIME if event.uptime else P_UTC_TIMESTAMP
    subs = [tlv(clock, pack(">Q", event.timestamp_us))]
    if event.buffer_fill_percent is not None:
        subs.append(tlv(P_REPORT_BUFFER_LEVEL_WARNING, pack(">B", event.buffer_fill_percent)))
    if event.buffer_overflow:
        subs.append(tlv(P_REPORT_BUFFER_OVERFLOW_ERROR))
    if event.exception is not None:
        subs.append(tlv(P_READER_EXCEPTION_EVENT, utf8_bytes(event.exception)))
    for antenna, connected in event.antenna_events:
        subs.append(tlv(P_ANTENNA_EVENT, pack(">BH", int(connected), antenna)))
    if event.connection_attempt is not None:
        subs.append(tlv(P_CONNECTION_ATTEMPT_EVENT, pack(">H", event.connection_attempt)))
    return tlv(P_READER_EVENT_NOTIFICATION_DATA, b"", *subs)


def decode_reader_event(body: bytes) -> ReaderEvent:
    """The READER_EVENT_NOTIFICATION body: one ReaderEventNotificationData."""
    data = next((p for p in iter_params(body) if p.type == P_READER_EVENT_NOTIFICATION_DATA), None)
    if data is None or data.tv:
        raise LLRPError("READER_EVENT_NOTIFICATION without ReaderEventNotificationData", body)
    values: dict[str, object] = {}
    antennas: list[tuple[int, bool]] = []
    for p in iter_params(data.body):
        if p.tv:
            continue
        if p.type in (P_UTC_TIMESTAMP, P_UPTIME):
            values["timestamp_us"] = unpack(">Q", p.body, "timestamp")[0]
            values["uptime"] = p.type == P_UPTIME
        elif p.type == P_CONNECTION_ATTEMPT_EVENT:
            values["connection_attempt"] = unpack(">H", p.body, "ConnectionAttemptEvent")[0]
        elif p.type == P_ANTENNA_EVENT:
            kind, antenna = unpack(">BH", p.body, "AntennaEvent")
            antennas.append((antenna, kind == 1))
        elif p.type == P_READER_EXCEPTION_EVENT:
            values["exception"] = utf8_field(p.body, 0, "ReaderExceptionEvent")[0]
        elif p.type == P_REPORT_BUFFER_LEVEL_WARNING:
            values["buffer_fill_percent"] = unpack(">B", p.body, "buffer warning")[0]
        elif p.type == P_REPORT_BUFFER_OVERFLOW_ERROR:
            values["buffer_overflow"] = True
    if "timestamp_us" not in values:
        raise LLRPError("ReaderEventNotificationData without a timestamp", body)
    return ReaderEvent(antenna_events=tuple(antennas), **values)  # type: ignore[arg-type]
