"""Issue 8 part 1, acceptance: a register that exists only as a CSV of `Asset Tag,Item Name`,
scanned by a wand (simulator on a pty -> real agent -> real server). Every scan lands on its
asset, including scans made before the import; a kill -9 of the agent mid-walk and a server
outage change nothing: each scan is in its asset's history exactly once."""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from scanner.profiles import load_profile
from scanner.sim.pty import PtyPair
from scanner.sim.wand import WandSim
from tests.e2e.stack import AgentProc, Site, cli_json, wait_until

pytestmark = pytest.mark.timeout(300)
TAGS = [f"AST-{n:06d}" for n in range(1, 201)]
EARLY = 10  # scanned before the register is imported: unknown codes until then


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


async def _assets(site: Site) -> dict[str, dict[str, Any]]:
    async with site.api() as api:
        r = await api.get("/api/v1/assets", params={"limit": 1000})
    assert r.status_code == 200, r.text
    return {a["asset_tag"]: a for a in r.json()["items"]}


async def _all_seen(site: Site, agent: AgentProc) -> bool:
    if agent.depth() != 0:
        return False
    assets = await _assets(site)
    return len(assets) == len(TAGS) and all(a["last_seen"] for a in assets.values())


async def test_e2e_csv_register_every_scan_lands_once_through_kill_and_outage(site: Site, wand):
    pty, sim = wand
    agent = AgentProc(site, pty.path)
    await agent.start()

    # Scans of labels the server does not know yet are kept as unknown codes...
    await sim.scan_all(TAGS[:EARLY], rate=100)
    await wait_until(
        lambda: _unknown_is(site, set(TAGS[:EARLY])), "the early scans as unknown codes"
    )
    # ...until the register arrives as a CSV with nothing but a tag and a name.
    register = site.work / "register.csv"
    register.write_text(
        "Asset Tag,Item Name\n" + "".join(f"{t},Item {t[-3:]}\n" for t in TAGS), encoding="utf-8"
    )
    # Through the running server's API, as a user of the demo would (not into its database file).
    imported = cli_json(
        "import", "assets", str(register), "--server", site.url, "--token", site.admin_token,
        "--json",
    )  # fmt: skip
    assert imported["created"] == 200
    assert await site.unknown_counts() == {}

    # A walk at 300 scans/s; the agent is killed -9 once it has committed part of it.
    burst = asyncio.create_task(sim.scan_all(TAGS[EARLY:150], rate=300))
    await wait_until(lambda: agent.committed() >= EARLY + 50, "50 committed walk scans")
    assert agent.proc is not None
    agent.proc.send(signal.SIGKILL)
    burst.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await burst
    assert await agent.proc.wait_exit() == -signal.SIGKILL
    held = agent.committed()  # the queue holds exactly the first `held` scans, in order
    assert EARLY + 50 <= held <= 150
    await agent.start()
    await sim.scan_all(TAGS[held:150], rate=300)  # the walker carries on where it stopped

    # The server goes away mid-walk and comes back on the same database and port.
    await wait_until(lambda: agent.committed() == 150, "the first 150 scans committed")
    assert site.server is not None
    await site.server.stop()
    await sim.scan_all(TAGS[150:180], rate=300)
    await wait_until(lambda: agent.committed() == 180, "scans queued while the server is down")
    await site.start_server()
    await sim.scan_all(TAGS[180:], rate=300)
    await wait_until(lambda: _all_seen(site, agent), "every asset seen on the server")
    assert await agent.proc.stop() == 0
    assert agent.committed() == len(TAGS)

    assets = await _assets(site)
    assert {a["last_seen"]["location"] for a in assets.values()} == {"WH1"}
    assert {a["key"] for a in assets.values()} == {f"tag/{t}" for t in TAGS}
    async with site.api() as api:
        for tag in TAGS:
            hist = (await api.get(f"/api/v1/assets/{tag}/history")).json()
            assert [(e["code"], e["device_id"]) for e in hist["events"]] == [(tag, "e2e-wand")]
    assert await site.unknown_counts() == {}


async def _unknown_is(site: Site, codes: set[str]) -> bool:
    return set(await site.unknown_counts()) == codes
