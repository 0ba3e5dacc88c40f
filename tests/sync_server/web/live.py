"""A real uvicorn process serving the app on a free port over a seeded SQLite file."""

from __future__ import annotations

import contextlib
import os
import queue
import socket
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO

from sqlalchemy.engine import Engine

from sync_server.db import make_engine, upgrade_schema
from tests.sync_server.web.seed import seed_site

READY = "Application startup complete"


def _pump(stream: IO[str], lines: queue.Queue[str]) -> None:
    for line in stream:
        lines.put(line)
    lines.put("")  # end of output: the process is gone


def _wait_ready(proc: subprocess.Popen[str], lines: queue.Queue[str], timeout: float) -> None:
    seen: list[str] = []
    while True:
        try:
            line = lines.get(timeout=timeout)
        except queue.Empty:
            raise RuntimeError(f"uvicorn not ready after {timeout} s: {''.join(seen)}") from None
        seen.append(line)
        if READY in line:
            return
        if line == "" and proc.poll() is not None:
            raise RuntimeError(f"uvicorn exited with {proc.returncode}: {''.join(seen)}")


@contextlib.contextmanager
def live_server(
    workdir: Path, timeout: float = 60.0, prepare: Callable[[Engine], None] | None = None
) -> Iterator[str]:
    """Seed a SQLite database in `workdir` (then `prepare` it further, if given), serve it with
    uvicorn on a free port, yield its URL."""
    db = f"sqlite:///{workdir / 'ui.db'}"
    upgrade_schema(db)
    engine = make_engine(db)
    try:
        seed_site(engine)
        if prepare is not None:
            prepare(engine)
    finally:
        engine.dispose()
    # Bind here and hand the socket to uvicorn: a free port with no window for another taker.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.set_inheritable(True)
    port = sock.getsockname()[1]
    cmd = [sys.executable, "-m", "uvicorn", "sync_server.main:create_app", "--factory"]
    cmd += ["--fd", str(sock.fileno()), "--log-level", "info"]
    env = {**os.environ, "SCANSTATION_DB": db}
    proc = subprocess.Popen(
        cmd, env=env, pass_fds=(sock.fileno(),), stderr=subprocess.PIPE, text=True
    )
    sock.close()
    assert proc.stderr is not None
    lines: queue.Queue[str] = queue.Queue()
    pump = threading.Thread(target=_pump, args=(proc.stderr, lines), daemon=True)
    pump.start()
    try:
        _wait_ready(proc, lines, timeout)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        pump.join(timeout=10)
        proc.stderr.close()
