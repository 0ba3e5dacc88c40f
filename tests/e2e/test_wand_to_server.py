"""Wand -> agent -> server, end to end, through the public CLI, HTTP API and station file.

Acceptance 2 (location and custody from a wand), 3 (kill -9 of the agent mid-burst), 4 (server
down while scanning) and 6, wand side (garbage and over-long lines).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import signal
import sqlite3
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from scanner.profiles import load_profile
from scanner.sim.pty import PtyPair
from scanner.sim.wand import WandSim
from tests.e2e.stack import AgentProc, Site, wait_until

pytestmark = pytest.mark.timeout(300)
ASSET = "AST-000123"


@pytest.fixture
async def site(db_url: str, tmp_path: Path) -> AsyncIterator[Site]:
    s = Site(db=db_url, work=tmp_path)
    s.prepare()
    await s.start_server()
    try:
        yield s
    finally:
        await s.close()


@pytest.fixture
def wand() -> Iterator[tuple[PtyPair, WandSim]]:
    with PtyPair() as pty:
        yield pty, WandSim(load_profile("generic-serial-wand"), pty, chunk_size=5)


async def test_e2e_wand_location_checkout_checkin(site: Site, wand):
    pty, sim = wand
    await site.create("locations", {"code": "WH1", "name": "Warehouse 1"})
    await site.create("locations", {"code": "WH1-A", "name": "Zone A", "parent": "WH1"})
    await site.create("people", {"code": "EMP-042", "name": "Ada Lovelace"})
    await site.create(
        "assets", {"asset_tag": ASSET, "name": "Laptop", "home_location": "WH1", "barcode": ASSET}
    )
    agent = AgentProc(site, pty.path)
    await agent.start()
    try:
        await sim.scan("LOC:WH1-A")
        await sim.scan(ASSET)

        async def seen_in_zone_a() -> bool:
            asset = await site.lookup(ASSET)
            return bool(asset and asset["last_seen"] and asset["last_seen"]["location"] == "WH1-A")

        await wait_until(seen_in_zone_a, "the asset at WH1-A", within=15)
        asset = await site.lookup(ASSET)
        assert asset is not None
        assert asset["last_seen"]["device_id"] == "e2e-wand"
        assert asset["last_seen"]["source"] == "wand"
        assert asset["custodian"] is None

        await sim.scan("EMP:EMP-042")
        await sim.scan(ASSET)

        async def checked_out() -> bool:
            asset = await site.lookup(ASSET)
            return bool(asset and asset["custodian"] == "EMP-042")

        await wait_until(checked_out, "custodian EMP-042", within=15)

        await sim.scan("CMD:CHECKIN")
        await sim.scan(ASSET)

        async def checked_in() -> bool:
            asset = await site.lookup(ASSET)
            return bool(asset and asset["custodian"] is None)

        await wait_until(checked_in, "the checkin", within=15)
        asset = await site.lookup(ASSET)
        assert asset is not None and asset["last_seen"]["location"] == "WH1-A"
    finally:
        assert agent.proc is not None
        assert await agent.proc.stop() == 0, agent.proc.text()[-3000:]


async def _drained(site: Site, agent: AgentProc, last: str) -> bool:
    """The last typed code is on the server and the agent's queue is empty (seq order)."""
    counts = await site.unknown_counts()
    return last in counts and agent.depth() == 0 and sum(counts.values()) == agent.committed()


def _assert_exactly_once(counts: dict[str, int], committed: int, typed: set[str]) -> None:
    dup = {code: n for code, n in counts.items() if n != 1}
    assert not dup, f"stored more than once: {dup}"
    assert set(counts) <= typed
    assert sum(counts.values()) == committed


async def test_e2e_agent_killed_mid_burst_loses_and_doubles_nothing(site: Site, wand):
    pty, sim = wand
    agent = AgentProc(site, pty.path)
    await agent.start()
    typed = [f"BURST-{i:05d}" for i in range(600)]
    # A burst at 300 scans/s; SIGKILL lands once the agent has committed a good part of it.
    burst = asyncio.create_task(sim.scan_all(typed[:400], rate=300))
    await wait_until(lambda: agent.committed() >= 150, "150 committed scans")
    assert agent.proc is not None
    agent.proc.send(signal.SIGKILL)
    burst.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await burst
    sent = sim.scans
    await sim.scan_all(typed[sent : sent + 20])  # typed into a dead agent: never read
    sent += 20
    assert await agent.proc.wait_exit() == -signal.SIGKILL
    before_restart = agent.committed()
    assert 150 <= before_restart < sent

    conn = sqlite3.connect(agent.queue)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()

    await agent.start()
    await sim.scan_all(typed[sent:])
    await wait_until(lambda: _drained(site, agent, typed[-1]), "the backlog to drain after restart")
    assert await agent.proc.stop() == 0
    counts = await site.unknown_counts()
    _assert_exactly_once(counts, agent.committed(), set(typed))
    assert agent.committed() >= before_restart
    # What was committed before the kill was a prefix of the typed burst, and it all arrived.
    assert {f"BURST-{i:05d}" for i in range(before_restart)} <= set(counts)


async def test_e2e_server_down_while_scanning_drains_by_itself(site: Site, wand):
    pty, sim = wand
    agent = AgentProc(site, pty.path)
    await agent.start()
    typed = [f"OUTAGE-{i:04d}" for i in range(120)]
    await sim.scan_all(typed[:40], rate=200)
    await wait_until(lambda: _drained(site, agent, typed[39]), "the first scans on the server")
    assert site.server is not None
    await site.server.stop()
    await sim.scan_all(typed[40:100], rate=200)
    await wait_until(lambda: agent.committed() == 100, "the agent to queue scans while offline")
    assert agent.depth() > 0
    await site.start_server()  # same database, same port
    await sim.scan_all(typed[100:], rate=200)
    await wait_until(lambda: _drained(site, agent, typed[-1]), "the backlog to drain", within=120)
    assert agent.proc is not None and agent.proc.alive()
    assert await agent.proc.stop() == 0
    counts = await site.unknown_counts()
    _assert_exactly_once(counts, 120, set(typed))
    assert set(counts) == set(typed)


async def test_e2e_wand_garbage_and_overlong_lines_do_not_stop_good_scans(site: Site, wand):
    pty, sim = wand
    agent = AgentProc(site, pty.path)
    await agent.start()
    await sim.scan("GOOD-1")
    await sim.send_garbage(200)
    await sim.send_overlong(100)
    await sim.send_raw(b"\x00\x01\x02\xff\xfe" * 50 + b"\r\n")
    await sim.scan("GOOD-2")
    await sim.send_overlong(10_000)
    await sim.scan("GOOD-3")
    await wait_until(lambda: _drained(site, agent, "GOOD-3"), "the good scans")
    assert agent.proc is not None and agent.proc.alive()
    counts = await site.unknown_counts()
    assert counts == {"GOOD-1": 1, "GOOD-2": 1, "GOOD-3": 1}
    assert await agent.proc.stop() == 0
    log = agent.proc.text()
    assert "unreadable line ignored" in log
    assert "line longer than 4096 bytes dropped" in log


@pytest.mark.soak
@pytest.mark.timeout(1800)
async def test_e2e_soak_repeated_kills_at_random_points(site: Site, wand):
    pty, sim = wand
    rng = random.Random(20261125)
    agent = AgentProc(site, pty.path)
    typed: list[str] = []
    for cycle in range(int(os.environ.get("SCANSTATION_SOAK_CYCLES", "10"))):
        await agent.start()
        codes = [f"SOAK-{cycle:03d}-{i:04d}" for i in range(rng.randrange(50, 400))]
        typed += codes
        burst = asyncio.create_task(sim.scan_all(codes, rate=rng.choice([100, 300, 1000])))
        target = agent.committed() + rng.randrange(1, len(codes))
        await wait_until(lambda t=target, b=burst: agent.committed() >= t or b.done(), "commits")
        assert agent.proc is not None
        agent.proc.send(signal.SIGKILL)
        burst.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await burst
        assert await agent.proc.wait_exit() == -signal.SIGKILL
        conn = sqlite3.connect(agent.queue)
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        conn.close()
    await agent.start()
    typed.append("SOAK-LAST")
    await sim.scan("SOAK-LAST")
    await wait_until(lambda: _drained(site, agent, "SOAK-LAST"), "the final drain", within=300)
    assert agent.proc is not None and await agent.proc.stop() == 0
    _assert_exactly_once(await site.unknown_counts(), agent.committed(), set(typed))
