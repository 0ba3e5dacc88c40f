"""Take the README screenshots (assets list, asset page) from a seeded server with Chromium.

Run from the repository root: `.venv/bin/python docs/screenshots/take.py`.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OUT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))

from tests.sync_server.web.live import live_server  # noqa: E402
from tests.sync_server.web.seed import ADMIN  # noqa: E402
from tests.sync_server.web.test_browser import CHROMIUM, CHROMIUM_ARGS  # noqa: E402


def main() -> int:
    """Write assets.png, asset.png and asset-phone.png next to this script."""
    from playwright.sync_api import sync_playwright

    with (
        tempfile.TemporaryDirectory() as workdir,
        live_server(Path(workdir)) as url,
        sync_playwright() as pw,
    ):
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        page.goto(f"{url}/login")
        page.get_by_label("User name").fill(ADMIN[0])
        page.get_by_label("Password").fill(ADMIN[1])
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(f"{url}/assets")
        page.screenshot(path=OUT / "assets.png", full_page=True)
        page.goto(f"{url}/assets/AST-000103")
        page.screenshot(path=OUT / "asset.png", full_page=True)
        page.set_viewport_size({"width": 390, "height": 844})
        page.screenshot(path=OUT / "asset-phone.png", full_page=True)
        browser.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
