from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scanner.codecs import CodecError
from scanner.codecs import mercury as m


def h(text: str) -> bytes:
    return bytes.fromhex(text)


# protocols.md 1.6, host -> module (V and V+ frames).
COMMANDS = [
    (m.encode_command(m.OP_VERSION), "FF 00 03 1D 0C"),
    (m.encode_command(m.OP_GET_CURRENT_PROGRAM), "FF 00 0C 1D 03"),
    (m.encode_command(m.OP_BOOT_FIRMWARE), "FF 00 04 1D 0B"),
    (m.encode_set_baud_rate(115200), "FF 04 06 00 01 C2 00 A4 60"),
    (m.encode_set_region("NA2"), "FF 01 97 0D 4B B0"),
    (m.encode_set_region("EU3"), "FF 01 97 08 4B B5"),
    (m.encode_set_region("PRC"), "FF 01 97 06 4B BB"),
    (m.encode_set_read_power(500), "FF 02 92 01 F4 40 AD"),
    (m.encode_set_read_power(2700), "FF 02 92 0A 8C 4B D5"),
    (m.encode_set_read_power(3000), "FF 02 92 0B B8 4A E1"),
    (m.encode_set_tag_protocol(), "FF 02 93 00 05 51 7D"),
    (m.encode_set_antennas([1]), "FF 02 91 01 01 70 3B"),
    (m.encode_set_antennas([1], search_list=True), "FF 03 91 02 01 01 42 C5"),
    (m.encode_command(m.OP_CLEAR_TAG_ID_BUFFER), "FF 00 2A 1D 25"),
    (m.encode_read_tag_multiple(500, 0x0013), "FF 05 22 00 00 13 01 F4 2B 19"),
    (m.encode_get_tag_buffer(0x01FF), "FF 03 29 01 FF 00 1B 03"),
    (m.encode_set_read_filter(enabled=False), "FF 03 9A 01 0C 00 A3 5D"),
    (
        m.encode_start_continuous(),
        "FF 10 2F 00 00 01 22 00 00 05 07 22 10 00 1B 03 E8 01 FF DD 2B",
    ),
    (m.encode_stop_continuous(), "FF 03 2F 00 00 02 5E 86"),
    (
        m.encode_command(0x24, h("03 E8 00 00 00 00 00 03 00 EE")),
        "FF 0A 24 03 E8 00 00 00 00 00 03 00 EE 58 9D",
    ),
]

V_PLUS_RECORD = (
    "FF 28 22 00 00 10 00 1B 01 FF 01 01 C4 11 0E 16 40 00 00 01 27 00 00 05 00 00 0F 00 80 "
    "30 00 00 00 00 00 00 00 00 00 00 00 15 45 E9 4A 56 1D"
)
S_RECORD = (
    "FF 28 22 00 00 10 00 1B 01 FF 01 01 C9 11 0D F7 32 00 00 03 E8 00 00 05 00 00 0F 00 80 "
    "30 00 E2 80 11 60 60 00 02 0A 1B 2C 3D 4E F4 D0 2C 91"
)
NANO_VERSION = "FF 14 03 00 00 12 06 19 00 30 00 00 20 20 17 03 14 01 07 03 02 00 00 00 10 A2 E7"


@pytest.mark.parametrize(("encoded", "expected"), COMMANDS)
def test_encode_command_matches_catalogue(encoded, expected):
    assert encoded == h(expected)
    frame = m.decode_command(encoded)  # and it parses back
    assert m.encode_command(frame.opcode, frame.data) == encoded


def test_decode_set_region_ok():
    assert m.decode_response(h("FF 00 97 00 00 77 9E")) == m.MercuryFrame(0x97, b"", 0)


def test_decode_error_status_to_set_power():
    frame = m.decode_response(h("FF 00 92 01 05 26 3E"))
    assert frame.status == m.STATUS_INVALID_PARAMETER
    assert "invalid parameter" in m.status_text(frame.status)


def test_decode_keep_alive_is_no_tag():
    frame = m.decode_response(h("FF 00 22 04 00 84 E0"))
    assert frame.status == m.STATUS_NO_TAGS
    assert m.decode_tag_record(frame) is None


def test_decode_version_of_a_nano():
    frame = m.decode_response(h(NANO_VERSION))
    version = m.decode_version(frame.data)
    assert version.model == 0x30
    assert version.firmware_version == h("01 07 03 02")
    assert version.protocols == 0x10
    assert m.encode_response(0x03, 0, m.encode_version(version)) == h(NANO_VERSION)


def test_decode_sparkfun_tag_record():
    tag = m.decode_tag_record(m.decode_response(h(V_PLUS_RECORD)))
    assert tag is not None
    assert tag.rssi == -60 and tag.antenna == 1
    assert tag.frequency_khz == 923200 and tag.timestamp_ms == 295
    assert tag.pc == 0x3000 and tag.epc_hex == "000000000000000000001545"


def test_decode_synthesized_tag_record_and_encode_it_back():
    tag = m.decode_tag_record(m.decode_response(h(S_RECORD)))
    assert tag is not None
    assert tag.epc_hex == "E28011606000020A1B2C3D4E"
    assert (tag.rssi, tag.antenna, tag.frequency_khz, tag.timestamp_ms) == (-55, 1, 915250, 1000)
    again = m.encode_tag_record(
        tag.epc, rssi=-55, antenna=1, frequency_khz=915250, timestamp_ms=1000
    )
    assert again == h(S_RECORD)


def test_decode_rejects_bad_crc():
    bad = bytearray(h(S_RECORD))
    bad[-1] ^= 1
    with pytest.raises(m.MercuryError, match="bad TM CRC"):
        m.decode_response(bytes(bad))


def test_error_message_shows_bytes_in_hex():
    with pytest.raises(m.MercuryError, match="ff 00 03"):
        m.decode_response(h("FF 00 03 00"))


def test_framer_skips_wake_up_bytes_before_a_command():
    framer = m.MercuryFramer(responses=False)
    assert framer.feed(h("FF FF FF FF") + m.encode_command(3)) == [m.MercuryFrame(3, b"")]


def test_framer_resyncs_after_a_truncated_frame():
    framer = m.MercuryFramer()
    good = h(S_RECORD)
    frames = framer.feed(good[:20] + good + h("FF 00 97 00 00 77 9E"))
    assert [f.opcode for f in frames] == [0x22, 0x97]
    assert framer.dropped == 20
    assert all(isinstance(err, m.MercuryError) for err in framer.take_errors())


def test_framer_buffer_is_bounded():
    framer = m.MercuryFramer(max_buffer=64)
    framer.feed(b"\xff\xf0" + b"\x00" * 500)  # a frame start that promises 247 bytes
    assert framer.feed(h("FF 00 97 00 00 77 9E")) == [m.MercuryFrame(0x97, b"", 0)]


STREAM = h(S_RECORD) + h("FF 00 22 04 00 84 E0") + h(V_PLUS_RECORD) + h(NANO_VERSION)
STREAM_FRAMES = m.MercuryFramer().feed(STREAM)


@given(st.lists(st.integers(0, len(STREAM)), max_size=12))
def test_framer_any_split_gives_the_same_frames(cuts):
    framer = m.MercuryFramer()
    bounds = [0, *sorted(cuts), len(STREAM)]
    frames = []
    for a, b in itertools.pairwise(bounds):
        frames += framer.feed(STREAM[a:b])
    assert frames == STREAM_FRAMES
    assert len(frames) == 4


@given(st.binary(max_size=400))
def test_random_bytes_only_ever_raise_codec_error(data):
    try:
        frame = m.decode_response(data)
        m.decode_tag_record(frame)
    except CodecError:
        pass
    try:
        m.decode_tag_record(m.MercuryFrame(0x22, data, 0))
        m.decode_version(data)
    except CodecError:
        pass
    m.MercuryFramer().feed(data)  # the framer never raises


@given(st.binary(max_size=300), st.sampled_from([h(S_RECORD), h(NANO_VERSION)]))
def test_framer_finds_a_valid_frame_after_garbage(garbage, good):
    framer = m.MercuryFramer()
    frames = framer.feed(garbage + good)
    assert frames and frames[-1] == m.decode_response(good)


@given(
    st.binary(min_size=2, max_size=62).filter(lambda b: len(b) % 2 == 0),
    st.integers(-128, 0),
    st.integers(1, 4),
    st.integers(0, 0xFFFFFF),
    st.integers(0, 0xFFFFFFFF),
)
def test_tag_record_round_trip(epc, rssi, antenna, freq, stamp):
    raw = m.encode_tag_record(
        epc, rssi=rssi, antenna=antenna, frequency_khz=freq, timestamp_ms=stamp
    )
    tag = m.decode_tag_record(m.decode_response(raw))
    assert tag is not None
    assert (tag.epc, tag.rssi, tag.antenna, tag.frequency_khz, tag.timestamp_ms) == (
        epc, rssi, antenna, freq, stamp,
    )  # fmt: skip


def test_unknown_region_is_a_codec_error():
    with pytest.raises(m.MercuryError, match="MARS"):
        m.encode_set_region("MARS")
