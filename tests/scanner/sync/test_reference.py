"""The sync side's audit downloads against the real server app (httpx.ASGITransport), both
databases; and a download that fails leaves the last good copy in the cache."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from sqlmodel import Session

from scanner.queue.cache import ReferenceCache
from scanner.sync.reference import ReferenceSync
from sync_server.main import create_app
from sync_server.services import auth
from sync_server.settings import ServerSettings
from tests.sync_server.conftest import bearer


@pytest.fixture
async def api(db_url: str) -> AsyncIterator[tuple[httpx.AsyncClient, str]]:
    """The real app with a small register; yields a client and a device token."""
    app = create_app(ServerSettings(db=db_url))
    async with app.router.lifespan_context(app):
        with Session(app.state.engine) as s:
            device = auth.enroll_device(s, "hh-1", None).token
            admin = auth.create_api_token(s, auth.add_user(s, "root", "admin"))
            s.commit()
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            for body in (
                {"code": "WH1", "name": "Warehouse"},
                {"code": "WH1-A", "name": "Zone A", "parent": "WH1"},
                {"code": "YARD", "name": "Yard"},
            ):
                assert (
                    await http.post("/api/v1/locations", json=body, headers=bearer(admin))
                ).is_success
            for tag, home, epc in (
                ("A1", "WH1", None),
                ("A2", "WH1-A", "E28011606000020A1B2C3D4E"),
                ("F1", "YARD", None),
            ):
                body = {"asset_tag": tag, "name": f"Item {tag}", "home_location": home}
                if epc:
                    body["epc"] = epc
                assert (
                    await http.post("/api/v1/assets", json=body, headers=bearer(admin))
                ).is_success
            yield http, device


async def test_reference_downloads_expected_list_and_identities_into_the_cache(api, tmp_path):
    http, token = api
    cache = ReferenceCache(tmp_path / "cache.db")
    reference = ReferenceSync(http, "http://testserver", token, cache)
    assert (await reference.identities()).ok
    assert (await reference.expected("WH1")).ok
    listed = cache.expected("WH1", True)
    assert listed is not None
    assert {a.asset_tag: a.location for a in listed.assets} == {"A1": "WH1", "A2": "WH1-A"}
    assert set(listed.scope or ()) == {"WH1", "WH1-A"}
    a2 = next(a for a in listed.assets if a.asset_tag == "A2")
    assert "epc/E28011606000020A1B2C3D4E" in a2.keys
    registered = cache.registered()
    assert registered["tag/F1"].asset_tag == "F1" and registered["tag/F1"].location == "YARD"
    assert registered["epc/E28011606000020A1B2C3D4E"].asset_tag == "A2"
    assert cache.locations() == ["WH1"]


async def test_reference_unknown_location_and_bad_token_keep_the_cache(api, tmp_path):
    http, token = api
    cache = ReferenceCache(tmp_path / "cache.db")
    good = ReferenceSync(http, "http://testserver", token, cache)
    assert (await good.expected("WH1")).ok
    assert (await good.expected("NOWHERE")).outcome == "unknown"
    bad = ReferenceSync(http, "http://testserver", "wrong-token", cache)
    assert (await bad.expected("WH1")).outcome == "refused"
    listed = cache.expected("WH1", True)
    assert listed is not None and len(listed.assets) == 2  # the last good copy stays


async def test_reference_offline_keeps_the_last_download(tmp_path: Path):
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("down", request=request)

    cache = ReferenceCache(tmp_path / "cache.db")
    cache.store_expected("WH1", True, {"assets": [{"asset_tag": "A1"}]}, "2026-01-01T00:00:00")
    async with httpx.AsyncClient(transport=httpx.MockTransport(refuse)) as http:
        reference = ReferenceSync(http, "http://sync.test", "tok", cache, prefetch=("WH2",))
        assert (await reference.expected("WH1")).outcome == "offline"
        await reference.refresh_all()
    listed = reference.cached("WH1")
    assert listed is not None and [a.asset_tag for a in listed.assets] == ["A1"]
    assert listed.fetched_at == "2026-01-01T00:00:00"


async def test_reference_download_that_is_not_a_list_is_refused(tmp_path: Path):
    def odd(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"assets": "nope"})

    cache = ReferenceCache(tmp_path / "cache.db")
    async with httpx.AsyncClient(transport=httpx.MockTransport(odd)) as http:
        reference = ReferenceSync(http, "http://sync.test", "tok", cache)
        result = await reference.expected("WH1")
    assert result.outcome == "refused" and "assets" in result.detail
    assert cache.expected("WH1", True) is None
