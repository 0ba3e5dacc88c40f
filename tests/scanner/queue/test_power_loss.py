"""The outbox survives a power cut: every append and ack it returned is on disk afterwards.

A child process runs the real `Outbox` with its file IO recorded (tests/powercut); it is killed
at a random moment, and the disk a power cut would leave is rebuilt from the record (only what
fsync made durable, or that plus a random torn subset of the rest), then reopened.
"""

from __future__ import annotations

import random
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from scanner.queue import Outbox
from tests.powercut import crash_images, power_cut, shim_env
from tests.powercut.outbox_writer import code_of


@dataclass
class Acknowledged:
    """What the child was told was durable before the cut."""

    stream: str = ""
    appended: int = 0
    acked: int = 0


def _run_and_cut(shim: Path, work: Path, seed: int, *weaker: str) -> Acknowledged:
    rng = random.Random(seed)
    log = work / "io.log"
    env = shim_env(shim, work / "disk", log)
    cmd = [sys.executable, "-m", "tests.powercut.outbox_writer", str(work / "disk" / "q.db")]
    proc = subprocess.Popen([*cmd, str(seed), *weaker], stdout=subprocess.PIPE, env=env)
    assert proc.stdout is not None
    seen = Acknowledged()
    try:
        for _ in range(rng.randint(10, 80)):
            _take(seen, proc.stdout.readline())
        time.sleep(rng.uniform(0, 0.004))  # cut mid-append, mid-ack or in between
    finally:
        power_cut(proc)
    with proc.stdout:
        for line in proc.stdout.read().splitlines():  # printed before the cut: acknowledged
            _take(seen, line)
    assert seen.stream and seen.appended, "the writer never got going"
    return seen


def _take(seen: Acknowledged, line: bytes) -> None:
    assert line, "the writer died before the cut"
    word, value = line.decode().split()
    if word == "stream":
        seen.stream = value
    elif word == "appended":
        seen.appended = int(value)
    else:
        seen.acked = int(value)


def _check_image(path: Path, seen: Acknowledged, image: str) -> None:
    box = Outbox(path)
    try:
        assert box.integrity_check() == ["ok"], image
        assert box.stream_id == seen.stream, image
        assert box.committed_seq() >= seen.appended, f"{image}: an acknowledged append was lost"
        assert box.hwm() >= seen.acked, f"{image}: an acknowledged ack was lost"
        rows = box._conn.execute("SELECT seq, body FROM events ORDER BY seq").fetchall()
        assert [seq for seq, _ in rows] == list(range(box.hwm() + 1, box.committed_seq() + 1))
        assert all(f'"code":"{code_of(seq)}"' in body for seq, body in rows), image
    finally:
        box.close()


def test_outbox_keeps_every_acknowledged_append_and_ack_through_power_cuts(
    tmp_path: Path, powercut_shim: Path
):
    for seed in range(3):
        work = tmp_path / f"run{seed}"
        (work / "disk").mkdir(parents=True)
        seen = _run_and_cut(powercut_shim, work, seed)
        # No initial files: the queue is created under the recorder.
        for image, disk in crash_images({}, work / "io.log", work / "disk", work / "image", seed):
            _check_image(disk / "q.db", seen, image)


def test_power_cut_harness_catches_a_queue_without_full_sync(tmp_path: Path, powercut_shim: Path):
    """Control: the same run with synchronous=NORMAL loses acknowledged appends, so the test
    above would have failed on it."""
    work = tmp_path / "normal"
    (work / "disk").mkdir(parents=True)
    seen = _run_and_cut(powercut_shim, work, 7, "NORMAL")
    strict = next(crash_images({}, work / "io.log", work / "disk", work / "image", 7))[1]
    box = Outbox(strict / "q.db")
    try:
        assert box.committed_seq() < seen.appended
    finally:
        box.close()
