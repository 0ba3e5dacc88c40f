"""Security headers on every response, no inline script anywhere in the UI, and the API docs
served from this origin with no internet."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

import sync_server
from sync_server.main import create_app
from sync_server.settings import ServerSettings
from tests.sync_server.conftest import Server, bearer

TEMPLATES = Path(sync_server.__file__).parent / "web" / "templates"
URLS = ["/healthz", "/metrics", "/openapi.json", "/login", "/assets", "/api/v1/assets",
        "/static/app.css", "/docs", "/redoc", "/no-such-page"]  # fmt: skip


def _check_common(r: httpx.Response) -> None:
    csp = r.headers["content-security-policy"]
    script_src = re.search(r"script-src ([^;]+)", csp)
    assert script_src is not None and "unsafe-inline" not in script_src.group(1)
    assert "frame-ancestors 'none'" in csp
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["referrer-policy"] in {"same-origin", "no-referrer", "strict-origin"}


@pytest.mark.parametrize("url", URLS)
async def test_every_response_carries_the_security_headers(server: Server, url: str) -> None:
    r = await server.client.get(url)
    _check_common(r)
    assert "strict-transport-security" not in r.headers  # plain http: no HSTS
    if not url.startswith("/static/"):
        assert r.headers["cache-control"] == "no-store"


async def test_errors_and_oversized_bodies_carry_them_too(server: Server) -> None:
    r = await server.client.post("/api/v1/sync/batches", content=b"x" * 20_000_000)
    assert r.status_code == 413
    _check_common(r)


async def test_signed_in_answers_are_not_cached(server: Server) -> None:
    token = server.user_token("ada", "viewer")
    r = await server.client.get("/api/v1/assets", headers=bearer(token))
    assert r.status_code == 200 and r.headers["cache-control"] == "no-store"


@pytest.fixture
async def https_server(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(ServerSettings(db=f"sqlite:///{tmp_path / 's.db'}", https=True))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            yield client


async def test_https_sites_send_hsts_and_secure_cookies(https_server: httpx.AsyncClient) -> None:
    r = await https_server.get("/login")
    assert "max-age=" in r.headers["strict-transport-security"]
    cookies = r.headers.get_list("set-cookie")
    assert cookies and all("Secure" in c for c in cookies)


async def test_a_request_over_https_gets_secure_cookies(server: Server) -> None:
    transport = httpx.ASGITransport(app=server.app)
    async with httpx.AsyncClient(transport=transport, base_url="https://t") as client:
        r = await client.get("/login")
    assert "strict-transport-security" in r.headers
    assert all("Secure" in c for c in r.headers.get_list("set-cookie"))


@pytest.mark.parametrize("template", sorted(TEMPLATES.rglob("*.html")), ids=lambda p: p.name)
def test_templates_have_no_inline_script(template: Path) -> None:
    html = template.read_text()
    for tag in re.findall(r"<script\b[^>]*>", html, flags=re.I):
        assert "src=" in tag, f"inline script in {template}"
    assert not re.search(r"\son[a-z]+\s*=", html, flags=re.I), f"event handler in {template}"
    assert "javascript:" not in html.lower()


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
async def test_docs_load_everything_from_this_origin(server: Server, page: str) -> None:
    r = await server.client.get(page)
    assert r.status_code == 200
    refs = re.findall(r'(?:src|href)="([^"]+)"', r.text)
    assert refs and all(ref.startswith("/") and not ref.startswith("//") for ref in refs)
    assert not re.search(r"<script>(?!</script>)", r.text)  # no inline script
    for ref in refs:
        asset = await server.client.get(ref)
        assert asset.status_code == 200, ref
        assert len(asset.content) > 100
