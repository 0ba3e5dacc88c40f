"""Sync ingest throughput over real HTTP: sightings/s with batches of 500 against one event per
request, on a fresh SQLite file and (when reachable) a fresh PostgreSQL database, each served by
a real uvicorn process on a free port (acceptance 7).

Run: .venv/bin/python bench/bench_ingest.py [--events N] [--single N] [--pg URL] [--check]
Targets (2 cores): >= 20,000 sightings/s on SQLite with batches of 500, >= 50x one-per-request.

The server's SQLite runs synchronous=FULL (an acknowledged batch survives a power cut). For
reference the same SQLite run is repeated with synchronous=NORMAL, the setting before issue 13
(faster, but a power cut can lose acknowledged batches); it has no target. --no-normal skips it.
"""

from __future__ import annotations

import argparse
import json
import os
import select
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from sqlmodel import Session

from bench.targets import Targets, add_check_flag
from sync_server.db import make_engine, upgrade_schema, writer
from sync_server.services import auth, registry

ASSETS = 2_000
PG_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
TARGET_SQLITE_RATE = 20_000
TARGET_RATIO = 50.0
# The server with every SQLite connection weakened after its own settings (reference run only).
_WEAKENED_SERVER = """
import sys, uvicorn
from sync_server import db
strong = db._on_sqlite_connect
def weakened(conn, record):
    strong(conn, record)
    conn.execute("PRAGMA synchronous=" + sys.argv[1])
db._on_sqlite_connect = weakened
uvicorn.run("sync_server.main:create_app", factory=True, port=int(sys.argv[2]),
            log_level="warning", access_log=False)
"""


def _epc(serial: int) -> str:
    # SGTIN-96: header 0x30, filter 1, partition 5 (GS1 company prefix 0614141, item 12345).
    value = (0x30 << 88) | (1 << 85) | (5 << 82) | (614141 << 58) | (12345 << 38) | serial
    return f"{value:024X}"


def _prepare(url: str) -> str:
    """Migrate, register assets and a read point, enroll a device; return its token."""
    upgrade_schema(url)
    engine = make_engine(url)
    with Session(writer(engine)) as s:
        for code in ("WH1", "WH1-A", "YARD"):
            registry.create_location(s, registry.LocationIn(code=code, name=code))
        registry.create_read_point(
            s, registry.ReadPointIn(code="DOCK3", location="WH1", inside="WH1-A", outside="YARD")
        )
        for i in range(ASSETS):
            tag = f"AST-{i:06d}"
            registry.create_asset(s, registry.AssetIn(asset_tag=tag, name=tag, epc=_epc(i)))
        token = auth.enroll_device(s, "bench-portal").token
        s.commit()
    engine.dispose()
    return token


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _start_server(url: str, port: int, synchronous: str | None) -> subprocess.Popen[bytes]:
    env = {**os.environ, "SCANSTATION_DB": url, "SCANSTATION_UPGRADE_SCHEMA": "false"}
    cmd = [sys.executable, "-m", "uvicorn", "sync_server.main:create_app", "--factory"]
    cmd += ["--port", str(port), "--no-access-log", "--log-level", "warning"]
    if synchronous is not None:
        cmd = [sys.executable, "-c", _WEAKENED_SERVER, synchronous, str(port)]
    proc = subprocess.Popen(cmd, env=env, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while True:
        try:
            httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).raise_for_status()
            return proc
        except httpx.TransportError:
            if proc.poll() is not None or time.monotonic() > deadline:
                assert proc.stderr is not None
                raise SystemExit(f"server did not start: {proc.stderr.read().decode()}") from None
            select.select([], [], [], 0.05)


def _events(first_seq: int, n: int) -> list[dict[str, Any]]:
    now = datetime.now(UTC).isoformat()
    return [
        {
            "seq": first_seq + i,
            "type": "sighting",
            "code": _epc((first_seq + i) % ASSETS),
            "source": "rfid",
            "symbology": "epc",
            "observed_at": now,
            "boot_id": "bench-boot",
            "mono_ns": first_seq + i,
            "read_point": "DOCK3",
            "antenna": 1 + i % 4,
            "rssi": -52.5,
            "read_count": 3,
            "direction": "in" if i % 7 == 0 else None,
        }
        for i in range(n)
    ]


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _send(
    client: httpx.Client, token: str, total: int, per_request: int, pid: int
) -> tuple[float, float]:
    """(sightings/s of wall time, sightings per server CPU second) sending `total` events in
    requests of `per_request`."""
    stream = str(uuid.uuid4())
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    bodies: list[bytes] = []
    for start in range(1, total + 1, per_request):
        envelope = {
            "wire_version": 1,
            "batch_id": str(uuid.uuid4()),
            "device_id": "bench-portal",
            "stream_id": stream,
            "clock": {
                "boot_id": "bench-boot",
                "mono_ns": total,
                "wall": datetime.now(UTC).isoformat(),
            },
            "events": _events(start, min(per_request, total + 1 - start)),
        }
        bodies.append(json.dumps(envelope).encode())  # the agent's encoding is not timed
    began, cpu = time.perf_counter(), _cpu_seconds(pid)
    hwm = 0
    for body in bodies:
        response = client.post("/api/v1/sync/batches", content=body, headers=headers)
        response.raise_for_status()
        hwm = response.json()["hwm"]
    elapsed = time.perf_counter() - began
    cpu = _cpu_seconds(pid) - cpu
    assert hwm == total, f"hwm {hwm} != {total}"
    return total / elapsed, total / max(cpu, 1e-3)


def run_backend(
    name: str, url: str, events: int, single: int, batch: int, synchronous: str | None = None
) -> tuple[float, float]:
    """Measure one backend, print its figures; (batched, one per request) sightings/s."""
    token = _prepare(url)
    port = _free_port()
    proc = _start_server(url, port, synchronous)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60) as client:
            _send(client, token, 1_000, batch, proc.pid)  # warm-up: imports, caches, pool
            batched, batched_cpu = _send(client, token, events, batch, proc.pid)
            one, one_cpu = _send(client, token, single, 1, proc.pid)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        if proc.stderr is not None:
            proc.stderr.close()
    print(f"{name}: batches of {batch}: {batched:,.0f} sightings/s wall ({events} events)")
    print(f"{name}: one per request: {one:,.0f} sightings/s wall ({single} events)")
    print(f"{name}: ratio {batched / one:.1f}x")
    # On a shared machine wall time depends on the neighbours; server CPU time does not much.
    print(f"{name}: per server CPU second: {batched_cpu:,.0f} batched, {one_cpu:,.0f} single")
    print(f"{name}: load average at the end: {os.getloadavg()[0]:.2f}")
    return batched, one


def _pg_database(base: str) -> tuple[str, str] | None:
    import psycopg
    from sqlalchemy.engine import make_url

    url = make_url(base)
    admin = url.set(drivername="postgresql").render_as_string(hide_password=False)
    name = f"scanstation_bench_{uuid.uuid4().hex[:10]}"
    try:
        with psycopg.connect(admin, autocommit=True, connect_timeout=5) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as err:
        print(f"postgresql: skipped ({err})")
        return None
    return admin, url.set(database=name).render_as_string(hide_password=False)


def _sqlite(args: argparse.Namespace, targets: Targets) -> None:
    sizes = (args.events, args.single, args.batch)
    with tempfile.TemporaryDirectory(prefix="bench-ingest-", dir=args.dir) as tmp:
        batched, one = run_backend("sqlite (synchronous=FULL)", f"sqlite:///{tmp}/s.db", *sizes)
    targets.record("sqlite, batches of 500", batched, ">=", TARGET_SQLITE_RATE, "sightings/s")
    targets.record("sqlite, batched vs one per request", batched / one, ">=", TARGET_RATIO, "x")
    if args.no_normal:
        return
    with tempfile.TemporaryDirectory(prefix="bench-ingest-", dir=args.dir) as tmp:
        name = "sqlite (synchronous=NORMAL, reference)"
        normal, _ = run_backend(name, f"sqlite:///{tmp}/n.db", *sizes, synchronous="NORMAL")
    print(f"durability costs: FULL batched is {batched / normal:.2f}x of NORMAL's throughput")


def _postgresql(args: argparse.Namespace, targets: Targets) -> None:
    created = _pg_database(args.pg) if args.pg and not args.sqlite_only else None
    if created is None:
        return
    admin, url = created
    try:
        batched, one = run_backend("postgresql", url, args.events, args.single, args.batch)
        targets.record(
            "postgresql, batched vs one per request", batched / one, ">=", TARGET_RATIO, "x"
        )
    finally:
        import psycopg

        name = url.rsplit("/", 1)[-1]
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main() -> None:
    """Print sightings/s per backend for both strategies and their ratio."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=40_000, help="events sent in batches")
    parser.add_argument("--single", type=int, default=1_000, help="events sent one per request")
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--pg", default=os.environ.get("SCANSTATION_TEST_PG", PG_DEFAULT))
    parser.add_argument("--dir", type=Path, default=Path.cwd(), help="disk for SQLite")
    parser.add_argument("--sqlite-only", action="store_true", help="skip PostgreSQL")
    parser.add_argument("--no-normal", action="store_true", help="skip the NORMAL reference")
    add_check_flag(parser)
    args = parser.parse_args()
    targets = Targets("ingest", check=args.check)
    _sqlite(args, targets)
    _postgresql(args, targets)
    targets.finish()


if __name__ == "__main__":
    main()
