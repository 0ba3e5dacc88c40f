"""The shared resynchronising framer, on a toy protocol: 0xAA, a length byte, data, a check
byte (the sum of everything before it); lengths over 10 cannot start a frame."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from scanner.codecs import CodecError
from scanner.codecs.uhf_framing import FrameSplitter


class ToyError(CodecError):
    """The toy codec's error."""


def _length(buf: bytearray, i: int) -> int | None:
    if i + 1 >= len(buf):
        return None
    return -1 if buf[i + 1] > 10 else buf[i + 1] + 3


def _valid(frame: bytes) -> bool:
    return sum(frame[:-1]) & 0xFF == frame[-1]


def frame(data: bytes) -> bytes:
    head = bytes([0xAA, len(data)]) + data
    return head + bytes([sum(head) & 0xFF])


def splitter(max_buffer: int = 4096) -> FrameSplitter:
    return FrameSplitter(0xAA, _length, _valid, ToyError, max_buffer)


def _reasons(s: FrameSplitter) -> list[tuple[str, bytes]]:
    errors = s.take_errors()
    assert all(isinstance(e, ToyError) for e in errors)
    return [(str(e.reason), e.data) for e in errors]


def test_splitter_names_each_kind_of_garbage_and_counts_what_it_drops():
    good = frame(b"\x01\x02")
    bad_check = good[:-1] + b"\x00"
    s = splitter()
    stream = b"\x01\x02" + good + bytes([0xAA, 11]) + good + bad_check + good
    assert s.feed(stream) == [good, good, good]
    assert _reasons(s) == [
        ("discarded bytes (no frame start)", b"\x01\x02"),
        ("discarded bytes (bad frame header)", bytes([0xAA, 11])),
        ("discarded bytes (bad checksum)", bad_check),
    ]
    assert (s.frames, s.dropped) == (3, 2 + 2 + len(bad_check))
    assert s.feed(good) == [good]
    assert s.frames == 4  # counted across feeds


def test_splitter_skips_a_truncated_frame_when_a_good_one_follows():
    good = frame(b"OK")
    s = splitter()
    assert s.feed(frame(b"LONGERDATA")[:5] + good) == [good]
    assert _reasons(s) == [("discarded bytes (truncated frame)", frame(b"LONGERDATA")[:5])]


def test_splitter_waits_for_an_incomplete_frame_then_bounds_its_buffer():
    s = splitter(max_buffer=8)
    start = bytes([0xAA, 10]) + b"0123456"  # 9 of a 13-byte frame, nothing later to prefer
    assert s.feed(start[:8]) == []  # exactly at the bound: kept whole, no error
    assert (s.take_errors(), s.dropped) == ([], 0)
    assert s.feed(start[8:]) == []  # one over: the oldest byte goes
    assert _reasons(s) == [("discarded bytes (buffer overflow)", b"\xaa")]
    assert s.dropped == 1
    assert len(s._buf) == 8


def test_splitter_keeps_only_the_newest_errors():
    s = splitter()
    good = frame(b"")
    for n in range(40):
        s.feed(bytes([n + 1]) + good)
    errors = _reasons(s)
    assert len(errors) == 32
    assert errors[0][1] == bytes([9]) and errors[-1][1] == bytes([40])


@given(st.lists(st.binary(max_size=10), max_size=8), st.lists(st.integers(0, 200), max_size=10))
def test_splitter_any_split_gives_the_same_frames(payloads, cuts):
    stream = b"".join(b"\x00" + frame(p) for p in payloads)
    whole = splitter()
    expected = whole.feed(stream)
    assert expected == [frame(p) for p in payloads]
    pieces, last = [], 0
    for cut in sorted({c % (len(stream) + 1) for c in cuts}):
        pieces.append(stream[last:cut])
        last = cut
    pieces.append(stream[last:])
    split = splitter()
    assert [f for piece in pieces for f in split.feed(piece)] == expected
    assert (split.frames, split.dropped) == (whole.frames, whole.dropped) == (len(payloads),) * 2
