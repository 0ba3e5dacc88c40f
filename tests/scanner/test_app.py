"""The agent in-process: real drivers on pty simulators, a real queue file, HTTP mocked at
the transport (the real server is covered by tests/e2e)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from scanner.app import Agent, AgentError, run_agent
from scanner.profiles import load_profile
from scanner.queue import Outbox
from scanner.settings import load_station
from scanner.sim.pty import PtyPair
from scanner.sim.registry import simulator_factory
from scanner.sim.wand import WandSim
from scanner.sync import Backoff

EPC = "E28011606000020D6B6A1234"


def station_file(tmp_path: Path, sources: str, extra: str = "") -> Path:
    (tmp_path / "device.token").write_text("tok\n")
    path = tmp_path / "station.toml"
    path.write_text(
        '[station]\ndevice_id = "dev-1"\nserver = "http://sync.test"\n'
        'token_file = "device.token"\nqueue = "q/queue.db"\nread_point = "RP1"\n'
        f'location = "WH1"\nsync_interval_s = 0.05\n{extra}\n{sources}',
        encoding="utf-8",
    )
    return path


def wand_source(port: str) -> str:
    return f'[[sources]]\nprofile = "generic-serial-wand"\nport = "{port}"\n'


class Server:
    """A transport-level stand-in for the sync endpoint: holds events, or fails with `status`."""

    def __init__(self, status: int = 200) -> None:
        self.status = status
        self.held: dict[int, dict[str, Any]] = {}
        self.event = asyncio.Event()

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if self.status != 200:
            return httpx.Response(self.status, json={"detail": "down"})
        body = json.loads(request.content)
        for e in body["events"]:
            self.held.setdefault(e["seq"], e)
        self.event.set()
        hwm = max(self.held) if self.held else 0
        return httpx.Response(
            200,
            json={
                "hwm": hwm,
                "inserted": len(body["events"]),
                "duplicates": 0,
                "rejected": [],
                "server_time": "2026-11-25T12:00:00+00:00",
            },
        )


@contextlib.asynccontextmanager
async def running(agent: Agent) -> AsyncIterator[tuple[asyncio.Event, asyncio.Task[int]]]:
    stop = asyncio.Event()
    task = asyncio.create_task(agent.run(stop))
    try:
        yield stop, task
    finally:
        stop.set()
        await asyncio.wait_for(task, 30)


async def until(check: Callable[[], bool], what: str) -> None:
    async with asyncio.timeout(20):
        while not check():  # noqa: ASYNC110 - the queue file has no change event
            await asyncio.sleep(0.02)


async def wait_opened(agent: Agent) -> None:
    await until(lambda: all(s.driver.health().state == "connected" for s in agent.sources), "open")


async def test_agent_wand_scans_reach_server_with_station_fields(tmp_path: Path):
    server = Server()
    with PtyPair() as pty:
        config = load_station(station_file(tmp_path, wand_source(pty.path)))
        agent = Agent(config, transport=httpx.MockTransport(server))
        sim = WandSim(load_profile("generic-serial-wand"), pty)
        async with running(agent) as (_, task):
            await wait_opened(agent)
            await sim.scan("LOC:B2")
            await sim.scan("EMP:P7")
            await sim.scan("AST-9")
            scanned = time.monotonic()
            await until(lambda: len(server.held) == 1, "one event on the server")
            # Contract 2.1: with the server reachable, a read is stored within 5 s.
            assert time.monotonic() - scanned < 5.0
            assert not task.done()
        assert task.result() == 0
    event = server.held[1]
    assert (event["type"], event["code"], event["custodian"], event["location"]) == (
        "checkout",
        "AST-9",
        "P7",
        "B2",
    )
    assert (event["read_point"], event["source"], event["symbology"]) == ("RP1", "wand", "code128")
    assert event["boot_id"] == agent.boot_id


async def test_agent_shutdown_keeps_everything_when_server_is_down(tmp_path: Path, caplog):
    caplog.set_level(logging.INFO)
    server = Server(status=503)
    with PtyPair() as pty:
        config = load_station(station_file(tmp_path, wand_source(pty.path)))
        agent = Agent(
            config,
            transport=httpx.MockTransport(server),
            final_sync_s=0.5,
            backoff=Backoff(base=0.01, cap=0.05),
        )
        sim = WandSim(load_profile("generic-serial-wand"), pty)
        async with running(agent) as (stop, _):
            await wait_opened(agent)
            for i in range(5):
                await sim.scan(f"AST-{i}")
            queue = config.path("q/queue.db")
            await until(lambda: _committed(queue) == 5, "five committed")
            started = time.monotonic()
            stop.set()
        assert time.monotonic() - started < 10
    box = Outbox(config.path("q/queue.db"))
    assert box.depth() == 5 and box.integrity_check() == ["ok"]
    box.close()
    assert any("5 event(s) stay queued" in r.getMessage() for r in caplog.records)


async def test_agent_refuses_reads_loudly_when_queue_is_full(tmp_path: Path, caplog):
    server = Server(status=503)
    with PtyPair() as pty:
        path = station_file(tmp_path, wand_source(pty.path), "queue_budget_mb = 0.05\n")
        agent = Agent(
            load_station(path),
            transport=httpx.MockTransport(server),
            final_sync_s=0.1,
            backoff=Backoff(base=0.01, cap=0.05),
        )
        sim = WandSim(load_profile("generic-serial-wand"), pty)
        async with running(agent) as (_, task):
            await wait_opened(agent)
            # Paced, so the agent (on this same loop) drains the pty between scans.
            await sim.scan_all([f"AST-{i:04d}-" + "X" * 200 for i in range(150)], rate=1000)
            await until(
                lambda: any("READ REFUSED" in r.getMessage() for r in caplog.records), "refusal"
            )
            assert not task.done()
    errors = [r for r in caplog.records if "READ REFUSED" in r.getMessage()]
    assert errors[0].levelno == logging.ERROR
    assert "nothing queued was dropped" in errors[0].getMessage()


async def test_agent_rfid_source_aggregates_into_sightings(tmp_path: Path):
    server = Server()
    profile = load_profile("sparkfun-m6e-nano")
    with PtyPair() as pty:
        sim = simulator_factory(profile.driver)(profile, pty, [EPC], 20.0)
        sim_task = asyncio.create_task(sim.serve())
        source = f'[[sources]]\nprofile = "{profile.id}"\nport = "{pty.path}"\ndwell_s = 0.3\n'
        agent = Agent(
            load_station(station_file(tmp_path, source)), transport=httpx.MockTransport(server)
        )
        try:
            async with running(agent):
                await until(lambda: len(server.held) >= 1, "a sighting")
        finally:
            sim_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await sim_task
    first = server.held[1]
    assert (first["type"], first["code"], first["source"], first["symbology"]) == (
        "sighting",
        EPC,
        "rfid",
        "epc",
    )
    assert first["read_count"] >= 1 and first["first_seen"] and first["last_seen"]
    assert first["location"] == "WH1" and first["read_point"] == "RP1"


async def test_agent_headless_audit_with_control_labels_and_an_rfid_sweep(tmp_path: Path):
    """A station without a screen: LOC + CMD:AUDIT on the wand opens an audit, the wand's and
    the UHF reader's reads join it (a faint, rarely read tag flagged weak), CMD:DONE closes."""
    server = Server()
    profile = load_profile("sparkfun-m6e-nano")  # weak_rssi_dbm = -65
    with PtyPair() as wand_pty, PtyPair() as uhf_pty:
        uhf = simulator_factory(profile.driver)(profile, uhf_pty, [], 100.0, seed=3)
        uhf_task = asyncio.create_task(uhf.serve())
        sources = wand_source(wand_pty.path) + (
            f'[[sources]]\nprofile = "{profile.id}"\nport = "{uhf_pty.path}"\ndwell_s = 0.3\n'
        )
        agent = Agent(
            load_station(station_file(tmp_path, sources)), transport=httpx.MockTransport(server)
        )
        wand = WandSim(load_profile("generic-serial-wand"), wand_pty)
        try:
            async with running(agent):
                await wait_opened(agent)
                await wand.scan_all(["LOC:WH1-A", "CMD:AUDIT", "AST-1"])
                uhf.population.place(EPC, rssi=-80.0)  # through the wall, alone in the sweep
                await until(lambda: any(e["code"] == EPC for e in server.held.values()), "RFID")
                uhf.population.remove(EPC)
                await wand.scan("CMD:DONE")
                await until(
                    lambda: any(e["type"] == "audit_close" for e in server.held.values()), "close"
                )
        finally:
            uhf_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await uhf_task
    events = [e for _, e in sorted(server.held.items())]
    opened = events[0]
    assert (opened["type"], opened["code"], opened["location"]) == ("audit_open", "WH1-A", "WH1-A")
    audit_id = opened["audit_id"]
    scan = events[1]
    assert (scan["code"], scan["audit_id"], scan["location"]) == ("AST-1", audit_id, "WH1-A")
    assert "weak" not in scan  # only RFID reads in an audit are judged
    tag = next(e for e in events if e["code"] == EPC)
    assert (tag["audit_id"], tag["location"], tag["weak"]) == (audit_id, "WH1-A", True)
    closed = next(e for e in events if e["type"] == "audit_close")
    assert (closed["code"], closed["audit_id"]) == (audit_id, audit_id)


def test_agent_bad_station_is_a_clear_error(tmp_path: Path, caplog):
    path = station_file(tmp_path, '[[sources]]\nprofile = "no-such-wand"\nport = "/dev/null"\n')
    with pytest.raises(AgentError, match="unknown profile 'no-such-wand'"):
        Agent(load_station(path))
    assert run_agent(path) == 2
    assert any("cannot start the agent" in r.getMessage() for r in caplog.records)


def _committed(path: Path) -> int:
    import sqlite3

    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return int(conn.execute("SELECT next_seq - 1 FROM stream").fetchone()[0])
    except sqlite3.OperationalError:
        return 0
    finally:
        conn.close()
