"""The admin's audit flow in a real browser (Debian's Chromium through Playwright) against a
real uvicorn server: open an audit in the UI, feed scans through a simulated wand on a pty and
a real `scanstation agent`, and a handheld's batch; watch the counts change on the page as it
polls; resolve each category (one click, bulk, undo); download the CSV and PDF reports and read
them; close; the asset page lists the audit."""

from __future__ import annotations

import contextlib
import io
import os
import re
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from scanner.profiles import load_profile
from scanner.sim.pty import PtyPair
from scanner.sim.wand import WandSim
from sync_server.services import auth
from tests.conftest import need
from tests.e2e.stack import Proc, wait_until
from tests.sync_server.web.live import live_server
from tests.sync_server.web.seed import ADMIN
from tests.sync_server.web.test_browser import CHROMIUM, CHROMIUM_ARGS

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]
DESK, HANDHELD = "desk-wand", "handheld-2"
SEEN = 30_000  # ms a count may take to change on the page (polling every 2 s; shared CI)
Shoot = Callable[[Any, str], Awaitable[None]]


def _prepare(work: Path) -> Callable[[Engine], None]:
    def prepare(engine: Engine) -> None:
        with Session(engine) as s:
            desk = auth.enroll_device(s, DESK, "WH1-DESK").token
            handheld = auth.enroll_device(s, HANDHELD, None).token
            s.commit()
        (work / "desk.token").write_text(desk)
        (work / "handheld.token").write_text(handheld)

    return prepare


@contextlib.asynccontextmanager
async def wand_agent(url: str, work: Path) -> AsyncIterator[WandSim]:
    """A simulated wand on a pty read by a real agent at a desk read point in WH1."""
    with PtyPair() as pty:
        station = work / "desk.toml"
        station.write_text(
            f'[station]\ndevice_id = "{DESK}"\nserver = "{url}"\ntoken_file = "desk.token"\n'
            'queue = "desk-queue.db"\nlocation = "WH1"\nread_point = "WH1-DESK"\n'
            'sync_interval_s = 0.2\n[[sources]]\nprofile = "generic-serial-wand"\n'
            f'port = "{pty.path}"\n',
            encoding="utf-8",
        )  # fmt: skip
        agent = Proc(["agent", "--config", str(station)], work / "desk.log")
        agent.start()
        try:
            await wait_until(lambda: f"reading {pty.path}" in agent.text(), "the agent's wand")
            yield WandSim(load_profile("generic-serial-wand"), pty, chunk_size=7)
        finally:
            with contextlib.suppress(AssertionError):
                await agent.stop()


async def _handheld(url: str, work: Path, audit_id: str) -> None:
    """A handheld's batch in the audit: AST-000106 by label, AST-000110 only weakly by RFID."""
    now = datetime.now(UTC).isoformat()
    base = {"observed_at": now, "boot_id": "hh", "audit_id": audit_id, "operator": "EMP-042"}
    events = [
        {"seq": 1, "type": "sighting", "code": "AST-000106", "source": "wand", "mono_ns": 1,
         "location": "WH1-DOCK3", **base},
        {"seq": 2, "type": "sighting", "code": "AST-000110", "source": "rfid", "mono_ns": 2,
         "location": "WH1", "rssi": -79.0, "read_count": 1, "weak": True, **base},
    ]  # fmt: skip
    body = {"wire_version": 1, "batch_id": str(uuid.uuid4()), "device_id": HANDHELD,
            "stream_id": str(uuid.uuid4()), "events": events,
            "clock": {"boot_id": "hh", "mono_ns": 3, "wall": now}}  # fmt: skip
    token = (work / "handheld.token").read_text()
    async with httpx.AsyncClient(base_url=url) as http:
        r = await http.post(
            "/api/v1/sync/batches", json=body, headers={"Authorization": f"Bearer {token}"}
        )
        assert r.status_code == 200 and r.json()["inserted"] == 2, r.text


async def _see(page: Any, **counts: int) -> None:
    from playwright.async_api import expect

    for name, n in counts.items():
        await expect(page.locator(f'.audit-stats [data-count="{name}"]')).to_have_text(
            str(n), timeout=SEEN
        )


def _row(page: Any, category: str, key: str) -> Any:
    return page.locator(f'section#{category} tr[data-row="{key}"]')


async def _no_horizontal_scroll(page: Any) -> bool:
    return bool(await page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


async def open_and_scan(page: Any, url: str, work: Path, shoot: Shoot | None = None) -> str:
    """Sign in, open an audit of WH1 from the UI, and scan; returns the audit's id."""
    await page.goto(f"{url}/login")
    await page.get_by_label("User name").fill(ADMIN[0])
    await page.get_by_label("Password").fill(ADMIN[1])
    await page.get_by_role("button", name="Sign in").click()
    await page.goto(f"{url}/audits")
    form = page.locator("#open-audit")
    await form.locator("select[name=location]").select_option("WH1")
    await form.get_by_label("Count fixed readers in scope").check()
    await form.get_by_role("button", name="Open audit").click()
    await page.wait_for_url(re.compile(r".*/audits/[0-9a-f-]{36}$"))
    audit_id: str = page.url.rsplit("/", 1)[1]
    await _see(page, expected=6, found=0, missing=6, unexpected=0, unknown_codes=0)
    async with wand_agent(url, work) as wand:
        for code in ("LOC:WH1-A", "AST-000109", "LOC:WH1-DOCK3", "AST-000105", "AST-000101"):
            await wand.scan(code)
        await _see(page, found=2, relocated=1, missing=4, unexpected=1)  # no reload
        await wand.scan("MYSTERY-1")
        await _see(page, unknown_codes=1)
    await _handheld(url, work, audit_id)
    await _see(page, found=3, missing=3, weak=1)
    evidence = _row(page, "found", "AST-000106")
    for text in ("handheld-2", "EMP-042", "WH1-DOCK3"):
        assert text in await evidence.inner_text()
    assert DESK in await _row(page, "relocated", "AST-000109").inner_text()
    if shoot is not None:
        await shoot(page, "audit")
    return audit_id


async def resolve_each(page: Any) -> None:
    """One click on a relocated and an unexpected row, a bulk "mark lost", found elsewhere,
    register an unknown code, and undo."""
    from playwright.async_api import expect

    for category, tag in (("relocated", "AST-000109"), ("unexpected", "AST-000101")):
        await _row(page, category, tag).get_by_role("button", name="Accept new location").click()
        await expect(_row(page, category, tag)).to_contain_text("home moved · alice")
    for tag in ("AST-000107", "AST-000103"):
        await _row(page, "missing", tag).get_by_role("checkbox").check()
    bulk = page.locator("section#missing .bulk-bar")
    await bulk.get_by_label("Why, for the ticked rows").fill("not on the shelf")
    await bulk.get_by_role("button", name="Mark lost (ticked)").click()
    await expect(page.get_by_role("status")).to_have_text("Resolved 2 rows.")
    weak = _row(page, "missing", "AST-000110")
    await weak.get_by_text("Found elsewhere…").click()
    await weak.get_by_label("Where AST-000110 was found").select_option("LAB")
    await weak.get_by_role("button", name="Save").click()
    await expect(_row(page, "missing", "AST-000110")).to_contain_text("found elsewhere")
    unknown = _row(page, "unknown_codes", "MYSTERY-1")
    await unknown.get_by_text("Register as new asset…").click()
    await unknown.get_by_label("New asset tag for MYSTERY-1").fill("AST-000901")
    await unknown.get_by_label("Name of the new asset").fill("Cordless drill (found)")
    await unknown.get_by_role("button", name="Register").click()
    await _see(page, unknown_codes=0, unexpected=2)
    await _row(page, "missing", "AST-000110").get_by_role("button", name="Undo").click()
    await expect(page.locator("#log tr.undone")).to_contain_text("undone by alice")
    await expect(_row(page, "missing", "AST-000110")).to_contain_text("Found elsewhere")


async def _download(page: Any, name: str) -> bytes:
    async with page.expect_download() as info:
        await page.get_by_role("link", name=name).click()
    download = await info.value
    path = await download.path()
    with open(path, "rb") as f:  # noqa: ASYNC230 (a small file, read once)
        return f.read()


async def check_reports(page: Any) -> None:
    """The CSV and PDF downloads hold the counts, every category's rows, evidence and the
    resolutions in force."""
    from pypdf import PdfReader

    text = (await _download(page, "CSV report")).decode()
    assert "found,3" in text and "relocated,1" in text and "unexpected,2" in text
    assert re.search(r"relocated,AST-000109,[^\n]*,WH1,WH1-A,1,desk-wand,", text)
    assert "accept_relocation by alice" in text and "mark_missing by alice" in text
    assert re.search(r"weak,AST-000110,[^\n]*handheld-2,EMP-042,", text)
    assert re.search(r"unexpected,AST-000901,Cordless drill \(found\),MYSTERY-1,", text)
    pdf = PdfReader(io.BytesIO(await _download(page, "PDF report")))
    words = " ".join(p.extract_text() for p in pdf.pages)
    for needle in ("Audit of WH1", "AST-000109", "AST-000901", "handheld-2", "desk-wand"):
        assert needle in words, needle


@pytest.fixture
def base(tmp_path: Path) -> Any:
    need("chromium", CHROMIUM.exists(), f"{CHROMIUM} is missing (apt-get install chromium)")
    with live_server(tmp_path, prepare=_prepare(tmp_path)) as url:
        yield url


async def test_browser_audit_live_resolve_report_close(base: str, tmp_path: Path) -> None:
    from playwright.async_api import async_playwright, expect

    os.environ.setdefault("PLAYWRIGHT_SKIP_VALIDATE_HOST_REQUIREMENTS", "1")
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = await browser.new_page(viewport={"width": 1280, "height": 900})
            page.on("dialog", lambda dialog: dialog.accept())
            await open_and_scan(page, base, tmp_path)
            await resolve_each(page)
            await check_reports(page)
            await page.set_viewport_size({"width": 390, "height": 844})
            assert await _no_horizontal_scroll(page)
            await page.get_by_role("button", name="Close audit").click()
            await expect(page.get_by_role("status")).to_contain_text("Audit closed")
            assert await page.locator("[data-poll]").count() == 0
            await page.goto(f"{base}/assets/AST-000109")
            await expect(page.locator("section#audits")).to_contain_text("relocated")
        finally:
            await browser.close()
