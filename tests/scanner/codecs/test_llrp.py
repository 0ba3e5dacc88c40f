"""LLRP 1.0.1 codec: known-answer frames built by hand from the standard's layouts (sections
15-16), round-trips, framing under any split, and garbage that only ever raises CodecError."""

from __future__ import annotations

import contextlib
import dataclasses
import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scanner.codecs import CodecError
from scanner.codecs import llrp as L
from scanner.codecs.llrp_params import STATUS_TEXT, Capabilities, LLRPStatus
from scanner.codecs.llrp_reports import ReaderEvent, TagReport
from scanner.codecs.llrp_spec import ReaderConfig, ROSpecConfig


def h(text: str) -> bytes:
    return bytes.fromhex(text)


EPC = h("E2 80 11 60 60 00 02 0A 1B 2C 3D 4E")

# (message, hand-built bytes): header = u16 (version 1 << 10 | type), u32 length, u32 ID.
KNOWN = [
    (L.keepalive_ack(0x12345678), "0448 0000000A 12345678"),
    (L.keepalive(7), "043E 0000000A 00000007"),
    (L.close_connection(9), "040E 0000000A 00000009"),
    (L.get_reader_capabilities(1), "0401 0000000B 00000001 00"),
    (L.rospec_command(L.START_ROSPEC, 3, 1), "0416 0000000E 00000003 00000001"),
    (L.rospec_command(L.STOP_ROSPEC, 3, 1), "0417 0000000E 00000003 00000001"),
    (L.rospec_command(L.ENABLE_ROSPEC, 4, 1), "0418 0000000E 00000004 00000001"),
    (L.rospec_command(L.DELETE_ROSPEC, 5, 0), "0415 0000000E 00000005 00000000"),
    # SET_READER_CONFIG: reset bit, KeepaliveSpec (220 = 0xDC): periodic, 10,000 ms.
    (L.set_reader_config(2, ReaderConfig(keepalive_ms=10000)),
     "0403 00000014 00000002 00 00DC0009 01 00002710"),
    # Responses: LLRPStatus (287 = 0x11F), code u16, description u16 count + UTF-8.
    (L.status_message(L.ADD_ROSPEC_RESPONSE, 5, LLRPStatus()),
     "041E 00000012 00000005 011F0008 0000 0000"),
    (L.status_message(L.CLOSE_CONNECTION_RESPONSE, 9, LLRPStatus()),
     "0404 00000012 00000009 011F0008 0000 0000"),
    (L.status_message(L.ERROR_MESSAGE, 6, LLRPStatus(109, "x")),
     "0464 00000013 00000006 011F0009 006D 0001 78"),
    # RO_ACCESS_REPORT: TagReportData (240 = 0xF0) = EPC-96 TV 13, AntennaID TV 1, PeakRSSI TV 6.
    (L.ro_access_report(8, [TagReport(EPC, antenna=1, peak_rssi=-60)]),
     "043D 00000020 00000008 00F00016 8D E28011606000020A1B2C3D4E 810001 86C4"),
    # A 32-bit EPC goes in EPCData (241 = 0xF1): u16 bit count, then the bits.
    (L.ro_access_report(8, [TagReport(h("30001122"), seen_count=3)]),
     "043D 0000001B 00000008 00F00011 00F1000A 0020 30001122 880003"),
    # READER_EVENT_NOTIFICATION: data 246 = 0xF6, UTCTimestamp 128, ConnectionAttemptEvent 256.
    (L.reader_event_notification(1, ReaderEvent(1_700_000_000_000_000, connection_attempt=0)),
     "043F 00000020 00000001 00F60016 0080000C 00060A24181E4000 01000006 0000"),
]  # fmt: skip

# ADD_ROSPEC (20) for antenna 1, null start/stop, report every tag with the station's fields.
ADD_ROSPEC = (
    "0414 0000004B 0000000A"
    " 00B10041 00000001 00 00"  # ROSpec 177: id, priority, state Disabled
    " 00B20012 00B3000500 00B60009 00 00000000"  # ROBoundarySpec: start null, stop null
    " 00B70018 0001 0001 00B80009 00 00000000 00BA0007 0001 01"  # AISpec, InventoryParameterSpec
    " 00ED000D 01 0001 00EE0006 1F80"  # ROReportSpec: N=1, TagReportContentSelector
)


@pytest.mark.parametrize(("message", "wire"), KNOWN, ids=[m.name for m, _ in KNOWN])
def test_known_answers_encode_and_decode(message, wire):
    assert L.encode(message) == h(wire)
    assert L.decode(h(wire)) == message


def test_add_rospec_known_answer():
    spec = ROSpecConfig(rospec_id=1, antennas=(1,))
    assert L.encode(L.add_rospec(10, spec)) == h(ADD_ROSPEC)
    assert L.rospec_of(L.decode(h(ADD_ROSPEC))) == spec


def test_tag_report_fields_decode():
    wire = "043D 00000020 00000008 00F00016 8D E28011606000020A1B2C3D4E 810001 86C4"
    (tag,) = L.tag_reports(L.decode(h(wire)))
    assert (tag.epc_hex, tag.antenna, tag.peak_rssi) == ("E28011606000020A1B2C3D4E", 1, -60)
    assert tag.seen_count is None


def test_impinj_peak_rssi_known_answer():
    # Custom parameter 1023: vendor 25882 (Impinj), subtype 57 (ImpinjPeakRSSI), s16 dBm x 100.
    wire = (
        "043D 00000029 00000002 00F0001F 8D E28011606000020A1B2C3D4E"
        " 03FF000E 0000651A 00000039 E7FA"
    )
    message = L.ro_access_report(2, [TagReport(EPC, impinj_peak_rssi_cdbm=-6150)])
    assert L.encode(message) == h(wire)
    assert L.tag_reports(L.decode(h(wire)))[0].impinj_peak_rssi_cdbm == -6150


def test_status_codes_and_errors():
    status = L.status_of(L.status_message(L.ADD_ROSPEC_RESPONSE, 1, LLRPStatus(101, "bad", 183, 2)))
    assert (status.name, status.ok, status.error_param, status.error_field) == (
        "FieldError",
        False,
        183,
        2,
    )
    assert LLRPStatus().ok and LLRPStatus(401).name == "DeviceError"


def test_reader_events_decode():
    event = ReaderEvent(
        5, antenna_events=((2, False),), exception="over temp", buffer_fill_percent=80
    )
    got = L.reader_event(L.decode(L.encode(L.reader_event_notification(1, event))))
    assert got == event


def test_capabilities_round_trip():
    caps = Capabilities(max_antennas=4, manufacturer=25882, model=2001002, firmware="5.14.0")
    assert L.capabilities_of(L.capabilities_response(3, caps)) == caps
    assert L.status_of(L.capabilities_response(3, caps)).ok


@pytest.mark.parametrize(
    ("wire", "reason"),
    [
        ("0048 0000000A 00000001", "version"),  # version 2 (LLRP 1.1) passes; 0 and 3+ do not
        ("0C48 0000000A 00000001", "version"),
        ("2448 0000000A 00000001", "version"),  # a reserved bit set
        ("0448 00000009 00000001", "length"),
        ("0448 0000000B 00000001", "length"),  # header says 11, 10 bytes given
        ("0448 0000", "truncated"),
    ],
)
def test_bad_headers_raise_with_hex(wire, reason):
    with pytest.raises(CodecError, match=reason) as err:
        L.decode(h(wire))
    assert "00 00" in str(err.value)


def test_wrong_message_type_for_a_typed_decoder():
    with pytest.raises(CodecError, match="RO_ACCESS_REPORT"):
        L.tag_reports(L.keepalive(1))
    with pytest.raises(CodecError):
        L.rospec_command(L.ADD_ROSPEC, 1, 1)


def test_response_without_status_raises():
    with pytest.raises(CodecError, match="LLRPStatus"):
        L.status_of(L.Message(L.ADD_ROSPEC_RESPONSE, 1, b""))


u16 = st.integers(0, 0xFFFF)
u32 = st.integers(0, 0xFFFFFFFF)
opt16 = st.none() | u16
tags = st.builds(
    TagReport,
    epc=st.binary(max_size=32),
    antenna=opt16,
    peak_rssi=st.none() | st.integers(-128, 127),
    first_seen_us=st.none() | st.integers(0, 2**64 - 1),
    last_seen_us=st.none() | st.integers(0, 2**64 - 1),
    seen_count=opt16,
    channel_index=opt16,
    rospec_id=st.none() | u32,
    impinj_peak_rssi_cdbm=st.none() | st.integers(-32768, 32767),
)
events = st.builds(
    ReaderEvent,
    timestamp_us=st.integers(0, 2**64 - 1),
    uptime=st.booleans(),
    connection_attempt=st.none() | st.integers(0, 4),
    antenna_events=st.lists(st.tuples(st.integers(1, 0xFFFF), st.booleans()), max_size=4).map(
        tuple
    ),
    exception=st.none() | st.text(max_size=20),
    buffer_fill_percent=st.none() | st.integers(0, 100),
    buffer_overflow=st.booleans(),
)
rospecs = st.builds(
    ROSpecConfig,
    rospec_id=u32,
    antennas=st.lists(st.integers(1, 0xFFFF), max_size=8).map(tuple),
    priority=st.integers(0, 7),
    start_immediate=st.booleans(),
    duration_ms=st.none() | u32,
    report_every_n=u16,
    content=u16,
    tx_power_index=opt16,
    session=st.none() | st.integers(0, 3),
    tag_population=u16,
    inventory_spec_id=u16,
).map(lambda s: s if s.session is not None else dataclasses.replace(s, tag_population=32))


@given(st.lists(tags, max_size=12), u32)
def test_ro_access_report_round_trip(reports, message_id):
    message = L.decode(L.encode(L.ro_access_report(message_id, reports)))
    assert message.message_id == message_id
    assert L.tag_reports(message) == reports


@given(events)
def test_reader_event_round_trip(event):
    assert L.reader_event(L.decode(L.encode(L.reader_event_notification(1, event)))) == event


@given(rospecs)
def test_add_rospec_round_trip(spec):
    assert L.rospec_of(L.decode(L.encode(L.add_rospec(1, spec)))) == spec


@given(st.booleans(), st.none() | u32, st.lists(u16, max_size=5).map(tuple))
def test_reader_config_round_trip(reset, keepalive, enabled):
    config = ReaderConfig(reset, keepalive, enabled)
    assert L.reader_config_of(L.decode(L.encode(L.set_reader_config(1, config)))) == config


@given(
    st.sampled_from(sorted(L.STATUS_MESSAGES)),
    u32,
    st.sampled_from(sorted(STATUS_TEXT)),
    st.text(max_size=30),
    opt16,
    opt16,
)
def test_status_round_trip(mtype, message_id, code, text, param, field):
    status = LLRPStatus(code, text, param, field)
    assert L.status_of(L.decode(L.encode(L.status_message(mtype, message_id, status)))) == status


def _stream(reports: list[list[TagReport]]) -> tuple[bytes, list[L.Message]]:
    messages = [L.keepalive(99)] + [L.ro_access_report(i, r) for i, r in enumerate(reports)]
    return b"".join(map(L.encode, messages)), messages


@given(
    st.lists(st.lists(tags, max_size=3), max_size=6), st.lists(st.integers(0, 5000), max_size=20)
)
def test_framer_any_chunk_split_gives_same_frames(reports, cuts):
    stream, messages = _stream(reports)
    points = sorted({c % (len(stream) + 1) for c in cuts})
    framer = L.Framer()
    got = [
        m
        for a, b in itertools.pairwise([0, *points, len(stream)])
        for m in framer.feed(stream[a:b])
    ]
    assert got == messages
    assert framer.buffered == 0


def test_framer_byte_at_a_time_holds_one_partial_message():
    stream, messages = _stream([[TagReport(EPC, antenna=1)] * 3])
    framer = L.Framer()
    got = []
    for i in range(len(stream)):
        got += framer.feed(stream[i : i + 1])
        assert framer.buffered < len(L.encode(messages[1]))
    assert got == messages


def test_framer_caps_its_buffer_and_stays_broken():
    framer = L.Framer(max_message=64)
    with pytest.raises(CodecError, match="65 bytes"):
        framer.feed(h("043D 00000041 00000001"))
    assert framer.buffered == 0
    with pytest.raises(CodecError):
        framer.feed(L.encode(L.keepalive(1)))
    with pytest.raises(CodecError, match="length"):
        L.Framer().feed(h("043D 80000000 00000001"))


TYPED = [
    L.status_of,
    L.tag_reports,
    L.reader_event,
    L.rospec_of,
    L.reader_config_of,
    L.rospec_id_of,
    L.capabilities_of,
    L.requested_capabilities,
]


@given(st.binary(max_size=200))
def test_random_bytes_only_raise_codec_error(data):
    with pytest.raises(CodecError):
        L.decode(data[:9])
    with contextlib.suppress(CodecError):
        L.Framer().feed(data)
    for mtype in [*L.MESSAGE_NAMES, 5]:
        for typed in TYPED:
            with contextlib.suppress(CodecError):
                typed(L.Message(mtype, 1, data))


@given(st.lists(tags, min_size=1, max_size=4), st.data())
def test_corrupted_reports_only_raise_codec_error(reports, data):
    body = bytearray(L.encode(L.ro_access_report(1, reports))[10:])
    i = data.draw(st.integers(0, len(body) - 1))
    body[i] = data.draw(st.integers(0, 255))
    for mtype in (L.RO_ACCESS_REPORT, L.ADD_ROSPEC, L.READER_EVENT_NOTIFICATION, L.ERROR_MESSAGE):
        for typed in TYPED:
            cut = data.draw(st.integers(0, len(body)))
            with contextlib.suppress(CodecError):
                typed(L.Message(mtype, 1, bytes(body[:cut])))


@pytest.mark.parametrize(
    "build",
    [
        lambda: L.ro_access_report(1, [TagReport(EPC, antenna=70000)]),
        lambda: L.ro_access_report(1, [TagReport(EPC, peak_rssi=200)]),
        lambda: L.reader_event_notification(1, ReaderEvent(-1)),
        lambda: L.reader_event_notification(1, ReaderEvent(0, buffer_fill_percent=256)),
        lambda: L.add_rospec(1, ROSpecConfig(2**32)),
        lambda: L.get_reader_capabilities(1, 256),
        lambda: L.rospec_command(L.START_ROSPEC, 1, 2**32),
        lambda: L.encode(L.keepalive(2**32)),
    ],
)
def test_out_of_range_values_do_not_encode(build):
    with pytest.raises(CodecError, match="cannot encode"):
        build()
