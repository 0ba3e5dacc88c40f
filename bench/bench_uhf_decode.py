"""Tag-report decoding speed per UHF protocol, on one core (target: >= 100,000 frames/s).

For each protocol in `PROTOCOLS`, a stream of tag-report frames (random EPCs, antennas, RSSI)
is fed in 4 KiB chunks, as a serial port delivers it, through:
  - "frames":  the framer and the tag-record decoder (the codec path);
  - "session": the driver's whole sans-IO path, `session.receive_data` -> TagSeen actions;
and, as the baseline measured in the same run, "slice": cutting the same frames at known
boundaries with nothing checked (the floor any framer pays). Ratios are against the target.
Every path must yield every frame, or the run fails.

    .venv/bin/python bench/bench_uhf_decode.py [--frames 100000] [--repeat 3] [--check]

To add a protocol, add one `Protocol` row: how to encode a tag frame, how to decode a stream,
and how to build a streaming session.
"""

from __future__ import annotations

import argparse
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bench.targets import Targets, add_check_flag
from scanner.codecs import chafon as c
from scanner.codecs import mercury as m
from scanner.codecs import r2000 as r
from scanner.profiles.rfid import RfidSettings
from scanner.protocols.chafon_session import ChafonConfig, ChafonSession
from scanner.protocols.mercury_session import MercurySession
from scanner.protocols.r2000_session import R2000Session
from scanner.protocols.uhf_actions import TagSeen
from scanner.protocols.uhf_session import State

TARGET = 100_000
CHUNK = 4096


@dataclass(frozen=True)
class Protocol:
    """One row of the benchmark: a protocol's tag frame, stream decoder and session."""

    name: str
    encode_tag: Callable[[bytes, int, int], bytes]  # (EPC, antenna, RSSI) -> frame
    decode_stream: Callable[[list[bytes]], int]  # chunks -> tags decoded
    streaming_session: Callable[[], Any]  # a session already in STREAMING


def _mercury_decode(chunks: list[bytes]) -> int:
    framer, count = m.MercuryFramer(), 0
    for chunk in chunks:
        for frame in framer.feed(chunk):
            if m.decode_tag_record(frame) is not None:
                count += 1
    return count


def _mercury_session() -> MercurySession:
    session = MercurySession(_settings("mercury", "NA2"))
    session.start(0.0)
    for op in (0x03, 0x0C, 0x93, 0x97, 0x92, 0x91, 0x9A, 0x2F):
        data = bytes(20) if op == 0x03 else b"\x02" if op == 0x0C else b""
        session.receive_data(m.encode_response(op, 0, data), 0.0)
    return session


def _r2000_decode(chunks: list[bytes]) -> int:
    framer, count = r.R2000Framer(), 0
    for chunk in chunks:
        for frame in framer.feed(chunk):
            if isinstance(r.decode_inventory(frame), r.R2000TagRead):
                count += 1
    return count


def _r2000_session() -> R2000Session:
    session = R2000Session(_settings("r2000", "FCC"))
    session.start(0.0)
    for cmd in (0x72, 0x78, 0x76, 0x74):
        session.receive_data(r.encode_frame(0x01, cmd, b"\x08\x01" if cmd == 0x72 else b"\x10"), 0)
    return session


def _chafon_decode(chunks: list[bytes]) -> int:
    framer, count = c.ChafonFramer(), 0
    for chunk in chunks:
        for frame in framer.feed(chunk):
            if frame.cmd == c.RECMD_SCAN_PUSH:
                count += c.decode_scan_push(frame) is not None
            else:
                count += len(c.decode_inventory(frame, with_antenna_rssi=True).tags)
    return count


def _chafon_session(quirks: dict[str, str | int]) -> Callable[[], ChafonSession]:
    def build() -> ChafonSession:
        ports = 4 if quirks["chafon_dialect"] == "uhfreader288" else 1
        rfid = _settings("chafon", "US").model_copy(update={"antennas": ports})
        session = ChafonSession(ChafonConfig.from_profile(rfid, quirks))
        session.start(0.0)
        info = bytes([2, 36, 0x0C, 3, 0x3E, 0, 30, 10])
        session.receive_data(c.encode_response(0, c.CMD_READER_INFO, 0, info), 0.0)
        session.receive_data(c.encode_response(0, c.CMD_SET_POWER, 0), 0.0)
        if quirks["chafon_dialect"] == "uhfreader18":
            session.receive_data(c.encode_response(0, c.CMD_SET_SCAN_TIME, 0), 0.0)
            session.receive_data(c.encode_response(0, c.CMD_SET_WORK_MODE, 0), 0.0)
        return session

    return build


def _settings(protocol: str, region: str) -> RfidSettings:
    return RfidSettings.model_validate(
        {"protocol": protocol, "region": region, "antennas": 1, "min_power_dbm": 0,
         "max_power_dbm": 30, "power_dbm": 20, "stream_timeout_s": 1e9}
    )  # fmt: skip


PROTOCOLS = [
    Protocol(
        "mercury",
        lambda epc, ant, rssi: m.encode_tag_record(
            epc, rssi=rssi, antenna=ant, frequency_khz=915250, timestamp_ms=1000
        ),
        _mercury_decode,
        _mercury_session,
    ),
    Protocol(
        "r2000",
        lambda epc, ant, rssi: r.encode_tag_frame(
            0x01, epc, antenna=ant, rssi_dbm=rssi, frequency_index=20
        ),
        _r2000_decode,
        _r2000_session,
    ),
    # Answer mode, one tag per reply frame with status 0x03 (more frames follow): the
    # worst case, as a busy UHFReader288 round delivers it.
    Protocol(
        "chafon-288",
        lambda epc, ant, rssi: c.encode_inventory_reply(
            0,
            c.STATUS_MORE_FRAMES,
            [c.ChafonTag(epc, ant, rssi + 129)],
            with_antenna_rssi=True,
            antenna=ant,
        ),
        _chafon_decode,
        _chafon_session({"chafon_dialect": "uhfreader288"}),
    ),
    # Scan mode: every read pushed as its own 0xEE frame (UHFReader18 / ZK-RFID102).
    Protocol(
        "chafon-scan",
        lambda epc, _ant, _rssi: c.encode_response(0, c.RECMD_SCAN_PUSH, c.STATUS_OK, epc),
        _chafon_decode,
        _chafon_session({"chafon_dialect": "uhfreader18", "chafon_work_mode": "scan"}),
    ),
]


def _frames(proto: Protocol, n: int, rng: random.Random) -> list[bytes]:
    pool = [
        proto.encode_tag(rng.randbytes(12), rng.randint(1, 4), rng.randint(-80, -30))
        for _ in range(500)
    ]
    return [pool[i % len(pool)] for i in range(n)]


def _chunks(stream: bytes) -> list[bytes]:
    return [stream[i : i + CHUNK] for i in range(0, len(stream), CHUNK)]


def _best(fn: Callable[[], int], repeat: int) -> tuple[float, int]:
    best, count = float("inf"), 0
    for _ in range(repeat):
        started = time.perf_counter()
        count = fn()
        best = min(best, time.perf_counter() - started)
    return best, count


def _slice(frames: list[bytes], chunks: list[bytes]) -> int:
    stream, pos, count = b"".join(chunks), 0, 0
    for frame in frames:
        _ = stream[pos : pos + len(frame)]
        pos += len(frame)
        count += 1
    return count


def _session_run(proto: Protocol, chunks: list[bytes]) -> int:
    session = proto.streaming_session()
    assert session.state is State.STREAMING, session.state
    count = 0
    for chunk in chunks:
        count += sum(isinstance(a, TagSeen) for a in session.receive_data(chunk, 1.0))
    return count


def main() -> None:
    """Print frames/s per protocol and path, with ratios."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--frames", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    add_check_flag(parser)
    args = parser.parse_args()
    targets = Targets("uhf_decode", check=args.check)
    rng = random.Random(1)
    print(f"{'protocol':12} {'path':8} {'frames/s':>12} {'vs target':>10}")
    for proto in PROTOCOLS:
        frames = _frames(proto, args.frames, rng)
        chunks = _chunks(b"".join(frames))
        paths = {
            "slice": lambda f=frames, c=chunks: _slice(f, c),
            "frames": lambda p=proto, c=chunks: p.decode_stream(c),
            "session": lambda p=proto, c=chunks: _session_run(p, c),
        }
        for path, fn in paths.items():
            seconds, count = _best(fn, args.repeat)
            if count != len(frames):
                raise SystemExit(f"{proto.name}/{path}: decoded {count} of {len(frames)} frames")
            rate = count / seconds
            print(f"{proto.name:12} {path:8} {rate:12,.0f} {rate / TARGET:9.2f}x")
            if path != "slice":  # the baseline: the floor any framer pays, no target
                targets.record(f"{proto.name} {path}", rate, ">=", TARGET, "frames/s")
    targets.finish()


if __name__ == "__main__":
    main()
