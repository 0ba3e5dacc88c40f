"""The server's acknowledgement survives a power cut: every event covered by an `hwm` it
answered is in the database the cut leaves (the agent has forgotten those events by then).

The real server runs under uvicorn with its file IO recorded (tests/powercut) while batches
arrive over HTTP; it is killed at a random moment (often mid-request) and the disk a power cut
would leave is rebuilt from the record, then opened by the server's own engine.
"""

from __future__ import annotations

import random
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import httpx
from sqlalchemy import text
from sqlmodel import Session

from sync_server.db import make_engine, upgrade_schema
from sync_server.services import auth
from tests.e2e.stack import free_port
from tests.powercut import crash_images, power_cut, shim_env, snapshot
from tests.sync_server.conftest import batch, event


def _prepare(disk: Path) -> tuple[str, str]:
    """A migrated database with one enrolled device, closed cleanly; (url, token)."""
    url = f"sqlite:///{disk / 'server.db'}"
    upgrade_schema(url)
    engine = make_engine(url)
    with Session(engine) as s:
        token = auth.enroll_device(s, "dev-1").token
        s.commit()
    engine.dispose()
    return url, token


class Sender(threading.Thread):
    """Posts consecutive batches of one stream until the server stops answering; keeps the
    highest `hwm` acknowledged."""

    def __init__(self, port: int, token: str, seed: int) -> None:
        super().__init__(daemon=True)
        self.port, self.token, self.rng = port, token, random.Random(seed)
        self.stream = str(uuid.uuid4())
        self.hwm = 0
        self.answers = 0

    def run(self) -> None:
        headers = {"Authorization": f"Bearer {self.token}"}
        with httpx.Client(base_url=f"http://127.0.0.1:{self.port}", timeout=30) as client:
            seq = 1
            while True:
                size = self.rng.randint(1, 60)
                events = [event(s, code=f"AST-{s:06d}") for s in range(seq, seq + size)]
                try:
                    r = client.post(
                        "/api/v1/sync/batches",
                        json=batch("dev-1", events, self.stream),
                        headers=headers,
                    )
                except httpx.TransportError:
                    return
                assert r.status_code == 200, r.text
                self.hwm, seq = r.json()["hwm"], seq + size
                self.answers += 1


def _serve(shim: Path, work: Path, url: str, *weaker: str) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    env = shim_env(shim, work / "disk", work / "io.log")
    env.update(SCANSTATION_DB=url, SCANSTATION_UPGRADE_SCHEMA="false")
    cmd = [sys.executable, "-m", "tests.powercut.serve", str(port), *weaker]
    proc = subprocess.Popen(cmd, env=env)
    deadline = time.monotonic() + 60
    while True:
        try:
            httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).raise_for_status()
            return proc, port
        except httpx.TransportError:
            assert proc.poll() is None and time.monotonic() < deadline, "server did not start"
            time.sleep(0.05)


def _run_and_cut(
    shim: Path, work: Path, seed: int, *weaker: str
) -> tuple[Sender, dict[str, bytes]]:
    (work / "disk").mkdir(parents=True)
    url, token = _prepare(work / "disk")
    initial = snapshot(work / "disk")
    proc, port = _serve(shim, work, url, *weaker)
    sender = Sender(port, token, seed)
    rng = random.Random(seed)
    try:
        sender.start()
        wanted = rng.randint(5, 25)
        while sender.answers < wanted and sender.is_alive():
            time.sleep(0.005)
        time.sleep(rng.uniform(0, 0.02))  # usually mid-request, sometimes between two
    finally:
        power_cut(proc)
    sender.join(30)
    assert sender.answers >= wanted, "the sender stopped before the cut"
    return sender, initial


def _held(disk: Path, stream: str) -> tuple[list[int], int, str]:
    """(seqs stored for `stream`, the stream's hwm, integrity_check) on a crash image."""
    engine = make_engine(f"sqlite:///{disk / 'server.db'}")
    try:
        with engine.connect() as conn:
            seqs = conn.execute(
                text("SELECT seq FROM event WHERE stream_id = :s ORDER BY seq"), {"s": stream}
            ).scalars()
            hwm = conn.execute(
                text("SELECT hwm FROM stream WHERE stream_id = :s"), {"s": stream}
            ).scalar()
            check = conn.exec_driver_sql("PRAGMA integrity_check").scalar()
            return list(seqs), int(hwm or 0), str(check)
    finally:
        engine.dispose()


def test_server_keeps_every_acknowledged_event_through_power_cuts(
    tmp_path: Path, powercut_shim: Path
):
    # One cut per run (a server start costs seconds); the outbox test covers more cut points.
    sender, initial = _run_and_cut(powercut_shim, tmp_path, 0)
    images = crash_images(initial, tmp_path / "io.log", tmp_path / "disk", tmp_path / "i", 0, 6)
    for image, disk in images:
        seqs, hwm, check = _held(disk, sender.stream)
        assert check == "ok", image
        assert hwm >= sender.hwm, f"{image}: the acknowledged hwm went back"
        assert seqs[: sender.hwm] == list(range(1, sender.hwm + 1)), f"{image}: events lost"
        assert seqs == list(range(1, len(seqs) + 1)), f"{image}: a gap or a duplicate"


def test_power_cut_harness_catches_a_server_without_full_sync(tmp_path: Path, powercut_shim: Path):
    """Control: synchronous=NORMAL (the old setting) loses acknowledged events on the same
    run, so the test above would have failed on it."""
    sender, initial = _run_and_cut(powercut_shim, tmp_path, 3, "NORMAL")
    strict = next(crash_images(initial, tmp_path / "io.log", tmp_path / "disk", tmp_path / "i", 3))
    seqs, _, _ = _held(strict[1], sender.stream)
    assert len(seqs) < sender.hwm
