"""The user-management pages (admins) and the account page (everyone): CSRF, roles, policy,
and access ending at once."""

from __future__ import annotations

import re

import httpx
import pytest

from sync_server.services import auth
from tests.sync_server.conftest import Server, bearer
from tests.sync_server.web.seed import ADMIN, VIEWER, seed_site


def _csrf(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match is not None, html
    return match.group(1)


async def _login(client: httpx.AsyncClient, name: str, password: str) -> httpx.Response:
    page = await client.get("/login")
    data = {"name": name, "password": password, "csrf_token": _csrf(page.text)}
    return await client.post("/login", data=data)


def _client(site: Server) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=site.app)
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


@pytest.fixture
async def site(server: Server) -> Server:
    seed_site(server.engine)
    return server


async def test_users_page_is_for_admins_only(site: Server) -> None:
    async with _client(site) as viewer:
        assert (await _login(viewer, *VIEWER)).status_code == 303
        assert (await viewer.get("/users")).status_code == 403
        csrf = _csrf((await viewer.get("/account")).text)
        r = await viewer.post(f"/users/{ADMIN[0]}/disable", data={"csrf_token": csrf})
        assert r.status_code == 403
    assert (await _login(site.client, *ADMIN)).status_code == 303
    page = await site.client.get("/users")
    assert page.status_code == 200 and VIEWER[0] in page.text and "enabled" in page.text


async def test_disabling_a_user_ends_their_session_at_once(site: Server) -> None:
    await _login(site.client, *ADMIN)
    csrf = _csrf((await site.client.get("/users")).text)
    async with _client(site) as victor:
        await _login(victor, *VIEWER)
        assert (await victor.get("/assets")).status_code == 200
        r = await site.client.post(f"/users/{VIEWER[0]}/disable", data={"csrf_token": "x"})
        assert r.status_code == 403  # CSRF
        r = await site.client.post(f"/users/{VIEWER[0]}/disable", data={"csrf_token": csrf})
        assert r.status_code == 200 and "disabled" in r.text
        assert (await victor.get("/assets")).status_code == 303
        assert (await _login(victor, *VIEWER)).status_code == 401
        await site.client.post(f"/users/{VIEWER[0]}/enable", data={"csrf_token": csrf})
        assert (await _login(victor, *VIEWER)).status_code == 303


async def test_admin_issues_a_token_shown_once_and_revokes_it(site: Server) -> None:
    await _login(site.client, *ADMIN)
    csrf = _csrf((await site.client.get("/users")).text)
    data = {"csrf_token": csrf, "expires_in": "30d"}
    r = await site.client.post(f"/users/{VIEWER[0]}/tokens", data=data)
    match = re.search(r'id="new-token">([^<]+)<', r.text)
    assert r.status_code == 200 and match is not None
    token = match.group(1)
    assert (await site.client.get("/users")).text.count(token) == 0  # shown once
    async with _client(site) as api:
        assert (await api.get("/api/v1/assets", headers=bearer(token))).status_code == 200
        listed = (await site.client.get("/users")).text
        token_id = re.findall(rf"/users/{VIEWER[0]}/tokens/(\d+)/revoke", listed)[-1]
        assert "last used" in listed
        revoke = f"/users/{VIEWER[0]}/tokens/{token_id}/revoke"
        assert (await site.client.post(revoke, data={"csrf_token": csrf})).status_code == 200
        assert (await api.get("/api/v1/assets", headers=bearer(token))).status_code == 401


async def test_admin_password_reset_follows_the_policy(site: Server) -> None:
    await _login(site.client, *ADMIN)
    csrf = _csrf((await site.client.get("/users")).text)
    url = f"/users/{VIEWER[0]}/password"
    r = await site.client.post(url, data={"csrf_token": csrf, "password": "short"})
    assert r.status_code == 422 and "12 characters" in r.text
    r = await site.client.post(url, data={"csrf_token": csrf, "password": "a-new-good-password"})
    assert r.status_code == 200
    async with _client(site) as victor:
        assert (await _login(victor, VIEWER[0], "a-new-good-password")).status_code == 303


async def test_a_user_changes_their_own_password(site: Server) -> None:
    async with _client(site) as elsewhere:
        await _login(elsewhere, *VIEWER)
        await _login(site.client, *VIEWER)
        csrf = _csrf((await site.client.get("/account")).text)
        form = {"csrf_token": csrf, "current": "wrong", "password": "x" * 3, "confirm": "x" * 3}
        r = await site.client.post("/account/password", data=form)
        assert r.status_code == 422 and "current password is wrong" in r.text
        form.update(current=VIEWER[1], password="password1234", confirm="password1234")
        r = await site.client.post("/account/password", data=form)
        assert r.status_code == 422 and "common" in r.text
        form.update(password="my-new-long-password", confirm="my-new-long-password")
        r = await site.client.post("/account/password", data=form)
        assert r.status_code == 303
        assert (await site.client.get("/account?changed=1")).status_code == 200  # still in
        assert (await elsewhere.get("/assets")).status_code == 303  # other browser: out
        assert (await _login(elsewhere, VIEWER[0], "my-new-long-password")).status_code == 303
        session_cookie = site.client.cookies.get(auth.SESSION_COOKIE)
        assert session_cookie
