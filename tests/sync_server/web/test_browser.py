"""A real browser (Debian's Chromium through Playwright) against a real uvicorn server:
sign in, search, open an asset and read where it is and who has it, on desktop and phone."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import need
from tests.sync_server.web.live import live_server
from tests.sync_server.web.seed import ADMIN

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
pytestmark = [pytest.mark.browser, pytest.mark.timeout(180)]


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    need("chromium", CHROMIUM.exists(), f"{CHROMIUM} is missing (apt-get install chromium)")
    with live_server(tmp_path_factory.mktemp("ui")) as url:
        yield url


def _no_horizontal_scroll(page) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


@pytest.mark.parametrize("width", [1280, 390])
def test_browser_sign_in_search_and_read_an_asset(base_url: str, width: int) -> None:
    from playwright.sync_api import expect, sync_playwright

    os.environ.setdefault("PLAYWRIGHT_SKIP_VALIDATE_HOST_REQUIREMENTS", "1")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": width, "height": 844})
            page.goto(f"{base_url}/assets")
            expect(page).to_have_url(f"{base_url}/login?next=/assets")
            page.get_by_label("User name").fill(ADMIN[0])
            page.get_by_label("Password").fill(ADMIN[1])
            page.get_by_role("button", name="Sign in").click()
            expect(page).to_have_url(f"{base_url}/assets")
            expect(page.locator("#results")).to_contain_text("AST-000101")
            assert _no_horizontal_scroll(page)

            page.get_by_role("searchbox").fill("multimeter")  # live search, no submit
            results = page.locator("#results")
            expect(results).not_to_contain_text("AST-000101")
            expect(results).to_contain_text("1 asset matching")
            expect(page).to_have_url(f"{base_url}/assets?q=multimeter")
            page.get_by_role("link", name="AST-000103").click()

            expect(page).to_have_url(f"{base_url}/assets/AST-000103")
            where = page.locator("section.card", has_text="Where it is")
            who = page.locator("section.card", has_text="Who has it")
            expect(where).to_contain_text("WH1-A")
            expect(where).to_contain_text("dock3-portal")
            expect(who).to_contain_text("Grace Hopper")
            assert _no_horizontal_scroll(page)

            page.get_by_role("button", name="Sign out").click()
            expect(page).to_have_url(f"{base_url}/login")
        finally:
            browser.close()
