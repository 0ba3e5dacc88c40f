from __future__ import annotations

import contextlib
from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scanner.codecs import CodecError
from scanner.codecs.chafon import (
    CMD_INVENTORY,
    CMD_READER_INFO,
    CMD_SET_POWER,
    STATUS_DONE,
    STATUS_MORE_FRAMES,
    ChafonError,
    ChafonFrame,
    ChafonFramer,
    ChafonReaderInfo,
    ChafonTag,
    decode_command,
    decode_inventory,
    decode_reader_info,
    decode_response,
    decode_scan_push,
    encode_command,
    encode_inventory_288,
    encode_inventory_reply,
    encode_reader_info,
    encode_response,
)
from scanner.codecs.crc import chafon_crc

EPC_S = bytes.fromhex("E28011606000020A1B2C3D4E")
ZERO_0313 = bytes(10) + b"\x03\x13"
ZERO_0314 = bytes(10) + b"\x03\x14"


def h(text: str) -> bytes:
    return bytes.fromhex(text)


def test_chafon_crc_check_value():
    assert chafon_crc(b"123456789") == 0x6F91


@pytest.mark.parametrize(
    ("frame", "address", "cmd", "data"),
    [
        ("04 FF 01 1B B4", 0xFF, CMD_INVENTORY, b""),
        ("04 00 01 DB 4B", 0x00, CMD_INVENTORY, b""),
        ("04 FF 21 19 95", 0xFF, CMD_READER_INFO, b""),
        ("05 FF 2F 1E 81 F2", 0xFF, CMD_SET_POWER, b"\x1e"),
    ],
)
def test_chafon_command_frames_known_answers(frame, address, cmd, data):
    assert encode_command(address, cmd, data) == h(frame)
    assert decode_command(h(frame)) == ChafonFrame(address, cmd, None, data)


def test_chafon_inventory_288_wabson_defaults_known_answer():
    frame = h("0D FF 01 0F 00 01 00 00 00 00 80 14 C0 3A")
    assert encode_inventory_288(0xFF, antenna=1, scan_time=0x14, q=15) == frame


def test_chafon_reply_18_one_tag_status_03():
    raw = h("13 00 01 03 01 0C 00 00 00 00 00 00 00 00 00 00 03 13 3F 39")
    inv = decode_inventory(decode_response(raw), with_antenna_rssi=False)
    assert inv.status == STATUS_MORE_FRAMES
    assert inv.tags == (ChafonTag(ZERO_0313),)
    assert encode_inventory_reply(0, 3, [ChafonTag(ZERO_0313)], with_antenna_rssi=False) == raw


def test_chafon_reply_18_two_tags():
    raw = h("20000103020c0000000000000000000003130c0000000000000000000003149ac9")
    inv = decode_inventory(decode_response(raw), with_antenna_rssi=False)
    assert [t.epc for t in inv.tags] == [ZERO_0313, ZERO_0314]


def test_chafon_reply_288_antenna_one_tag_rssi():
    raw = h("15 00 01 03 01 01 0C 00 00 00 00 00 00 00 00 00 00 03 13 6B B1 A5")
    inv = decode_inventory(decode_response(raw), with_antenna_rssi=True)
    assert inv.tags == (ChafonTag(ZERO_0313, 1, 0x6B),)
    assert inv.tags[0].epc_hex == "000000000000000000000313"
    again = encode_inventory_reply(0, 3, list(inv.tags), with_antenna_rssi=True, antenna=1)
    assert again == raw


def test_chafon_reply_288_no_tags():
    inv = decode_inventory(decode_response(h("07 00 01 01 01 00 1E 4B")), with_antenna_rssi=True)
    assert (inv.status, inv.tags, inv.antenna) == (STATUS_DONE, (), 1)


def test_chafon_reader_info_known_answer():
    raw = h("11 00 21 00 00 16 0C 03 4E 00 1E 0A 01 00 00 00 E6 51")
    info = decode_reader_info(decode_response(raw))
    assert info == ChafonReaderInfo("0.22", 0x0C, 0x03, 0x4E, 0x00, 30, 10)
    assert encode_reader_info(0, info, h("01 00 00 00")) == raw


def test_chafon_bad_crc_rejected():
    with pytest.raises(ChafonError, match="CRC"):
        decode_response(h("15 00 01 03 01 01 0C 00 00 00 00 00 00 00 00 00 00 03 13 6B B1 A6"))


def test_chafon_reply_18_status_01_synthetic():
    raw = h("13 00 01 01 01 0C E2 80 11 60 60 00 02 0A 1B 2C 3D 4E F5 93")
    inv = decode_inventory(decode_response(raw), with_antenna_rssi=False)
    assert inv.status == STATUS_DONE
    assert [t.epc_hex for t in inv.tags] == ["E28011606000020A1B2C3D4E"]


def test_chafon_scan_push_synthetic():
    raw = h("11 00 EE 00 E2 80 11 60 60 00 02 0A 1B 2C 3D 4E 22 CC")
    assert decode_scan_push(decode_response(raw)) == ChafonTag(EPC_S)
    assert encode_response(0, 0xEE, 0, EPC_S) == raw


def test_chafon_scan_push_eas_alarm_and_ur_dialect():
    assert decode_scan_push(ChafonFrame(0, 0xEE, 0xEE, b"")) is None
    ur = ChafonFrame(0, 0xEE, 0, bytes([2, 12]) + EPC_S + bytes([0x50]))
    assert decode_scan_push(ur, ant_len_epc_rssi=True) == ChafonTag(EPC_S, 2, 0x50)


def test_chafon_no_tag_as_fb_has_no_tags():
    inv = decode_inventory(ChafonFrame(0, 1, 0xFB, b""), with_antenna_rssi=False)
    assert (inv.status, inv.tags) == (0xFB, ())


@pytest.mark.parametrize("with_antenna_rssi", [True, False])
def test_chafon_bare_status_01_is_an_empty_round(with_antenna_rssi):
    inv = decode_inventory(ChafonFrame(0, 1, 0x01, b""), with_antenna_rssi=with_antenna_rssi)
    assert (inv.status, inv.tags) == (0x01, ())


@pytest.mark.parametrize(
    "data",
    [b"\x02\x0c" + bytes(12), b"\x01\x0c" + bytes(5), b"\x01\x00", b"\x01\x0c" + bytes(13)],
)
def test_chafon_inventory_malformed_records_raise_codec_error(data):
    with pytest.raises(ChafonError):
        decode_inventory(ChafonFrame(0, 1, 3, data), with_antenna_rssi=False)


def test_chafon_framer_resyncs_after_garbage_and_bad_crc():
    good = h("13 00 01 01 01 0C E2 80 11 60 60 00 02 0A 1B 2C 3D 4E F5 93")
    bad = h("15 00 01 03 01 01 0C 00 00 00 00 00 00 00 00 00 00 03 13 6B B1 A6")
    framer = ChafonFramer()
    frames = framer.feed(b"\x00\x01\x02" + bad + good)
    assert [f.data for f in frames] == [good[4:-2]]
    errors = framer.take_errors()
    assert errors
    assert all(isinstance(e, CodecError) for e in errors)
    assert framer.dropped == 3 + len(bad)


def test_chafon_framer_buffer_is_bounded():
    framer = ChafonFramer(max_buffer=256)
    for _ in range(100):
        framer.feed(b"\xff" * 200)
        assert len(framer._buf) <= 256


def test_chafon_framer_reads_host_commands_for_the_simulator():
    framer = ChafonFramer(responses=False)
    frames = framer.feed(h("04 FF 01 1B B4 05 FF 2F 1E 81 F2"))
    assert [(f.cmd, f.data) for f in frames] == [(1, b""), (0x2F, b"\x1e")]


_TAGS = st.lists(st.binary(min_size=2, max_size=16), min_size=0, max_size=4)
_REPLIES = st.builds(
    lambda address, status, epcs: encode_inventory_reply(
        address, status, [ChafonTag(e, 1, 0x50) for e in epcs], with_antenna_rssi=True
    ),
    st.integers(0, 255),
    st.sampled_from([1, 2, 3]),
    _TAGS,
)


@given(st.lists(_REPLIES, min_size=1, max_size=6), st.data())
def test_chafon_framer_any_chunk_split_gives_same_frames(frames, data):
    stream = b"".join(frames)
    cuts = sorted(data.draw(st.lists(st.integers(0, len(stream)), max_size=12)))
    framer = ChafonFramer()
    out: list[ChafonFrame] = []
    prev = 0
    for cut in [*cuts, len(stream)]:
        out += framer.feed(stream[prev:cut])
        prev = cut
    assert [decode_response(f) for f in frames] == out
    assert framer.dropped == 0


def _decoders() -> list[Callable[[ChafonFrame], object]]:
    return [
        lambda f: decode_inventory(f, with_antenna_rssi=True),
        lambda f: decode_inventory(f, with_antenna_rssi=False),
        decode_reader_info,
        decode_scan_push,
        lambda f: decode_scan_push(f, ant_len_epc_rssi=True),
    ]


@given(st.binary(max_size=300))
def test_chafon_random_bytes_only_raise_codec_error(blob):
    framer = ChafonFramer()
    frames = framer.feed(blob) + [ChafonFrame(0, 1, s, blob[:40]) for s in (1, 3, 0, 0xEE)]
    for frame in frames:
        for decoder in _decoders():
            with contextlib.suppress(CodecError):
                decoder(frame)
    for whole in (decode_response, decode_command):
        with contextlib.suppress(CodecError):
            whole(blob)


@given(st.binary(max_size=120), _REPLIES)
def test_chafon_valid_frame_after_garbage_is_found(garbage, reply):
    framer = ChafonFramer()
    frames = framer.feed(garbage + reply)
    assert frames
    assert frames[-1] == decode_response(reply)
