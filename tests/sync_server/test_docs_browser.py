"""/docs and /redoc render in a real browser under the site's Content-Security-Policy, with
every request to this origin (no CDN, no internet) and no CSP violation."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlparse

import pytest

from tests.conftest import need
from tests.sync_server.web.live import live_server
from tests.sync_server.web.test_browser import CHROMIUM, CHROMIUM_ARGS

REDOC_LOGO = "cdn.redoc.ly/redoc/logo-mini.svg"
pytestmark = [pytest.mark.browser, pytest.mark.timeout(180)]


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    need("chromium", CHROMIUM.exists(), f"{CHROMIUM} is missing (apt-get install chromium)")
    with live_server(tmp_path_factory.mktemp("docs")) as url:
        yield url


@pytest.mark.parametrize(("path", "selector"), [("/docs", ".opblock"), ("/redoc", "h1")])
def test_docs_render_offline_under_the_csp(base_url: str, path: str, selector: str) -> None:
    from playwright.sync_api import sync_playwright

    hosts: set[str] = set()
    violations: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.on("request", lambda r: hosts.add(urlparse(r.url).netloc))
            page.on(
                "console",
                lambda m: (
                    violations.append(m.text) if "Content Security Policy" in m.text else None
                ),
            )
            page.goto(base_url + path)
            page.wait_for_selector(selector, timeout=60_000)
            assert "Scan Station" in page.content()
        finally:
            browser.close()
    # ReDoc's footer tries a logo from its CDN; the policy blocks it and the page hides it.
    blocked = {urlparse("https://" + REDOC_LOGO).netloc for v in violations if REDOC_LOGO in v}
    assert all("blocked" in v for v in violations if REDOC_LOGO in v)
    assert hosts - blocked <= {urlparse(base_url).netloc, ""}, (hosts, violations)
    csp = [v for v in violations if "Content Security Policy" in v and REDOC_LOGO not in v]
    assert csp == []
