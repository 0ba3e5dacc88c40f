from __future__ import annotations

import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scanner.codecs.hid_keys import (
    DE,
    EV_KEY,
    US,
    HidKeyDecoder,
    KeyScan,
    LayoutError,
    decode_events,
    encode_text,
    format_evemu,
    layout_for,
    parse_evemu,
)

# `evemu-record` of a wedge scanner typing "A1" + Enter (protocols.md 5.5): MSC_SCAN with the HID
# usage, the key, SYN_REPORT, for down and up.
RECORDING_A1 = """\
# EVEMU 1.3
N: Honeywell Voyager 1250g
I: 0003 0c2e 0b61 0111
E: 0.000000 0004 0004 458977	# EV_MSC / MSC_SCAN 700e1
E: 0.000000 0001 002a 0001	# EV_KEY / KEY_LEFTSHIFT 1
E: 0.000000 0000 0000 0000	# ------------ SYN_REPORT (0) ----------
E: 0.000950 0004 0004 458756	# EV_MSC / MSC_SCAN 70004
E: 0.000950 0001 001e 0001	# EV_KEY / KEY_A 1
E: 0.000950 0000 0000 0000
E: 0.001900 0004 0004 458756
E: 0.001900 0001 001e 0000	# EV_KEY / KEY_A 0
E: 0.001900 0000 0000 0000
E: 0.002850 0004 0004 458977
E: 0.002850 0001 002a 0000	# EV_KEY / KEY_LEFTSHIFT 0
E: 0.002850 0000 0000 0000
E: 0.003800 0004 0004 458782
E: 0.003800 0001 0002 0001	# EV_KEY / KEY_1 1
E: 0.003800 0000 0000 0000
E: 0.004750 0004 0004 458782
E: 0.004750 0001 0002 0000
E: 0.004750 0000 0000 0000
E: 0.005700 0004 0004 458792
E: 0.005700 0001 001c 0001	# EV_KEY / KEY_ENTER 1
E: 0.005700 0000 0000 0000
E: 0.006650 0004 0004 458792
E: 0.006650 0001 001c 0000
E: 0.006650 0000 0000 0000
"""

# GS1-128 with AIM id and GS typed as Ctrl+] (left Ctrl = 0x1d, ] = 0x1b), hand-recorded layout:
# "]C1" "10AB" Ctrl+] "21X" Enter.
RECORDING_GS1 = """\
E: 0.000 0001 001b 0001
E: 0.000 0001 001b 0000
E: 0.001 0001 002a 0001
E: 0.001 0001 002e 0001
E: 0.001 0001 002e 0000
E: 0.001 0001 002a 0000
E: 0.002 0001 0002 0001
E: 0.002 0001 0002 0000
E: 0.003 0001 0002 0001
E: 0.003 0001 0002 0000
E: 0.003 0001 000b 0001
E: 0.003 0001 000b 0000
E: 0.004 0001 002a 0001
E: 0.004 0001 001e 0001
E: 0.004 0001 001e 0000
E: 0.004 0001 0030 0001
E: 0.004 0001 0030 0000
E: 0.004 0001 002a 0000
E: 0.005 0001 001d 0001
E: 0.005 0001 001b 0001
E: 0.005 0001 001b 0000
E: 0.005 0001 001d 0000
E: 0.006 0001 0003 0001
E: 0.006 0001 0003 0000
E: 0.006 0001 0002 0001
E: 0.006 0001 0002 0000
E: 0.007 0001 0036 0001
E: 0.007 0001 002d 0001
E: 0.007 0001 002d 0000
E: 0.007 0001 0036 0000
E: 0.008 0001 001c 0001
E: 0.008 0001 001c 0000
"""


def _timed(events: list[tuple[int, int, int]], start: float = 0.0, step: float = 0.001):
    return [(t, c, v, start + i * step) for i, (t, c, v) in enumerate(events)]


def test_decode_recorded_evemu_trace_a1():
    assert decode_events(parse_evemu(RECORDING_A1)) == [KeyScan("A1", complete=True)]


def test_decode_gs1_with_ctrl_bracket_as_gs():
    assert decode_events(parse_evemu(RECORDING_GS1)) == [KeyScan("]C110AB\x1d21X", True)]


def test_decode_upper_lower_digits_and_symbols_us():
    text = "Hello World 0123456789 !@#$%^&*()-_=+[]{};:'\",.<>/?\\|`~"
    scans = decode_events(_timed(encode_text(text, US)), US)
    assert scans == [KeyScan(text, True)]


def test_decode_german_layout_swaps_y_and_z_and_types_umlauts():
    # KEY_Z (44) types "y" on a German keyboard; AltGr+Q (16) is "@".
    events = [(EV_KEY, 44, 1), (EV_KEY, 44, 0), (EV_KEY, 100, 1), (EV_KEY, 16, 1)]
    events += [(EV_KEY, 16, 0), (EV_KEY, 100, 0), (EV_KEY, 28, 1), (EV_KEY, 28, 0)]
    assert decode_events(_timed(events), DE) == [KeyScan("y@", True)]
    text = 'Zebra-Übergröße "DE" §4 ä#+*~|{[]}\\'
    assert decode_events(_timed(encode_text(text, DE)), DE) == [KeyScan(text, True)]


def test_decode_same_keys_differ_between_layouts():
    events = _timed(encode_text("yz-", US))
    assert decode_events(events, DE) == [KeyScan("zyß", True)]


def test_decode_missing_terminator_flushes_after_timeout():
    decoder = HidKeyDecoder(US, inter_key_timeout_s=0.05)
    events = encode_text("AST-1", US, terminator=None)
    for i, (t, c, v) in enumerate(events):
        assert decoder.feed(t, c, v, 10.0 + i * 0.001) == []
    deadline = decoder.deadline()
    assert deadline is not None
    assert decoder.poll(deadline - 0.001) == []
    assert decoder.poll(deadline) == [KeyScan("AST-1", complete=False)]
    assert decoder.deadline() is None


def test_decode_next_scan_after_gap_flushes_the_unterminated_one():
    first = _timed(encode_text("AB", US, terminator=None), start=0.0)
    second = _timed(encode_text("CD", US), start=1.0)
    scans = decode_events(first + second, US, inter_key_timeout_s=0.1)
    assert scans == [KeyScan("AB", False), KeyScan("CD", True)]


def test_decode_ignores_auto_repeat():
    events = [(EV_KEY, 30, 1), (EV_KEY, 30, 2), (EV_KEY, 30, 2), (EV_KEY, 30, 0)]
    events += [(EV_KEY, 48, 1), (EV_KEY, 48, 2), (EV_KEY, 48, 0), (EV_KEY, 28, 1), (EV_KEY, 28, 2)]
    assert decode_events(_timed(events), US) == [KeyScan("ab", True)]


def test_decode_tab_terminator_only_when_configured():
    events = _timed(encode_text("A", US, terminator="tab") + encode_text("B", US))
    assert decode_events(events, US, terminators=["tab"]) == [
        KeyScan("A", True),
        KeyScan("B", False),
    ]
    assert decode_events(events, US, terminators=["enter"]) == [KeyScan("A\tB", True)]


def test_decode_keypad_enter_and_keypad_digits():
    # KP1 KP2 KPENTER
    events = [(EV_KEY, 79, 1), (EV_KEY, 79, 0), (EV_KEY, 80, 1), (EV_KEY, 80, 0)]
    events += [(EV_KEY, 96, 1), (EV_KEY, 96, 0)]
    assert decode_events(_timed(events), US, terminators=["kpenter"]) == [KeyScan("12", True)]


def test_decode_alt_keypad_code_types_gs():
    alt, kp0, kp2, kp9 = 56, 82, 80, 73
    events = [*encode_text("10A", US, terminator=None), (EV_KEY, alt, 1)]
    for key in (kp0, kp0, kp2, kp9):
        events += [(EV_KEY, key, 1), (EV_KEY, key, 0)]
    events += [(EV_KEY, alt, 0), *encode_text("21B", US)]
    assert decode_events(_timed(events), US) == [KeyScan("10A\x1d21B", True)]


def test_decode_drops_scan_longer_than_max_length():
    decoder = HidKeyDecoder(US, max_length=5)
    out = []
    for i, (t, c, v) in enumerate(encode_text("ABCDEFG", US) + encode_text("OK", US)):
        out += decoder.feed(t, c, v, i * 0.001)
    assert out == [KeyScan("OK", True)]
    assert decoder.dropped_scans == 1


def test_decode_unknown_keys_are_ignored_and_counted():
    f1, up = 59, 103
    events = [(EV_KEY, f1, 1), (EV_KEY, f1, 0), (EV_KEY, up, 1), (EV_KEY, up, 0)]
    decoder = HidKeyDecoder(US)
    for i, (t, c, v) in enumerate(events + encode_text("X", US)):
        decoder.feed(t, c, v, i * 0.001)
    assert decoder.ignored_keys == 2


def test_layout_for_unknown_name_is_a_clear_error():
    assert layout_for("de") is DE
    with pytest.raises(LayoutError, match="known: us, de"):
        layout_for("fr")


def test_parse_evemu_rejects_a_broken_event_line():
    with pytest.raises(ValueError, match="line 2"):
        parse_evemu("# EVEMU 1.3\nE: 0.1 zz 0001 1\n")


_US_CHARS = string.ascii_letters + string.digits + string.punctuation + " \x1d"
_DE_CHARS = string.ascii_letters + string.digits + "äöüÄÖÜß§€@{}[]~|<>#+-_.,;:!?\"'/\\ \x1d"


@given(st.text(alphabet=_US_CHARS, min_size=1, max_size=60))
def test_decode_encode_round_trip_us(text):
    assert decode_events(_timed(encode_text(text, US)), US) == [KeyScan(text, True)]


@given(st.text(alphabet=_DE_CHARS, min_size=1, max_size=60))
def test_decode_encode_round_trip_de(text):
    assert decode_events(_timed(encode_text(text, DE)), DE) == [KeyScan(text, True)]


@given(
    st.lists(
        st.tuples(st.sampled_from([0, 1, 4]), st.integers(0, 300), st.integers(-1, 3)),
        max_size=200,
    )
)
def test_decode_never_raises_on_random_events(events):
    scans = decode_events(_timed(events), US)
    assert all(scan.text for scan in scans)


def test_encode_rejects_untypable_character():
    with pytest.raises(LayoutError):
        encode_text("€", US)


def test_format_evemu_round_trips_through_parse_evemu():
    events = _timed(encode_text("]C1AB\x1dC", US), start=1.5, step=0.000125)
    parsed = parse_evemu(format_evemu(events))
    assert [(t, c, v) for t, c, v, _ in parsed] == [(t, c, v) for t, c, v, _ in events]
    assert all(abs(a[3] - b[3]) < 1e-6 for a, b in zip(parsed, events, strict=True))
