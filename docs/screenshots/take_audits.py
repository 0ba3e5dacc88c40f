"""Take the README screenshots of an audit page (desktop and phone) and the audits list: a
seeded server, an audit of WH1 opened in the UI and filled by a simulated wand through a real
agent and a handheld's batch, with one relocation accepted.

Run from the repository root: `.venv/bin/python docs/screenshots/take_audits.py`.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
OUT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))

from tests.sync_server.web.live import live_server  # noqa: E402
from tests.sync_server.web.test_browser import CHROMIUM, CHROMIUM_ARGS  # noqa: E402
from tests.sync_server.web.test_browser_audits import _prepare, open_and_scan  # noqa: E402


async def _shoot(page: Any, name: str) -> None:
    await (
        page.locator('section#relocated tr[data-row="AST-000109"]')
        .get_by_role("button", name="Accept new location")
        .click()
    )
    await page.locator("section#relocated").get_by_text("home moved").wait_for()
    await page.screenshot(path=OUT / f"{name}.png", full_page=True)
    await page.set_viewport_size({"width": 390, "height": 844})
    await page.screenshot(path=OUT / f"{name}-phone.png", full_page=True)
    await page.set_viewport_size({"width": 1280, "height": 900})
    await page.goto(page.url.rsplit("/audits/", 1)[0] + "/audits")
    await page.screenshot(path=OUT / "audits.png", full_page=True)


async def _main(work: Path) -> None:
    from playwright.async_api import async_playwright

    with live_server(work, prepare=_prepare(work)) as url:
        async with async_playwright() as pw:
            browser = await pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            page = await browser.new_page(viewport={"width": 1280, "height": 900})
            await open_and_scan(page, url, work, shoot=_shoot)
            await browser.close()


def main() -> int:
    """Write audit.png, audit-phone.png and audits.png next to this script."""
    with tempfile.TemporaryDirectory() as workdir:
        asyncio.run(_main(Path(workdir)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
