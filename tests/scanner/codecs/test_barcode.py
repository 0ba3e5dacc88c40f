from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scanner.codecs import CodecError
from scanner.codecs.barcode import BarcodeError, decode_scan
from scanner.profiles.wand import WandSettings

WAND = WandSettings()


def test_decode_scan_splits_aim_and_maps_symbology():
    scan = decode_scan(b"]C0AST-000123", WAND)
    assert (scan.code, scan.aim, scan.symbology) == ("AST-000123", "]C0", "code128")


def test_decode_scan_keeps_gs_in_gs1_data():
    scan = decode_scan(b"]C10109501101530003\x1d21XYZ", WAND)
    assert scan.code == "0109501101530003\x1d21XYZ"
    assert scan.symbology == "gs1-128"


def test_decode_scan_strips_profile_prefix_and_suffix():
    wand = WandSettings(prefix="\x02", suffix="#")
    scan = decode_scan(b"\x02]Q1https://x.test/a#", wand)
    assert (scan.code, scan.symbology) == ("https://x.test/a", "qr")


def test_decode_scan_without_aim_ids_keeps_text():
    scan = decode_scan(b"]C0ABC", WandSettings(aim_ids=False))
    assert (scan.code, scan.aim, scan.symbology) == ("]C0ABC", None, None)


@pytest.mark.parametrize(
    "line",
    [b"", b"]C0", b"\x1d", b"AB\x07C", b"AB\nC", b"]C0\x00\x00", b"\x1b[2J"],
)
def test_decode_scan_refuses_garbage(line):
    with pytest.raises(BarcodeError) as info:
        decode_scan(line, WAND)
    if line:
        assert line.hex(" ") in str(info.value)


def test_decode_scan_refuses_undecodable_bytes():
    with pytest.raises(BarcodeError, match="utf-8"):
        decode_scan(b"]C0\xff\xfe", WandSettings(encoding="utf-8"))


@given(st.binary(max_size=200))
def test_decode_scan_garbage_raises_only_codec_error(data):
    for wand in (WAND, WandSettings(encoding="utf-8", prefix="<", suffix=">")):
        try:
            scan = decode_scan(data, wand)
        except CodecError:
            continue
        assert scan.code
        assert all(ch == "\x1d" or 0x20 <= ord(ch) < 0x7F or ord(ch) > 0x9F for ch in scan.code)
