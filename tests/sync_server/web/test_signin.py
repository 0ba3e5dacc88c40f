"""Signing in under pressure: concurrent guesses, shared addresses, huge names, and device sync
staying fast while a crowd signs in."""

from __future__ import annotations

import asyncio
import re
import statistics
import time
import uuid
from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy import func, select
from sqlmodel import Session

from sync_server.main import create_app
from sync_server.models import LoginThrottle
from sync_server.services import auth
from sync_server.settings import ServerSettings
from tests.sync_server.conftest import Server, batch, bearer, event

SYNC = "/api/v1/sync/batches"
PASSWORD = "a-long-enough-password"


def _csrf(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match is not None, html
    return match.group(1)


def _add_users(server: Server, *names: str) -> None:
    cost = server.app.state.password_cost
    shared_hash = auth.hash_password(PASSWORD, cost)  # one real hash: seeding stays quick
    with Session(server.engine) as s:
        for name in names:
            auth.add_user(s, name, "viewer").password_hash = shared_hash
        s.commit()


async def _form(client: httpx.AsyncClient) -> str:
    return _csrf((await client.get("/login")).text)


async def _post(client: httpx.AsyncClient, csrf: str, name: str, password: str) -> int:
    data = {"name": name, "password": password, "csrf_token": csrf}
    return (await client.post("/login", data=data)).status_code


async def test_parallel_wrong_passwords_are_checked_only_up_to_the_limit(server: Server) -> None:
    _add_users(server, "ada")
    csrf = await _form(server.client)
    codes = await asyncio.gather(*(_post(server.client, csrf, "ada", f"g{i}") for i in range(40)))
    limit = server.app.state.settings.login_max_failures
    assert codes.count(401) == limit
    assert codes.count(429) == 40 - limit


async def test_one_accounts_failures_never_refuse_another_accounts_right_password(server):
    _add_users(server, "ada", "bob")
    csrf = await _form(server.client)
    for _ in range(20):
        assert await _post(server.client, csrf, "bob", "typo") in (401, 429)
    assert await _post(server.client, csrf, "bob", PASSWORD) == 429  # bob waits here
    assert await _post(server.client, csrf, "ada", PASSWORD) == 303  # ada, same address, not


async def test_a_huge_user_name_is_refused_before_any_work(server: Server) -> None:
    csrf = await _form(server.client)
    start = time.perf_counter()
    assert await _post(server.client, csrf, "x" * 1_000_000, "guess") == 401
    assert time.perf_counter() - start < 5
    with Session(server.engine) as s:
        assert s.scalar(select(func.count()).select_from(LoginThrottle)) == 0


async def _sync_latencies(server: Server, token: str, stop: asyncio.Event) -> list[float]:
    stream, seq, latencies = str(uuid.uuid4()), 0, []
    while not stop.is_set() or seq < 5:
        seq += 1
        body = batch("dev-1", [event(seq, f"TAG-{seq}")], stream)
        start = time.perf_counter()
        r = await server.client.post(SYNC, json=body, headers=bearer(token))
        latencies.append(time.perf_counter() - start)
        assert r.status_code == 200, r.text
    return latencies


@pytest.fixture
async def light_server(db_url: str) -> AsyncIterator[Server]:
    """The app with a lighter (still real) argon2 cost, so 100 sign-ins fit a test's time on a
    busy machine; each check still takes milliseconds, as long as a write-lock hold matters."""
    settings = ServerSettings(db=db_url, password_time_cost=1, password_memory_kib=8192)
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield Server(app, client, db_url)


async def test_device_sync_stays_fast_while_100_people_sign_in(light_server: Server) -> None:
    server = light_server
    names = [f"user{i}" for i in range(100)]
    _add_users(server, *names)
    token = server.enroll("dev-1")
    csrf = await _form(server.client)
    stop = asyncio.Event()
    syncing = asyncio.create_task(_sync_latencies(server, token, stop))
    logins = [_post(server.client, csrf, name, PASSWORD) for name in names]
    codes = await asyncio.gather(*logins)
    stop.set()
    latencies = await syncing
    assert codes == [303] * 100  # nobody refused, no 503
    assert statistics.median(latencies) < 0.5, latencies
    assert max(latencies) < 5.0, latencies  # before: 503s and a 50 s stall


async def test_the_sign_in_token_is_bound_to_its_pre_session(server: Server) -> None:
    _add_users(server, "ada")
    transport = httpx.ASGITransport(app=server.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as other:
        theirs = await _form(other)
    mine = await _form(server.client)
    pre_session = server.client.cookies.get("scanstation_login_csrf")
    assert pre_session and pre_session != mine  # not a plain double-submit copy
    assert await _post(server.client, theirs, "ada", PASSWORD) == 403  # another browser's
    assert await _post(server.client, pre_session, "ada", PASSWORD) == 403  # the cookie itself
    assert await _post(server.client, mine, "ada", PASSWORD) == 303
