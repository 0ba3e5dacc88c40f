"""The audit screen with Textual's Pilot: a real handheld station (agent, outbox, control
labels) reading a simulated wand on a pty; the server answered at the HTTP transport."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from textual.widgets import DataTable, RichLog, Static

from scanner.camera.corpus import render, write_video
from scanner.handheld.app import AuditApp
from scanner.handheld.station import HandheldStation
from scanner.profiles import load_profile
from scanner.sim.pty import PtyPair
from scanner.sim.registry import simulator_factory
from scanner.sim.wand import WandSim
from tests.scanner.drivers.uhf_harness import serving
from tests.scanner.handheld.harness import (
    EPC_3,
    EPC_NEXT_DOOR,
    FakeServer,
    load,
    station_file,
    uhf,
    wand,
)

pytestmark = pytest.mark.timeout(60)


@pytest.fixture
def pty() -> Iterator[PtyPair]:
    with PtyPair() as pair:
        yield pair


@pytest.fixture
def server() -> FakeServer:
    return FakeServer()


def make_app(tmp_path: Path, pty: PtyPair, server: FakeServer) -> tuple[AuditApp, WandSim]:
    config = load(station_file(tmp_path, wand(pty.path)))
    station = HandheldStation(config, transport=httpx.MockTransport(server))
    return AuditApp(station), WandSim(load_profile("generic-serial-wand"), pty)


async def until(check: Callable[[], bool], pilot, within: float = 10.0) -> None:
    async with asyncio.timeout(within):
        while not check():
            await pilot.pause(0.02)


async def started(app: AuditApp, pilot) -> None:
    """Wait until the wand's port is open (bytes sent before that are flushed by the open)."""
    sources = app.station.agent.sources
    await until(lambda: all(s.driver.health().state == "connected" for s in sources), pilot)


def counter(app: AuditApp, name: str) -> str:
    return str(app.query_one(f"#c-{name}", Static).render()).split("\n")[-1]


def missing(app: AuditApp) -> set[str]:
    table = app.query_one("#missing", DataTable)
    return {str(table.get_row(key)[0]) for key in table.rows}


def scan_lines(app: AuditApp) -> list[tuple[str, str]]:
    """(text, style) of each line in the scan log."""
    log = app.query_one("#scans", RichLog)
    return [(strip.text.rstrip(), str(next(iter(strip)).style)) for strip in log.lines]


async def test_audit_screen_location_label_opens_and_counters_follow_scans(tmp_path, pty, server):
    app, sim = make_app(tmp_path, pty, server)
    async with app.run_test(size=(160, 40)) as pilot:
        await started(app, pilot)
        await sim.scan("LOC:WH1")
        await until(lambda: counter(app, "found") == "0 of 3", pilot)
        assert missing(app) == {"AST-1", "AST-2", "AST-3"}
        assert "downloaded" in str(app.query_one("#source", Static).render())
        await sim.scan("AST-1")
        await until(lambda: counter(app, "found") == "1 of 3", pilot)
        assert missing(app) == {"AST-2", "AST-3"}  # the missing list shrinks
        assert app.bells == 0
        await sim.scan("AST-9")  # registered, belongs in the yard
        await sim.scan("NOBODY-KNOWS-ME")
        await until(lambda: counter(app, "unknown_codes") == "1", pilot)
        assert (counter(app, "unexpected"), counter(app, "missing")) == ("1", "2")
        assert app.bells == 2  # one bell for the unexpected asset, one for the unknown code
        lines = scan_lines(app)
        assert lines[0][0].startswith("found") and "green" in lines[0][1]
        assert lines[1][0].startswith("unexpected") and "(belongs at YARD)" in lines[1][0]
        assert "red" in lines[1][1]
        assert lines[2][0].startswith("unknown") and "yellow" in lines[2][1]
        await pilot.press("f")
        await until(lambda: bool(server.of_type("audit_close")), pilot)
        await pilot.press("q")
    opened = server.of_type("audit_open")[0]
    assert (opened["code"], opened["location"]) == ("WH1", "WH1")
    scans = [e for e in server.of_type("sighting") if e["audit_id"] == opened["audit_id"]]
    assert [e["code"] for e in scans] == ["AST-1", "AST-9", "NOBODY-KNOWS-ME"]
    assert server.of_type("audit_close")[0]["code"] == opened["audit_id"]


async def test_audit_screen_undo_takes_back_the_held_scan_before_it_leaves(tmp_path, pty, server):
    app, sim = make_app(tmp_path, pty, server)
    async with app.run_test(size=(160, 40)) as pilot:
        await started(app, pilot)
        await sim.scan("LOC:WH1")
        await until(lambda: counter(app, "found") == "0 of 3", pilot)
        await sim.scan("AST-1")
        await sim.scan("AST-2")
        await until(lambda: counter(app, "found") == "2 of 3", pilot)
        await pilot.press("u")  # AST-2 was held: it never reaches the outbox
        await until(lambda: counter(app, "found") == "1 of 3", pilot)
        assert missing(app) == {"AST-2", "AST-3"}
        assert scan_lines(app)[-1][0].startswith("undone")
        await pilot.press("u")  # AST-1 was committed when AST-2 came: one level only
        await pilot.pause(0.1)
        assert counter(app, "found") == "1 of 3"
        assert "nothing to undo" in str(app.query_one("#message", Static).render())
        await pilot.press("f")
        await until(lambda: bool(server.of_type("audit_close")), pilot)
        await pilot.press("q")
    assert [e["code"] for e in server.of_type("sighting")] == ["AST-1"]


async def test_audit_screen_offline_picks_a_cached_location_and_queues(tmp_path, pty, server):
    app, sim = make_app(tmp_path, pty, server)
    async with app.run_test(size=(160, 40)) as pilot:
        await started(app, pilot)
        await sim.scan("LOC:WH1")  # online once: the expected list is cached
        await until(lambda: counter(app, "found") == "0 of 3", pilot)
        await pilot.press("f")
        await until(lambda: app.controller.session is None, pilot)
        server.up = False
        await pilot.press("l")
        await pilot.pause(0.1)
        await pilot.press("enter")  # the picker lists WH1 from the cache, highlighted
        await until(lambda: app.controller.session is not None, pilot)
        assert "offline: cached" in str(app.query_one("#source", Static).render())
        await sim.scan("AST-3")
        await until(lambda: counter(app, "found") == "1 of 3", pilot)
        await pilot.press("f")
        await until(lambda: app.controller.session is None, pilot)
        depth = app.station.agent.outbox.depth()
        assert depth >= 3  # audit_open, the scan, audit_close wait in the outbox
        await pilot.press("q")


async def test_audit_screen_without_any_expected_list_offline_refuses(tmp_path, pty, server):
    server.up = False
    app, sim = make_app(tmp_path, pty, server)
    async with app.run_test(size=(160, 40)) as pilot:
        await started(app, pilot)
        await sim.scan("LOC:WH1")
        await until(lambda: "No expected list" in str(app.query_one("#message").render()), pilot)
        assert app.controller.session is None
        await pilot.press("q")


async def test_audit_screen_shows_a_weak_rfid_read_apart_without_a_bell(tmp_path, pty, server):
    profile = load_profile("sparkfun-m6e-nano")  # weak_rssi_dbm = -65
    with PtyPair() as uhf_pty:
        reader = simulator_factory(profile.driver)(profile, uhf_pty, [], 100.0, seed=5)
        config = load(station_file(tmp_path, wand(pty.path) + uhf(uhf_pty.path)))
        app = AuditApp(HandheldStation(config, transport=httpx.MockTransport(server)))
        sim = WandSim(load_profile("generic-serial-wand"), pty)
        async with serving(reader), app.run_test(size=(160, 40)) as pilot:
            await started(app, pilot)
            await sim.scan("LOC:WH1")
            await until(lambda: counter(app, "found") == "0 of 3", pilot)
            next_door, ours = EPC_NEXT_DOOR.removeprefix("epc/"), EPC_3.removeprefix("epc/")
            reader.population.place(next_door, rssi=-80.0)  # through the wall
            await pilot.pause(0.5)
            reader.population.remove(next_door)  # walked past: the sighting closes
            await until(lambda: counter(app, "weak") == "1", pilot)
            reader.population.place(ours, rssi=-45.0)
            await pilot.pause(0.5)
            reader.population.remove(ours)
            await until(lambda: counter(app, "found") == "1 of 3", pilot)
            lines = scan_lines(app)
            weak = [(text, style) for text, style in lines if text.startswith("weak")]
            assert weak and "AST-10" in weak[0][0] and "blue" in weak[0][1]
            assert (counter(app, "unexpected"), app.bells) == ("0", 0)  # not unexpected
            await pilot.press("q")
    tags = [e for e in server.of_type("sighting") if e["source"] == "rfid"]
    assert {e["weak"] for e in tags if e["code"] == EPC_NEXT_DOOR[4:]} == {True}
    assert {e["weak"] for e in tags if e["code"] == EPC_3[4:]} == {False}


async def test_audit_screen_quit_keeps_the_audit_open_and_the_next_start_resumes_it(
    tmp_path, pty, server
):
    app, sim = make_app(tmp_path, pty, server)
    async with app.run_test(size=(160, 40)) as pilot:
        await started(app, pilot)
        await sim.scan("LOC:WH1")
        await until(lambda: counter(app, "found") == "0 of 3", pilot)
        await sim.scan("AST-1")
        await sim.scan("NOBODY-KNOWS-ME")
        await until(lambda: counter(app, "unknown_codes") == "1", pilot)
        await pilot.press("q")  # the held scan goes out at the stop; the audit stays open
    audit_id = server.of_type("audit_open")[0]["audit_id"]
    assert not server.of_type("audit_close")
    again, sim = make_app(tmp_path, pty, server)
    async with again.run_test(size=(160, 40)) as pilot:
        await until(lambda: counter(again, "found") == "1 of 3", pilot)
        assert counter(again, "unknown_codes") == "1"
        assert "Resumed the audit of WH1" in str(again.query_one("#message", Static).render())
        await started(again, pilot)
        await sim.scan("AST-2")
        await until(lambda: counter(again, "found") == "2 of 3", pilot)
        await pilot.press("f")
        await until(lambda: bool(server.of_type("audit_close")), pilot)
        await pilot.press("q")
    scans = [e for e in server.of_type("sighting") if e["audit_id"] == audit_id]
    assert [e["code"] for e in scans] == ["AST-1", "NOBODY-KNOWS-ME", "AST-2"]
    assert server.of_type("audit_close")[0]["code"] == audit_id
    assert again.station.cache.path.exists()


async def test_audit_screen_on_a_camera_station(tmp_path, server):
    video = tmp_path / "desk.avi"
    passes = [
        (0.2, 0.9, render("LOC:WH1", "qr", 6)),
        (1.2, 1.9, render("AST-2", "code128", 2)),
        (2.2, 2.9, render("AST-9", "code128", 2)),
    ]
    write_video(video, passes, seconds=3.2)
    camera = f'[[sources]]\nprofile = "generic-usb-camera"\ncamera = "{video}"\n'
    config = load(station_file(tmp_path, camera))
    app = AuditApp(HandheldStation(config, transport=httpx.MockTransport(server)))
    async with app.run_test(size=(160, 40)) as pilot:
        await until(lambda: counter(app, "unexpected") == "1", pilot, within=30)
        assert (counter(app, "found"), app.bells) == ("1 of 3", 1)
        await pilot.press("f")
        await until(lambda: bool(server.of_type("audit_close")), pilot)
        await pilot.press("q")
    scans = server.of_type("sighting")
    assert [(e["code"], e["source"]) for e in scans] == [("AST-2", "camera"), ("AST-9", "camera")]
