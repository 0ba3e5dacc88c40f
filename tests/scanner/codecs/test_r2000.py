from __future__ import annotations

import contextlib
import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scanner.codecs import CodecError
from scanner.codecs import r2000 as r


def h(text: str) -> bytes:
    return bytes.fromhex(text)


# protocols.md 2.6 commands (V and V+).
COMMANDS = [
    (r.encode_frame(0x01, r.CMD_GET_FIRMWARE_VERSION), "A0 03 01 72 EA"),
    (r.encode_real_time_inventory(0x01, 1), "A0 04 01 89 01 D1"),
    (r.encode_set_work_antenna(0x01, 1), "A0 04 01 74 00 E7"),
    (r.encode_real_time_inventory(r.BROADCAST, 0xFF), "A0 04 FF 89 FF D5"),
    (r.encode_set_output_power(0x01, [30]), "A0 04 01 76 1E C7"),
    (r.encode_set_output_power(0x01, [20, 20, 20, 20]), "A0 07 01 76 14 14 14 14 92"),
    (r.encode_frame(0x01, r.CMD_INVENTORY, b"\xff"), "A0 04 01 80 FF DC"),
    (r.encode_frame(0x01, 0x90), "A0 03 01 90 CC"),
    (r.encode_frame(0x01, 0x91), "A0 03 01 91 CB"),
    (r.encode_frame(0x01, r.CMD_RESET), "A0 03 01 70 EC"),
    (r.encode_frame(0x01, 0x8B, h("01 00 01")), "A0 06 01 8B 01 00 01 CC"),
]
TAG = "A0 13 01 89 28 30 00 E2 80 11 60 60 00 02 0A 1B 2C 3D 4E 62 F8"
SUMMARY = "A0 0A 01 89 00 00 78 00 00 00 25 2F"
ANTENNA_MISSING = "A0 04 01 89 22 B0"


@pytest.mark.parametrize(("encoded", "expected"), COMMANDS)
def test_encode_command_matches_catalogue(encoded, expected):
    assert encoded == h(expected)


def test_decode_set_power_ok():
    assert r.decode_frame(h("A0 04 01 76 10 D5")) == r.R2000Frame(0x01, 0x76, b"\x10")


def test_decode_firmware_version():
    assert r.decode_frame(h("A0 05 01 72 08 01 DF")).data == b"\x08\x01"


def test_decode_real_time_inventory_tag():
    tag = r.decode_inventory(r.decode_frame(h(TAG)))
    assert isinstance(tag, r.R2000TagRead)
    assert tag.epc_hex == "E28011606000020A1B2C3D4E"
    assert (tag.frequency_index, tag.antenna, tag.pc, tag.rssi_raw) == (10, 1, 0x3000, 0x62)
    assert tag.rssi == 0x62 - 129
    assert r.frequency_mhz(tag.frequency_index) == 903.5
    again = r.encode_tag_frame(0x01, tag.epc, antenna=1, rssi_dbm=tag.rssi, frequency_index=10)
    assert again == h(TAG)


def test_decode_round_summary_v3_and_v2():
    end = r.decode_inventory(r.decode_frame(h(SUMMARY)))
    assert end == r.R2000RoundEnd(antenna=1, total_reads=37, read_rate=120)
    assert r.encode_round_summary(0x01, 1, 120, 37) == h(SUMMARY)
    v2 = r.decode_inventory(r.R2000Frame(1, 0x89, h("01 00 00 00 05")))
    assert v2 == r.R2000RoundEnd(antenna=2, total_reads=5, read_rate=None)


def test_decode_round_error_antenna_missing():
    end = r.decode_inventory(r.decode_frame(h(ANTENNA_MISSING)))
    assert isinstance(end, r.R2000RoundEnd) and end.error == r.ANTENNA_MISSING
    assert "antenna missing" in r.error_text(r.ANTENNA_MISSING)


def test_decode_rejects_bad_check_byte():
    with pytest.raises(r.R2000Error, match="check byte"):
        r.decode_frame(h("A0 04 01 76 10 D6"))


def test_odd_inventory_frame_is_a_codec_error():
    with pytest.raises(r.R2000Error):
        r.decode_inventory(r.R2000Frame(1, 0x89, h("00 30 00 E2 80 11 60 60 41")))


STREAM = h(TAG) + h(SUMMARY) + h(ANTENNA_MISSING) + h("A0 05 01 72 08 01 DF")
STREAM_FRAMES = r.R2000Framer().feed(STREAM)


@given(st.lists(st.integers(0, len(STREAM)), max_size=12))
def test_framer_any_split_gives_the_same_frames(cuts):
    framer = r.R2000Framer()
    frames = []
    for a, b in itertools.pairwise([0, *sorted(cuts), len(STREAM)]):
        frames += framer.feed(STREAM[a:b])
    assert frames == STREAM_FRAMES
    assert len(frames) == 4


@given(st.binary(max_size=400))
def test_random_bytes_only_ever_raise_codec_error(data):
    with contextlib.suppress(CodecError):
        r.decode_inventory(r.decode_frame(data))
    with contextlib.suppress(CodecError):
        r.decode_inventory(r.R2000Frame(1, 0x89, data))
    r.R2000Framer().feed(data)


# An 8-bit checksum cannot tell a frame from garbage that happens to contain the head byte
# and sum to zero (1 in 256), so this garbage holds no 0xA0: it is the resync being tested.
@given(st.binary(max_size=300).map(lambda b: b.replace(b"\xa0", b"\x5a")))
def test_framer_finds_a_valid_frame_after_garbage(garbage):
    frames = r.R2000Framer().feed(garbage + h(TAG))
    assert frames == [r.decode_frame(h(TAG))]


def test_framer_resyncs_after_truncated_frame_and_bad_check():
    framer = r.R2000Framer()
    bad = bytearray(h(SUMMARY))
    bad[-1] ^= 0xFF
    frames = framer.feed(h(TAG)[:9] + bytes(bad) + h(TAG))
    assert frames == [r.decode_frame(h(TAG))]
    assert framer.dropped == 9 + len(bad)
    errors = framer.take_errors()
    assert errors and all(isinstance(e, r.R2000Error) for e in errors)


@given(
    st.binary(min_size=2, max_size=62).filter(lambda b: len(b) % 2 == 0),
    st.integers(1, 4),
    st.integers(-129, 126),
    st.integers(0, 59),
)
def test_tag_frame_round_trip(epc, antenna, rssi, freq):
    raw = r.encode_tag_frame(0x01, epc, antenna=antenna, rssi_dbm=rssi, frequency_index=freq)
    tag = r.decode_inventory(r.decode_frame(raw))
    assert isinstance(tag, r.R2000TagRead)
    assert (tag.epc, tag.antenna, tag.rssi, tag.frequency_index) == (epc, antenna, rssi, freq)
