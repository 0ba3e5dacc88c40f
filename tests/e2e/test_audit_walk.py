"""A scripted audit walk, end to end (issue 9, done-when 1): `scanstation server` (a subprocess,
its real HTTP API) and the handheld audit screen (`AuditApp` under Textual's Pilot) reading a
simulated wand and a simulated UHF handheld (SparkFun M6e Nano, Mercury protocol) on ptys.

The room has what it should, a misplaced item, a missing one, a foreign one, an unknown label,
an RFID-tagged item read only faintly, and a neighbour's tag read through the wall. The server's
reconciliation must equal the script's ground truth and the handheld's live view: online, and
fully offline (the server is down from before the audit opens until after it is finished).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

from scanner.handheld.app import AuditApp
from scanner.handheld.station import HandheldStation
from scanner.profiles import load_profile
from scanner.settings import load_station
from scanner.sim.pty import PtyPair
from scanner.sim.registry import simulator_factory
from scanner.sim.uhf_base import UhfSim
from scanner.sim.wand import WandSim
from shared.audits import Reconciliation
from tests.e2e.stack import Site, wait_until
from tests.scanner.drivers.uhf_harness import serving

pytestmark = pytest.mark.timeout(300)
UHF = "sparkfun-m6e-nano"  # weak_rssi_dbm = -65 in its profile
EPC_RF1 = "E28011606000020A1B2C3D01"
EPC_RF2 = "E28011606000020A1B2C3D02"
EPC_FAINT = "E28011606000020A1B2C3D03"
EPC_NEIGHBOUR = "E28011606000020A1B2C3D04"
LOCATIONS = [
    {"code": "FLOOR", "name": "Floor 1"},
    {"code": "ROOM1", "name": "Room 1", "parent": "FLOOR"},
    {"code": "ROOM1-SHELF", "name": "Room 1 shelf", "parent": "ROOM1"},
    {"code": "ROOM2", "name": "Room 2 (next door)", "parent": "FLOOR"},
    {"code": "YARD", "name": "Yard"},
]
# asset tag -> (home location, EPC or None)
ASSETS = {
    "A-PRESENT-1": ("ROOM1", None),
    "A-PRESENT-2": ("ROOM1-SHELF", None),
    "A-MISPLACED": ("ROOM1-SHELF", None),
    "A-MISSING": ("ROOM1", None),
    "A-FOREIGN": ("YARD", None),
    "A-RF-1": ("ROOM1-SHELF", EPC_RF1),
    "A-RF-2": ("ROOM1-SHELF", EPC_RF2),
    "A-RF-FAINT": ("ROOM1-SHELF", EPC_FAINT),
    "A-NEIGHBOUR": ("ROOM2", EPC_NEIGHBOUR),
}
TRUTH = {
    "found": ["A-MISPLACED", "A-PRESENT-1", "A-PRESENT-2", "A-RF-1", "A-RF-2"],
    "missing": ["A-MISSING", "A-RF-FAINT"],
    "unexpected": ["A-FOREIGN"],
    "unknown_codes": ["NO-SUCH-TAG"],
    "relocated": ["A-MISPLACED"],
    "weak": ["A-NEIGHBOUR", "A-RF-FAINT"],
}


@pytest.fixture
async def site(tmp_path: Path) -> AsyncIterator[Site]:
    s = Site(db=f"sqlite:///{tmp_path / 'server.db'}", work=tmp_path)
    s.prepare(device="hh-e2e")
    await s.start_server()
    for place in LOCATIONS:
        await s.create("locations", place)
    for tag, (home, epc) in ASSETS.items():
        body: dict[str, Any] = {"asset_tag": tag, "name": f"Item {tag}", "home_location": home}
        body["barcode"] = tag  # the label it carries (until the tag itself identifies it)
        if epc:
            body["epc"] = epc
        await s.create("assets", body)
    try:
        yield s
    finally:
        await s.close()


def station(site: Site, wand_port: str, uhf_port: str) -> HandheldStation:
    path = site.work / "station.toml"
    path.write_text(
        "[station]\n"
        'device_id = "hh-e2e"\n'
        f'server = "{site.url}"\n'
        'token_file = "device.token"\n'
        'queue = "var/queue.db"\n'
        "sync_interval_s = 0.2\n"
        "dwell_s = 0.3\n"
        "max_window_s = 1.0\n"
        "[audit]\n"
        "undo_window_s = 2.0\n"
        'prefetch = ["ROOM1"]\n'
        "[[sources]]\n"
        'profile = "generic-serial-wand"\n'
        f'port = "{wand_port}"\n'
        "[[sources]]\n"
        f'profile = "{UHF}"\n'
        f'port = "{uhf_port}"\n',
        encoding="utf-8",
    )
    return HandheldStation(load_station(path))


@contextlib.asynccontextmanager
async def devices() -> AsyncIterator[tuple[WandSim, UhfSim, str, str]]:
    with PtyPair() as wand_pty, PtyPair() as uhf_pty:
        profile = load_profile(UHF)
        uhf: UhfSim = simulator_factory(profile.driver)(profile, uhf_pty, [], 120.0, seed=11)
        wand = WandSim(load_profile("generic-serial-wand"), wand_pty)
        async with serving(uhf):
            yield wand, uhf, wand_pty.path, uhf_pty.path


async def until(
    check: Callable[[], bool], pilot: Any, what: str | Callable[[], str], within: float = 60.0
) -> None:
    try:
        async with asyncio.timeout(within):
            while not check():
                await pilot.pause(0.05)
    except TimeoutError:
        said = what if isinstance(what, str) else what()
        raise AssertionError(f"timed out waiting for {said}") from None


def verdicts(app: AuditApp) -> dict[str, set[str]]:
    session = app.controller.session or app.controller.last
    assert session is not None
    out: dict[str, set[str]] = {}
    for note in session.notes:
        out.setdefault(note.verdict, set()).add(note.asset_tag or note.code)
    return out


def as_truth(view: Reconciliation) -> dict[str, list[str]]:
    body = view.to_json()
    out = {name: body[name] for name in ("found", "missing", "unexpected", "unknown_codes")}
    out["relocated"] = sorted(r["asset_tag"] for r in body["relocated"])
    out["weak"] = sorted(r["asset_tag"] for r in body["weak"])
    return out


async def sweep(uhf: UhfSim, app: AuditApp, pilot: Any) -> None:
    """Walk the room: two tags on the shelf read well; a faint tag and the neighbour's tag
    behind the wall show up briefly and weakly."""
    uhf.population.place(EPC_RF1, rssi=-50.0)
    uhf.population.place(EPC_RF2, rssi=-50.0)
    await until(lambda: {"A-RF-1", "A-RF-2"} <= verdicts(app).get("found", set()), pilot, "RF")
    await pilot.pause(1.5)  # the sweep goes on: the shelf's tags are read many times
    uhf.population.place(EPC_FAINT, rssi=-80.0)
    uhf.population.place(EPC_NEIGHBOUR, rssi=-80.0)
    await pilot.pause(0.1)  # walking past the wall
    uhf.population.remove(EPC_FAINT)
    uhf.population.remove(EPC_NEIGHBOUR)
    await until(
        lambda: {"A-RF-FAINT", "A-NEIGHBOUR"} <= verdicts(app).get("weak", set()),
        pilot,
        lambda: f"the weak reads; verdicts so far {verdicts(app)}",
    )
    uhf.population.remove(EPC_RF1)
    uhf.population.remove(EPC_RF2)


async def walk(wand: WandSim, uhf: UhfSim, app: AuditApp, pilot: Any) -> None:
    await wand.scan("LOC:ROOM1")
    await until(lambda: app.controller.session is not None, pilot, "the audit to open")
    for code in ("A-PRESENT-1", "A-MISPLACED", "A-FOREIGN", "NO-SUCH-TAG"):
        await wand.scan(code)
    await wand.scan("LOC:ROOM1-SHELF")  # a sublocation: the audit goes on there
    await wand.scan("A-PRESENT-2")
    await wand.scan("A-FOREIGN")  # scanned twice: still one unexpected asset
    await until(lambda: "A-PRESENT-2" in verdicts(app).get("found", set()), pilot, "the wand")
    await sweep(uhf, app, pilot)
    await pilot.press("f")
    await until(lambda: app.controller.session is None, pilot, "the audit to finish")


async def reconciliation(site: Site, audit_id: str) -> dict[str, Any] | None:
    async with site.api() as api:
        response = await api.get(f"/api/v1/audits/{audit_id}/reconciliation")
    if response.status_code == 404:
        return None
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


@pytest.mark.parametrize("offline", [False, True], ids=["online", "offline"])
async def test_audit_walk_reconciles_to_the_ground_truth(site: Site, offline: bool):
    async with devices() as (wand, uhf, wand_port, uhf_port):
        app = AuditApp(station(site, wand_port, uhf_port))
        async with app.run_test() as pilot:
            agent = app.station.agent
            await until(
                lambda: all(s.driver.health().state == "connected" for s in agent.sources),
                pilot,
                "the wand and the reader",
            )
            await until(lambda: "ROOM1" in app.controller.locations(), pilot, "the prefetch")
            if offline:
                assert site.server is not None
                await site.server.stop()
            await walk(wand, uhf, app, pilot)
            last = app.controller.last
            assert last is not None
            live = as_truth(last.view())
            assert "offline" in last_source(app) if offline else "downloaded" in last_source(app)
            assert app.bells == 3  # A-FOREIGN twice, NO-SUCH-TAG once; weak reads stay quiet
            if offline:
                assert agent.outbox.depth() > 0  # everything waits in the outbox
                await site.start_server()
            await wait_until(lambda: agent.outbox.depth() == 0, "the outbox to drain")
            await pilot.press("q")
    assert live == TRUTH  # the handheld's live view
    body = await reconciliation(site, last.audit.audit_id)
    assert body is not None and body["status"] == "closed"
    server = {name: body[name] for name in ("found", "missing", "unexpected", "unknown_codes")}
    server["relocated"] = sorted(r["asset_tag"] for r in body["relocated"])
    server["weak"] = sorted(r["asset_tag"] for r in body["weak"])
    assert server == TRUTH  # the server's reconciliation equals both
    foreign = body["details"]["unexpected"][0]
    assert (foreign["asset_tag"], foreign["expected_location"]) == ("A-FOREIGN", "YARD")


def last_source(app: AuditApp) -> str:
    return app.controller.source_note
