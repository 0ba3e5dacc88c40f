"""The real system as a user runs it: `scanstation` subprocesses (server, agent) talking HTTP,
a WandSim on a pty in the test process. Only the public CLI, HTTP API and station file are
used, so these tests do not depend on the server's internals."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import signal
import socket
import sqlite3
import subprocess
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

# Generous: CI machines are shared; a healthy run takes a fraction of this.
WAIT_S = 120.0
_LOGGER = logging.getLogger(__name__)


def free_port() -> int:
    """A port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def cli_json(*args: str) -> dict[str, Any]:
    """Run `scanstation ARGS` and parse its first stdout line as JSON."""
    out = subprocess.run(
        [sys.executable, "-m", "scanner", *args], capture_output=True, check=False, timeout=120
    )
    assert out.returncode == 0, out.stderr.decode()[-2000:]
    result: dict[str, Any] = json.loads(out.stdout.decode().splitlines()[0])
    return result


async def wait_until(
    check: Callable[[], Awaitable[bool]] | Callable[[], bool], what: str, within: float = WAIT_S
) -> None:
    """Poll `check` until it holds; fail naming `what` after `within` seconds."""
    try:
        async with asyncio.timeout(within):
            while True:
                result = check()
                if asyncio.iscoroutine(result):
                    result = await result
                if result:
                    return
                await asyncio.sleep(0.1)
    except TimeoutError:
        raise AssertionError(f"timed out after {within:.0f} s waiting for {what}") from None


@dataclass
class Proc:
    """A `scanstation` subprocess with its stderr in a log file."""

    args: list[str]
    log: Path
    popen: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("ab") as log:
            self.popen = subprocess.Popen(
                [sys.executable, "-m", "scanner", *self.args],
                stdout=log,
                stderr=log,
                stdin=subprocess.DEVNULL,
            )

    def alive(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def send(self, sig: signal.Signals) -> None:
        assert self.popen is not None
        self.popen.send_signal(sig)

    async def wait_exit(self, within: float = WAIT_S) -> int:
        assert self.popen is not None
        popen = self.popen
        await wait_until(lambda: popen.poll() is not None, f"{self.args[0]} to exit", within)
        return popen.returncode

    async def stop(self, sig: signal.Signals = signal.SIGTERM) -> int | None:
        if not self.alive():
            return self.popen.returncode if self.popen else None
        self.send(sig)
        try:
            return await self.wait_exit(30)
        except AssertionError:
            assert self.popen is not None
            self.popen.kill()
            self.popen.wait()
            raise


@dataclass
class Site:
    """A running server on `db` with an admin API client and an enrolled device."""

    db: str
    work: Path
    port: int = field(default_factory=free_port)
    admin_token: str = ""
    device_token: str = ""
    server: Proc | None = None
    agents: list[AgentProc] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def prepare(self, device: str = "e2e-wand") -> None:
        self.admin_token = cli_json(
            "user", "add", "admin", "--role", "admin", "--json", "--db", self.db
        )["api_token"]
        self.device_token = cli_json("device", "enroll", device, "--json", "--db", self.db)["token"]
        (self.work / "device.token").write_text(self.device_token)

    async def start_server(self) -> None:
        self.server = Proc(
            ["server", "--db", self.db, "--port", str(self.port)], self.work / "server.log"
        )
        self.server.start()
        server = self.server

        async def healthy() -> bool:
            assert server.alive(), server.text()[-3000:]
            try:
                async with httpx.AsyncClient(timeout=1.0) as http:
                    return (await http.get(f"{self.url}/healthz")).status_code == 200
            except httpx.HTTPError:
                return False

        await wait_until(healthy, "the server to answer /healthz")

    async def close(self) -> None:
        """Stop what is still running; log the logs (pytest shows them when a test fails)."""
        for agent in self.agents:
            if agent.proc is not None:
                with contextlib.suppress(AssertionError):
                    await agent.proc.stop()
                _LOGGER.info("agent log (tail):\n%s", agent.proc.text()[-6000:])
        if self.server is not None:
            with contextlib.suppress(AssertionError):
                await self.server.stop()
            _LOGGER.info("server log (tail):\n%s", self.server.text()[-4000:])

    def api(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(
            base_url=self.url,
            headers={"Authorization": f"Bearer {self.admin_token}"},
            timeout=10.0,
        )

    async def create(self, path: str, body: dict[str, Any]) -> None:
        async with self.api() as api:
            response = await api.post(f"/api/v1/{path}", json=body)
            assert response.status_code in (200, 201), response.text

    async def lookup(self, code: str) -> dict[str, Any] | None:
        async with self.api() as api:
            response = await api.get("/api/v1/lookup", params={"code": code})
        if response.status_code == 404:
            return None
        assert response.status_code == 200, response.text
        result: dict[str, Any] = response.json()
        return result

    async def unknown_counts(self) -> dict[str, int]:
        """Unknown code -> how many events the server stored for it."""
        counts: dict[str, int] = {}
        async with self.api() as api:
            offset = 0
            while True:
                response = await api.get(
                    "/api/v1/unknown-codes", params={"limit": 100, "offset": offset}
                )
                assert response.status_code == 200, response.text
                items = response.json()["items"]
                for item in items:
                    counts[item["code"]] = counts.get(item["code"], 0) + item["count"]
                if len(items) < 100:
                    return counts
                offset += 100


@dataclass
class AgentProc:
    """`scanstation agent --config station.toml` for one wand on `port`."""

    site: Site
    port: str
    extra: str = ""
    proc: Proc | None = None

    def __post_init__(self) -> None:
        self.site.agents.append(self)

    @property
    def queue(self) -> Path:
        return self.site.work / "queue.db"

    def write_station(self) -> Path:
        path = self.site.work / "station.toml"
        path.write_text(
            "[station]\n"
            'device_id = "e2e-wand"\n'
            f'server = "{self.site.url}"\n'
            'token_file = "device.token"\n'
            'queue = "queue.db"\n'
            'location = "WH1"\n'
            "sync_interval_s = 0.2\n"
            f"{self.extra}\n"
            "[[sources]]\n"
            'profile = "generic-serial-wand"\n'
            f'port = "{self.port}"\n',
            encoding="utf-8",
        )
        return path

    async def start(self) -> None:
        """Start the agent and wait until it has the wand's port open."""
        station = self.write_station()
        self.proc = Proc(["agent", "--config", str(station)], self.site.work / "agent.log")
        opened_before = self.proc.text().count("reading " + self.port)
        self.proc.start()
        proc = self.proc

        def opened() -> bool:
            assert proc.alive(), proc.text()[-3000:]
            return proc.text().count("reading " + self.port) > opened_before

        await wait_until(opened, "the agent to open the wand port")

    def committed(self) -> int:
        """The last seq committed in the queue file (read-only, safe while the agent runs)."""
        return _queue_value(self.queue, "SELECT next_seq - 1 FROM stream")

    def depth(self) -> int:
        return _queue_value(self.queue, "SELECT count(*) FROM events")


def _queue_value(path: Path, sql: str) -> int:
    if not path.exists():
        return 0
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10)
    try:
        return int(conn.execute(sql).fetchone()[0])
    finally:
        conn.close()
