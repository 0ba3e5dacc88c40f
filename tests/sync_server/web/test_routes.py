"""The web UI through the real app and database: sign in, pages (full and partial), CSRF,
rate limiting, roles."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import quote

import httpx
import pytest
from sqlmodel import Session, select

from sync_server.models import AssetIdentifier, Event
from sync_server.services import auth
from sync_server.web.render import format_duration
from tests.sync_server.conftest import Server
from tests.sync_server.web.seed import ADMIN, VIEWER, overdue_tag, seed_site

HX = {"HX-Request": "true"}
PAGES = [
    ("/assets", ["AST-000101", "MacBook Pro 14", "Last-known location"]),
    ("/assets?q=multimeter", ["AST-000103", "WH1-A", "Grace Hopper"]),
    ("/assets/AST-000103", ["Fluke 87V multimeter", "WH1-A", "dock3-portal", "checkout"]),
    ("/unknown-codes", ["UNKNOWN-77", "E2801160600002041F58A84B", "handheld-7"]),
    ("/devices", ["dock3-portal", "handheld-7", "desk-scanner"]),
]


def _csrf(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match is not None, html
    return match.group(1)


async def _login(client: httpx.AsyncClient, name: str, password: str) -> httpx.Response:
    page = await client.get("/login")
    data = {"name": name, "password": password, "csrf_token": _csrf(page.text)}
    return await client.post("/login", data=data)


@pytest.fixture
async def site(server: Server) -> Server:
    seed_site(server.engine)
    return server


@pytest.fixture
async def admin(site: Server) -> httpx.AsyncClient:
    r = await _login(site.client, *ADMIN)
    assert r.status_code == 303, r.text
    return site.client


async def _viewer_csrf(site: Server) -> str:
    r = await _login(site.client, *VIEWER)
    assert r.status_code == 303
    return _csrf((await site.client.get("/unknown-codes")).text)


@pytest.mark.parametrize("url", [p for p, _ in PAGES])
async def test_pages_redirect_to_login_when_signed_out(site: Server, url: str) -> None:
    r = await site.client.get(url)
    assert r.status_code == 303
    assert r.headers["location"].startswith("/login?next=/")
    partial = await site.client.get(url, headers=HX)
    assert partial.status_code == 401 and partial.headers["HX-Redirect"].startswith("/login")


@pytest.mark.parametrize(("url", "texts"), PAGES)
async def test_pages_render_full_and_partial(admin: httpx.AsyncClient, url: str, texts) -> None:
    full = await admin.get(url)
    partial = await admin.get(url, headers=HX)
    assert full.status_code == partial.status_code == 200
    assert "<html" in full.text and "</html>" in full.text
    assert "<html" not in partial.text and "<header" not in partial.text
    for text in texts:
        assert text in full.text
        assert text in partial.text


async def test_login_page_renders_full_and_partial(site: Server) -> None:
    full = await site.client.get("/login")
    partial = await site.client.get("/login", headers=HX)
    assert "<html" in full.text and "<html" not in partial.text
    assert "Sign in" in partial.text and 'name="csrf_token"' in partial.text


async def test_login_success_sets_an_httponly_lax_session_cookie(site: Server) -> None:
    page = await site.client.get("/login?next=/devices")
    data = {"name": ADMIN[0], "password": ADMIN[1], "csrf_token": _csrf(page.text)}
    r = await site.client.post("/login", data={**data, "next": "/devices"})
    assert r.status_code == 303 and r.headers["location"] == "/devices"
    cookie = next(
        c for c in r.headers.get_list("set-cookie") if c.startswith(auth.SESSION_COOKIE + "=")
    )
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/" in cookie
    assert (await site.client.get("/devices")).status_code == 200


async def test_login_refuses_an_offsite_next(site: Server) -> None:
    page = await site.client.get("/login")
    data = {"name": ADMIN[0], "password": ADMIN[1], "csrf_token": _csrf(page.text)}
    r = await site.client.post("/login", data={**data, "next": "//evil.example/x"})
    assert r.headers["location"] == "/assets"


async def test_login_wrong_password_is_refused_with_a_message(site: Server) -> None:
    r = await _login(site.client, ADMIN[0], "not-the-password")
    assert r.status_code == 401
    assert "Wrong user name or password." in r.text
    assert auth.SESSION_COOKIE not in r.cookies
    assert (await site.client.get("/assets")).status_code == 303


@pytest.mark.parametrize("token", [None, "", "forged-token"])
async def test_login_without_the_right_csrf_token_is_403(site: Server, token: str | None) -> None:
    await site.client.get("/login")
    data = {"name": ADMIN[0], "password": ADMIN[1]}
    if token is not None:
        data["csrf_token"] = token
    r = await site.client.post("/login", data=data)
    assert r.status_code == 403
    assert "did not come from this site" in r.text
    assert (await site.client.get("/assets")).status_code == 303


async def test_login_is_rate_limited_with_429_and_retry_after(site: Server) -> None:
    limit = site.app.state.settings.login_max_failures
    for _ in range(limit):
        assert (await _login(site.client, ADMIN[0], "guess")).status_code == 401
    r = await _login(site.client, ADMIN[0], ADMIN[1])  # even the right password waits
    assert r.status_code == 429
    assert int(r.headers["Retry-After"]) > 0
    assert "Too many failed sign-ins" in r.text


async def test_logout_needs_csrf_and_ends_the_session(admin: httpx.AsyncClient) -> None:
    csrf = _csrf((await admin.get("/assets")).text)
    assert (await admin.post("/logout", data={"csrf_token": "wrong"})).status_code == 403
    assert (await admin.post("/logout", data={})).status_code == 403
    r = await admin.post("/logout", data={"csrf_token": csrf})
    assert r.status_code == 303 and r.headers["location"] == "/login"
    assert (await admin.get("/assets")).status_code == 303


async def test_assets_search_partial_is_only_the_results(admin: httpx.AsyncClient) -> None:
    r = await admin.get("/assets?q=DRILL", headers={**HX, "HX-Target": "results"})
    assert r.status_code == 200
    assert "AST-000107" in r.text and "AST-000101" not in r.text
    assert 'name="q"' not in r.text  # the search box is not replaced while typing
    none = await admin.get("/assets?q=nothing-like-this")
    assert "No assets match" in none.text


async def test_assets_list_highlights_overdue(admin: httpx.AsyncClient) -> None:
    html = (await admin.get("/assets")).text
    row = re.search(r'<tr class="overdue">(.*?)</tr>', html, re.S)
    assert row is not None and overdue_tag() in row.group(1)
    assert "overdue" in row.group(1) and "Ada Lovelace" in row.group(1)
    assert html.count('class="overdue"') == 1


async def test_assets_list_paginates(admin: httpx.AsyncClient, site: Server) -> None:
    from sync_server.web import pages

    html = (await admin.get("/assets")).text
    assert "Page 1 of" not in html  # 10 assets fit on one page
    pages_before = pages.PAGE_SIZE
    try:
        pages.PAGE_SIZE = 4
        first = (await admin.get("/assets")).text
        last = (await admin.get("/assets?page=3")).text
    finally:
        pages.PAGE_SIZE = pages_before
    assert "Page 1 of 3" in first and "AST-000104" in first and "AST-000105" not in first
    assert "Page 3 of 3" in last and "AST-000109" in last and 'rel="next"' not in last


async def test_asset_page_shows_evidence_and_history_newest_first(admin: httpx.AsyncClient) -> None:
    html = (await admin.get("/assets/AST-000103")).text
    assert "Grace Hopper" in html and "EMP-007" in html
    assert "LAB" in html  # home location
    times = re.findall(r'<td data-label="Time"><time datetime="([^"]+)"', html)
    assert len(times) == 3 and times == sorted(times, reverse=True)


async def test_unknown_asset_page_is_404(admin: httpx.AsyncClient) -> None:
    r = await admin.get("/assets/NOPE-1")
    assert r.status_code == 404 and "There is no asset" in r.text


async def test_admin_attaches_an_unknown_code_and_its_sightings_follow(
    admin: httpx.AsyncClient, site: Server
) -> None:
    csrf = _csrf((await admin.get("/unknown-codes")).text)
    form = {"csrf_token": csrf, "code": "UNKNOWN-77", "symbology": "code128"}
    r = await admin.post("/unknown-codes/attach", data={**form, "asset_tag": "AST-000110"})
    assert r.status_code == 303
    page = await admin.get(r.headers["location"])
    assert "Attached UNKNOWN-77 to AST-000110." in page.text
    assert 'value="UNKNOWN-77"' not in page.text
    history = (await admin.get("/assets/AST-000110")).text
    assert "handheld-7" in history and "WH1-A" in history
    with Session(site.engine) as s:
        key = s.exec(select(AssetIdentifier.key).where(AssetIdentifier.value == "UNKNOWN-77"))
        assert key.one() == "tag/UNKNOWN-77"
        assert s.exec(select(Event.asset_id).where(Event.code == "UNKNOWN-77")).one() is not None


async def test_attach_errors_are_shown_on_the_page(admin: httpx.AsyncClient) -> None:
    csrf = _csrf((await admin.get("/unknown-codes")).text)
    form = {"csrf_token": csrf, "code": "UNKNOWN-77"}
    missing = await admin.post("/unknown-codes/attach", data={**form, "asset_tag": "NOPE"})
    assert missing.status_code == 404 and "There is no asset" in missing.text
    taken = await admin.post(
        "/unknown-codes/attach", data={**form, "code": "AST-000101", "asset_tag": "AST-000102"}
    )
    assert taken.status_code == 409 and "AST-000101" in taken.text
    empty = await admin.post("/unknown-codes/attach", data={**form, "asset_tag": " "})
    assert empty.status_code == 422


@pytest.mark.parametrize("token", [None, "wrong"])
async def test_attach_without_the_session_csrf_token_is_403(admin: httpx.AsyncClient, token):
    data = {"code": "UNKNOWN-77", "asset_tag": "AST-000110"}
    if token is not None:
        data["csrf_token"] = token
    r = await admin.post("/unknown-codes/attach", data=data)
    assert r.status_code == 403
    assert "UNKNOWN-77" in (await admin.get("/unknown-codes")).text


async def test_viewer_sees_codes_but_cannot_attach(site: Server) -> None:
    csrf = await _viewer_csrf(site)
    page = (await site.client.get("/unknown-codes")).text
    assert "UNKNOWN-77" in page and "Attach" not in page and "2 unknown codes" in page
    data = {"csrf_token": csrf, "code": "UNKNOWN-77", "asset_tag": "AST-000110"}
    r = await site.client.post("/unknown-codes/attach", data=data)
    assert r.status_code == 403 and "Only an admin" in r.text
    with Session(site.engine) as s:
        assert s.exec(select(Event.asset_id).where(Event.code == "UNKNOWN-77")).one() is None


async def test_devices_page_shows_sync_lag_and_last_batch(admin: httpx.AsyncClient) -> None:
    html = (await admin.get("/devices")).text
    row = re.search(
        r"<td data-label=\"Device\" class=\"mono\">dock3-portal</td>(.*?)</tr>", html, re.S
    )
    assert row is not None
    assert "1 min" in row.group(1)  # newest event 5 min ago, synced 4 min ago
    assert '<td data-label="Last batch">4</td>' in row.group(1)
    assert "active" in row.group(1)


def test_format_duration_reads_like_a_person_would() -> None:
    assert format_duration(None) == "—"
    assert format_duration(12.7) == "12 s"
    assert format_duration(timedelta(minutes=12)) == "12 min"
    assert format_duration(timedelta(hours=3, minutes=5)) == "3 h 5 min"
    assert format_duration(timedelta(days=2, hours=4)) == "2 d 4 h"
    assert format_duration(-5) == "0 s"


@pytest.mark.parametrize("query", ["page=abc", "page=-3", "page=99999999999", "q=" + "x" * 5000])
async def test_assets_odd_query_strings_still_render(admin: httpx.AsyncClient, query: str) -> None:
    r = await admin.get(f"/assets?{query}")
    assert r.status_code == 200 and "<html" in r.text


async def test_partial_request_renders_only_the_targeted_block(admin: httpx.AsyncClient) -> None:
    r = await admin.get("/assets/AST-000103", headers={**HX, "HX-Target": "history"})
    assert r.status_code == 200 and r.headers["Vary"] == "HX-Request"
    assert "dock3-portal" in r.text and "Where it is" not in r.text
    whole = await admin.get("/assets/AST-000103", headers={**HX, "HX-Target": "no-such-block"})
    assert "Where it is" in whole.text and "<html" not in whole.text


NASTY = [
    "\x00",
    "a\x00b",
    "x" * 5000,
    "'; DROP TABLE asset; --",
    "\ud800".encode("utf-8", "surrogatepass").decode("latin-1"),
    "%_\\",
]


@pytest.mark.parametrize("value", NASTY)
async def test_forms_never_answer_5xx(admin: httpx.AsyncClient, site: Server, value: str) -> None:
    csrf = _csrf((await admin.get("/unknown-codes")).text)
    for data in ({"code": value, "asset_tag": "AST-000110"}, {"code": "X-1", "asset_tag": value}):
        r = await admin.post("/unknown-codes/attach", data={**data, "csrf_token": csrf})
        assert r.status_code < 500, r.text
    assert (await admin.get("/assets", params={"q": value})).status_code < 500
    assert (await admin.get("/assets/" + quote(value, safe=""))).status_code < 500
    codes = await admin.get("/unknown-codes", params={"attached": value, "to": "x"})
    assert codes.status_code < 500
    other = httpx.AsyncClient(transport=admin._transport, base_url="http://testserver")
    async with other:
        r = await _login(other, value, value)
        assert r.status_code == 401
