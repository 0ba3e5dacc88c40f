"""UHF readers end to end, per protocol family: a simulator on a pty -> `scanstation agent`
(the real driver, aggregation and outbox) -> `scanstation server` -> the HTTP API.

Only the public CLI, station file and HTTP API are used on the system side; the simulator runs
in the test process and logs every read it produces, so the sightings can be checked exactly.
"""

from __future__ import annotations

import collections
import contextlib
import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from scanner.profiles import load_profile
from scanner.sim.pty import PtyPair
from scanner.sim.registry import simulator_factory
from scanner.sim.uhf_base import UhfSim
from tests.e2e.stack import Proc, Site, wait_until
from tests.scanner.drivers.uhf_harness import serving

pytestmark = pytest.mark.timeout(300)  # shared CI machines; a healthy run takes seconds
FAMILIES = ["thingmagic-m6e", "yanzeo-r2000", "chafon-cf-ru6402"]
EPC_A = "E28011606000020A1B2C3D4E"
EPC_B = "300833B2DDD9014000000001"
EPC_C = "3034257BF400B7800004CB2F"
ASSETS = {EPC_A: "AST-RF-A", EPC_B: "AST-RF-B", EPC_C: "AST-RF-C"}


class ReadLog:
    """Every read the simulator produces: (EPC, antenna) -> count and peak RSSI."""

    def __init__(self, sim: UhfSim) -> None:
        self.counts: collections.Counter[tuple[str, int]] = collections.Counter()
        self.peak: dict[tuple[str, int], int] = {}
        pick = sim.population.pick

        def logged(antennas: list[int]) -> tuple[bytes, int, int] | None:
            read = pick(antennas)
            if read is not None:
                key = (read[0].hex().upper(), read[1])
                self.counts[key] += 1
                self.peak[key] = max(self.peak.get(key, -999), read[2])
            return read

        sim.population.pick = logged  # type: ignore[method-assign]


@contextlib.contextmanager
def reader(profile_id: str, rate: float = 100.0) -> Iterator[tuple[UhfSim, PtyPair]]:
    """A simulated reader of that profile on a fresh pty."""
    profile = load_profile(profile_id)
    with PtyPair() as pty:
        sim: UhfSim = simulator_factory(profile.driver)(profile, pty, [], rate, seed=7)
        yield sim, pty


def repoint(link: Path, target: str) -> None:
    """Atomically point `link` at `target`, like udev re-creating /dev/serial/by-id/..."""
    tmp = link.with_suffix(".new")
    with contextlib.suppress(FileNotFoundError):
        tmp.unlink()
    os.symlink(target, tmp)
    os.replace(tmp, link)


@pytest.fixture
async def site(tmp_path: Path) -> AsyncIterator[Site]:
    site = Site(db=f"sqlite:///{tmp_path / 'server.db'}", work=tmp_path)
    site.prepare(device="e2e-rfid")
    await site.start_server()
    await site.create("locations", {"code": "WH1", "name": "Warehouse 1"})
    for epc, tag in ASSETS.items():
        await site.create("assets", {"asset_tag": tag, "name": f"Pallet {tag}", "epc": epc})
    try:
        yield site
    finally:
        await site.close()


async def start_agent(site: Site, sources: list[tuple[str, str]], name: str = "agent") -> Proc:
    """`scanstation agent` with one RFID source per (profile, port); waits for it to start."""
    lines = [
        "[station]",
        'device_id = "e2e-rfid"',
        f'server = "{site.url}"',
        'token_file = "device.token"',
        f'queue = "{name}-queue.db"',
        'location = "WH1"',
        "sync_interval_s = 0.2",
        "dwell_s = 0.5",
        "max_window_s = 2.0",  # tags parked in the field are reported every 2 s, not 10
    ]
    for profile, port in sources:
        lines += ["[[sources]]", f'profile = "{profile}"', f'port = "{port}"']
    station = site.work / f"{name}.toml"
    station.write_text("\n".join(lines) + "\n", encoding="utf-8")
    proc = Proc(["agent", "--config", str(station)], site.work / f"{name}.log")
    proc.start()
    return proc


async def reading(proc: Proc, times: int = 1) -> None:
    def check() -> bool:
        assert proc.alive(), proc.text()[-3000:]
        return proc.text().count(": reading (") >= times

    await wait_until(check, "the agent's reader to start reading")


async def history(site: Site, epc: str) -> list[dict[str, Any]]:
    async with site.api() as api:
        response = await api.get(f"/api/v1/assets/{ASSETS[epc]}/history")
    assert response.status_code == 200, response.text
    events: list[dict[str, Any]] = response.json()["events"]
    return events


async def arrived(site: Site, epc: str) -> bool:
    return any(e["code"] == epc for e in await history(site, epc))


@pytest.mark.parametrize("profile_id", FAMILIES)
async def test_rfid_sightings_reach_the_server_with_epc_antenna_count_rssi(site, profile_id):
    with reader(profile_id, rate=150) as (sim, pty):
        log = ReadLog(sim)
        async with serving(sim):
            agent = await start_agent(site, [(profile_id, pty.path)])
            try:
                await reading(agent)
                sim.population.place(EPC_A, antennas=(1,), rssi=-50.0)
                sim.population.place(EPC_B, antennas=(2,), rssi=-65.0)
                await wait_until(lambda: min(log.counts.values(), default=0) >= 40, "reads")
                sim.population.remove(EPC_A)
                sim.population.remove(EPC_B)
                expected = dict(log.counts)
                for (epc, antenna), count in expected.items():

                    async def complete(epc: str = epc, antenna: int = antenna) -> bool:
                        events = [e for e in await history(site, epc) if e["antenna"] == antenna]
                        got: int = sum(e["read_count"] for e in events)
                        return got >= expected[(epc, antenna)]

                    await wait_until(complete, f"all {count} reads of {epc} on {antenna}")
            finally:
                await agent.stop()
    assert set(expected) == {(EPC_A, 1), (EPC_B, 2)}
    for (epc, antenna), count in expected.items():
        events = await history(site, epc)
        assert events and all(e["code"] == epc for e in events)
        assert {e["antenna"] for e in events} == {antenna}
        assert sum(e["read_count"] for e in events) == count  # nothing lost, nothing doubled
        assert max(e["rssi"] for e in events) == log.peak[(epc, antenna)]
        assert all(e["source"] == "rfid" and e["location"] == "WH1" for e in events)
        assert all(e["first_seen"] <= e["last_seen"] for e in events)


@pytest.mark.parametrize("profile_id", FAMILIES)
async def test_rfid_reader_reboot_and_unplug_mid_stream(site, profile_id, tmp_path):
    link = tmp_path / "ttyUSB-rfid"
    with reader(profile_id) as (first, first_pty), reader(profile_id) as (second, second_pty):
        repoint(link, first_pty.path)
        agent = await start_agent(site, [(profile_id, str(link))])
        try:
            async with serving(first):
                await reading(agent)
                first.population.place(EPC_A, antennas=(1,))
                await wait_until(lambda: arrived(site, EPC_A), "EPC A at the server")
                first.reboot()  # mid-stream
                await wait_until(
                    lambda: "reader restarted" in agent.text(), "the agent to see the reboot"
                )
                first.population.remove(EPC_A)
                first.population.place(EPC_B, antennas=(2,))
                await wait_until(lambda: arrived(site, EPC_B), "EPC B after the reboot")
                first.unplug()
                await wait_until(lambda: "disappeared" in agent.text(), "the unplug to show")
            repoint(link, second_pty.path)  # plugged back in: a new tty behind the same path
            async with serving(second):
                second.population.place(EPC_C, antennas=(1,))
                await wait_until(lambda: arrived(site, EPC_C), "EPC C after replugging")
        finally:
            await agent.stop()
    events = await history(site, EPC_B)
    assert {e["antenna"] for e in events} == {2}


async def test_rfid_wrong_baud_rate_names_the_port_and_the_rate(site):
    with contextlib.ExitStack() as stack:
        sims: list[UhfSim] = []
        sources: list[tuple[str, str]] = []
        for profile_id in FAMILIES:
            sim, pty = stack.enter_context(reader(profile_id))
            sim.baudrate = 9600  # the reader was set to another rate than the profile says
            sims.append(sim)
            sources.append((profile_id, pty.path))
        async with contextlib.AsyncExitStack() as running:
            for sim in sims:
                await running.enter_async_context(serving(sim))
            agent = await start_agent(site, sources)
            try:
                for profile_id, port in sources:
                    profile = load_profile(profile_id)
                    assert profile.serial is not None
                    rate = profile.serial.baudrate
                    wanted = f"{port}: the reader did not answer at {rate} baud"
                    await wait_until(lambda w=wanted: w in agent.text(), wanted)
                assert agent.alive()  # a misconfigured reader never takes the agent down
            finally:
                await agent.stop()
