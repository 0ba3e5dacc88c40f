from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scanner.codecs import CodecError
from scanner.codecs.framing import LineFramer, LineTooLong


def _feed_all(framer: LineFramer, chunks: list[bytes]) -> list[bytes]:
    out: list[bytes] = []
    for chunk in chunks:
        out += framer.feed(chunk)
    return out


def _split(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({c % (len(data) + 1) for c in cuts})
    bounds = [0, *points, len(data)]
    return [data[a:b] for a, b in itertools.pairwise(bounds)]


def test_framer_splits_lines_on_terminator():
    framer = LineFramer(b"\r\n", 64)
    assert framer.feed(b"]C0ABC\r\n]E0123") == [b"]C0ABC"]
    assert framer.feed(b"\r\n") == [b"]E0123"]


@given(
    lines=st.lists(st.binary(max_size=40).filter(lambda b: b"\r" not in b), max_size=20),
    cuts=st.lists(st.integers(min_value=0, max_value=2000), max_size=30),
    term=st.sampled_from([b"\r", b"\r\n", b"\n", b"\x03\x04\x05"]),
)
def test_framer_any_chunk_split_gives_same_frames(lines, cuts, term):
    lines = [line.replace(b"\n", b"").replace(b"\x03", b"") for line in lines]
    stream = b"".join(line + term for line in lines)
    whole = LineFramer(term, 24)
    expected = whole.feed(stream)
    split = LineFramer(term, 24)
    got = _feed_all(split, _split(stream, cuts))
    assert got == expected
    assert split.dropped == whole.dropped
    assert got == [line for line in lines if len(line) <= 24]
    assert whole.dropped == sum(1 for line in lines if len(line) > 24)


def test_framer_drops_overlong_line_and_resyncs():
    framer = LineFramer(b"\r\n", 8)
    assert framer.feed(b"GOOD1\r\n" + b"X" * 50) == [b"GOOD1"]
    errors = framer.take_errors()
    assert len(errors) == 1
    assert isinstance(errors[0], LineTooLong)
    assert isinstance(errors[0], CodecError)
    assert "58 58" in str(errors[0])  # the offending bytes, in hex
    assert framer.feed(b"Y" * 5000) == []
    assert framer.feed(b"\r\nGOOD2\r\n") == [b"GOOD2"]
    assert framer.dropped == 1
    assert framer.take_errors() == []


def test_framer_buffer_stays_bounded_without_terminator():
    framer = LineFramer(b"\r\n", 16)
    for _ in range(1000):
        framer.feed(b"Z" * 1000)
    assert len(framer._buf) <= 16 + 1


def test_framer_counts_every_dropped_line_and_resets():
    framer = LineFramer(b"\n", 4)
    assert framer.feed(b"LONG-1\nok\nLONG-22\nLONG-333\n") == [b"ok"]
    assert framer.dropped == 3
    errors = framer.take_errors()
    assert [e.reason for e in errors] == ["line longer than 4 bytes dropped"] * 3
    assert [e.data for e in errors] == [b"LONG"] * 3  # the first max_line bytes, as evidence
    framer.feed(b"PART")
    framer.reset()  # the port was reopened: the partial line is gone
    assert framer.feed(b"IAL\nnew\n") == [b"IAL", b"new"]


def test_framer_reports_an_overlong_partial_line_at_once_and_keeps_a_split_terminator():
    framer = LineFramer(b"\r\n", 4)
    assert framer.feed(b"ABCD\r") == []  # 4 bytes + half a terminator: still a valid line
    assert framer.feed(b"\n") == [b"ABCD"]
    assert framer.feed(b"ABCDEF") == []  # already longer than 4 + a partial terminator
    assert [e.data for e in framer.take_errors()] == [b"ABCD"]
    assert framer.feed(b"GHIJ\r") == []  # the rest of the dropped line
    assert len(framer._buf) == 1  # only what may start a terminator is kept
    assert framer.feed(b"\nOK\r\n") == [b"OK"]
    assert framer.dropped == 1


def test_framer_settings_are_checked():
    assert LineFramer(b"\n", 1).feed(b"A\nBB\n") == [b"A"]
    with pytest.raises(ValueError, match="terminator must not be empty"):
        LineFramer(b"", 8)
    with pytest.raises(ValueError, match="max_line must be positive"):
        LineFramer(b"\n", 0)
