"""A dock-door portal end to end: pallets pushed in and out past a two-antenna Chafon reader
(simulated on a pty) -> `scanstation agent` with antenna roles -> `scanstation server`, where
the read point's inside and outside locations turn directions into the asset's location."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from scanner.profiles import load_profile
from scanner.sim.chafon import make_sim
from scanner.sim.portal import move_pallet, place_on
from scanner.sim.pty import PtyPair
from tests.e2e.stack import Proc, Site, wait_until

pytestmark = pytest.mark.timeout(300)  # shared CI machines; a healthy run takes seconds
PALLET = {f"3034257BF400B78000{i:06X}": f"AST-PAL-{i}" for i in range(3)}


@pytest.fixture
async def site(tmp_path: Path) -> AsyncIterator[Site]:
    site = Site(db=f"sqlite:///{tmp_path / 'server.db'}", work=tmp_path)
    site.prepare(device="e2e-portal")
    await site.start_server()
    await site.create("locations", {"code": "WH1", "name": "Warehouse 1"})
    await site.create("locations", {"code": "YARD", "name": "Yard"})
    await site.create(
        "read-points", {"code": "WH1-DOCK3", "location": "WH1", "inside": "WH1", "outside": "YARD"}
    )
    for epc, tag in PALLET.items():
        await site.create("assets", {"asset_tag": tag, "name": f"Pallet {tag}", "epc": epc})
    try:
        yield site
    finally:
        await site.close()


async def _history(site: Site, tag: str) -> list[dict[str, Any]]:
    async with site.api() as api:
        response = await api.get(f"/api/v1/assets/{tag}/history")
    assert response.status_code == 200, response.text
    events: list[dict[str, Any]] = response.json()["events"]
    return events


async def _located(site: Site, tag: str, location: str) -> bool:
    async with site.api() as api:
        response = await api.get(f"/api/v1/assets/{tag}")
    if response.status_code != 200:
        return False
    seen: dict[str, Any] | None = response.json().get("last_seen")
    return seen is not None and seen["location"] == location


async def test_rfid_portal_pallet_in_then_out_moves_assets(site):
    profile = load_profile("chafon-cf-ru6402")
    with PtyPair() as pty:
        sim = make_sim(profile, pty, [], 600.0, seed=3)
        serving = asyncio.create_task(sim.serve())
        station = site.work / "portal.toml"
        station.write_text(
            "[station]\n"
            'device_id = "e2e-portal"\n'
            f'server = "{site.url}"\n'
            'token_file = "device.token"\n'
            'queue = "portal-queue.db"\n'
            'read_point = "WH1-DOCK3"\n'
            "sync_interval_s = 0.2\n"
            "dwell_s = 0.5\n"
            "[[sources]]\n"
            'profile = "chafon-cf-ru6402"\n'
            f'port = "{pty.path}"\n'
            'antennas = { 1 = "out", 2 = "in" }\n',
            encoding="utf-8",
        )
        agent = Proc(["agent", "--config", str(station)], site.work / "portal.log")
        agent.start()
        try:
            await wait_until(lambda: ": reading (" in agent.text(), "the reader to start")
            place = place_on(sim.population)
            await move_pallet(place, list(PALLET), inward=True, speed=3.0)
            for tag in PALLET.values():

                async def went_in(tag: str = tag) -> bool:
                    events = await _history(site, tag)
                    return any(e["direction"] == "in" for e in events)

                await wait_until(went_in, f"{tag} to be seen going in")
            await move_pallet(place, list(PALLET), inward=False, speed=3.0)
            for tag in PALLET.values():
                await wait_until(
                    lambda tag=tag: _located(site, tag, "YARD"), f"{tag} to be out in the yard"
                )
        finally:
            with contextlib.suppress(AssertionError):
                await agent.stop()
            serving.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await serving
    for tag in PALLET.values():
        events = await _history(site, tag)
        directed = [e for e in reversed(events) if e["direction"]]  # oldest first
        assert [e["direction"] for e in directed] == ["in", "out"]
        assert [e["location"] for e in directed] == ["WH1", "YARD"]
        assert [e["antenna"] for e in directed] == [2, 1]  # the side that completed it
        assert all(e["read_point"] == "WH1-DOCK3" for e in events)
