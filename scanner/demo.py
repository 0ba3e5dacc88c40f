"""`scanstation demo`: the whole system on one machine with no hardware.

It drives the product only through its public surfaces (the CLI, the HTTP API, station files
and simulators on pseudo-terminals), so the demo shows exactly what a user would run.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import httpx
from rich.console import Console

from scanner import demo_data
from scanner.demo_children import Children, DemoStopped, StopSignals
from shared.identifiers import encode_giai

WAND_PROFILE = "generic-serial-wand"
PORTAL_PROFILE = "thingmagic-m6e"
PORTAL_READ_RATE = 300.0
SCAN_INTERVAL_S = 0.6


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _cli_json(args: list[str], stdin: str | None = None) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, "-m", "scanner", *args],
        input=stdin.encode() if stdin is not None else None,
        capture_output=True,
        check=True,
    )
    result: dict[str, Any] = json.loads(out.stdout.decode().splitlines()[0])
    return result


def _wait_healthy(url: str, proc: subprocess.Popen[bytes], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("the server exited during start-up; see its log")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{url}/healthz", timeout=1.0).status_code == 200:
                return
        time.sleep(0.2)
    raise RuntimeError(f"the server did not answer at {url} within {timeout:.0f} s")


def _seed(url: str, token: str) -> int:
    items = demo_data.assets()
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}) as api:
        for body in demo_data.locations():
            api.post("/api/v1/locations", json=body).raise_for_status()
        for body in demo_data.people():
            api.post("/api/v1/people", json=body).raise_for_status()
        for body in demo_data.read_points():
            api.post("/api/v1/read-points", json=body).raise_for_status()
        for a in items:
            # The tag itself is an identity: its Code 128 label scans with no barcode given.
            body = {
                "asset_tag": a.asset_tag,
                "name": a.name,
                "home_location": a.home,
            }
            if a.rfid:
                body["epc"] = _epc(a)
            api.post("/api/v1/assets", json=body).raise_for_status()
    return len(items)


def _epc(asset: demo_data.DemoAsset) -> str:
    """The GIAI-96 tag written for an asset: our company prefix and the asset's number."""
    return encode_giai(demo_data.COMPANY_PREFIX, str(asset.number))


def _start_portal(children: Children, work: Path, url: str, db: str) -> None:
    """A dock door: a 4-port reader with antennas 1 and 3 outside, 2 and 4 inside, loads
    driving through it at forklift speeds in the simulator's physical portal model."""
    portal = _cli_json(
        ["device", "enroll", "dock3-portal", "--read-point", "WH1-DOCK3", "--json", "--db", db]
    )
    (work / "dock3-portal.token").write_text(portal["token"])
    tags = work / "dock-door-tags.txt"
    tags.write_text("".join(_epc(a) + "\n" for a in demo_data.assets() if a.rfid))
    sim = children.start(
        "sim-portal",
        [
            "simulate",
            PORTAL_PROFILE,
            "--dock-door",
            "--tags",
            str(tags),
            "--rate",
            str(PORTAL_READ_RATE),
        ],
        stdin=subprocess.DEVNULL,
        pipe_out=True,
    )
    sources = (
        f'[[sources]]\nprofile = "{PORTAL_PROFILE}"\nport = "{_first_line(sim.stdout)}"\n'
        'antennas = { 1 = "out", 2 = "in", 3 = "out", 4 = "in" }\n'
    )
    station = _station_file(work, "dock3-portal", url, sources, 'read_point = "WH1-DOCK3"')
    children.start("agent-portal", ["agent", "--config", str(station)])


def _station_file(work: Path, device: str, server: str, sources: str, extra: str = "") -> Path:
    """Write `<device>.toml` the way a user would, next to the device's token file."""
    path = work / f"{device}.toml"
    path.write_text(
        f'[station]\ndevice_id = "{device}"\nserver = "{server}"\n'
        f'token_file = "{device}.token"\nqueue = "{device}.queue.db"\n{extra}\n{sources}',
        encoding="utf-8",
    )
    return path


def _first_line(stream: IO[bytes] | None, timeout: float = 30.0) -> str:
    assert stream is not None
    deadline = time.monotonic() + timeout
    line = stream.readline().decode().strip()
    if not line or time.monotonic() > deadline:
        raise RuntimeError("the simulator did not print its terminal path")
    return line


def _scans(items: list[demo_data.DemoAsset]) -> Iterator[str]:
    return demo_data.walkthrough([a for a in items if not a.rfid])


def run_demo(port: int = 8700, workdir: Path | None = None) -> int:
    """Start server, simulators and agents; print the address and a login; run until stopped
    by Ctrl-C, SIGTERM, SIGINT or SIGHUP (every child stops, agents first)."""
    signals = StopSignals()
    with signals.installed():
        return _run(signals, port, workdir)


def _run(signals: StopSignals, port: int, workdir: Path | None) -> int:
    console = Console(stderr=True)
    work = (workdir or Path("var/demo")).resolve()
    shutil.rmtree(work, ignore_errors=True)
    (work / "logs").mkdir(parents=True)
    db = f"sqlite:///{work / 'demo.db'}"
    port = port or _free_port()
    url = f"http://127.0.0.1:{port}"
    password = secrets.token_urlsafe(9)
    children = Children(work / "logs", signals)
    try:
        with console.status("setting up the demo site…"):
            admin = _cli_json(
                [
                    "user",
                    "add",
                    "admin",
                    "--role",
                    "admin",
                    "--password-stdin",
                    "--json",
                    "--db",
                    db,
                ],
                stdin=password + "\n",
            )
            wand = _cli_json(["device", "enroll", "demo-wand", "--json", "--db", db])
            (work / "demo-wand.token").write_text(wand["token"])
            server = children.start("server", ["server", "--db", db, "--port", str(port)])
            _wait_healthy(url, server)
            count = _seed(url, admin["api_token"])
            sim = children.start(
                "sim-wand", ["simulate", WAND_PROFILE], stdin=subprocess.PIPE, pipe_out=True
            )
            wand_port = _first_line(sim.stdout)
            sources = f'[[sources]]\nprofile = "{WAND_PROFILE}"\nport = "{wand_port}"\n'
            station = _station_file(work, "demo-wand", url, sources)
            children.start("agent-wand", ["agent", "--config", str(station)])
            _start_portal(children, work, url, db)
        _banner(console, count, url, password, admin["api_token"], work)
        _replay(sim.stdin, _scans(demo_data.assets()), children)
    except DemoStopped as stop:
        with contextlib.suppress(OSError):  # after a hangup the terminal may be gone
            console.print(f"stopping ({stop}): agents flush their queues first…", highlight=False)
    except (RuntimeError, subprocess.CalledProcessError, httpx.HTTPError) as err:
        console.print(f"[red]demo failed:[/] {err}; logs in {work / 'logs'}")
        return 1
    finally:
        children.stop_all()
    return 0


def _banner(console: Console, count: int, url: str, password: str, token: str, work: Path) -> None:
    console.print(f"\n[bold green]Scan Station demo is running[/] with {count} assets.")
    console.print(f"  Web UI:  [bold]{url}/[/]   sign in as [bold]admin[/] / [bold]{password}[/]")
    console.print(f"  API:     {url}/docs   (API token: {token})", soft_wrap=True)
    console.print(f"  Logs:    {work / 'logs'}")
    # The demo's database is its own, so an import must go through its server, not ./var.
    console.print(
        f"  Import:  .venv/bin/scanstation import assets FILE.csv --server {url} --token {token}",
        soft_wrap=True,
        highlight=False,
    )
    console.print("  A simulated wand is walking the site and pallets of RFID-tagged")
    console.print("  cages cross dock door WH1-DOCK3. Press Ctrl-C to stop.\n")


def _replay(stdin: IO[bytes] | None, scans: Iterator[str], children: Children) -> None:
    assert stdin is not None
    for code in scans:
        dead = children.dead()
        if dead:
            raise RuntimeError(f"{', '.join(dead)} stopped unexpectedly")
        stdin.write(code.encode() + b"\n")
        stdin.flush()
        time.sleep(SCAN_INTERVAL_S)
    os.close(stdin.fileno())
