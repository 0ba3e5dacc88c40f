"""Contract 2.2 "An asset's identities": the asset tag (key `tag/<asset tag>`) identifies the
asset everywhere a code resolves, claims earlier unknown codes, and never collides."""

from __future__ import annotations

from typing import Any

from tests.sync_server.conftest import Server, batch, bearer, event


async def _post(server: Server, path: str, body: dict[str, Any], headers: dict[str, str]) -> Any:
    return await server.client.post(path, json=body, headers=headers)


async def _sync(server: Server, token: str, events: list[dict[str, Any]]) -> dict[str, Any]:
    r = await _post(server, "/api/v1/sync/batches", batch("wand-1", events), bearer(token))
    assert r.status_code == 200, r.text
    result: dict[str, Any] = r.json()
    return result


async def _admin(server: Server) -> dict[str, str]:
    admin = bearer(server.user_token("root", "admin"))
    for code in ("WH1", "WH2"):
        await _post(server, "/api/v1/locations", {"code": code, "name": code}, admin)
    return admin


async def test_identities_tag_of_an_asset_made_with_tag_and_name_only_scans_as_it(server):
    admin = await _admin(server)
    r = await _post(server, "/api/v1/assets", {"asset_tag": "AST-000001", "name": "Drill"}, admin)
    assert r.status_code == 201, r.text
    assert r.json()["key"] == "tag/AST-000001"
    assert r.json()["identifiers"] == [
        {"scheme": "label", "value": "AST-000001", "key": "tag/AST-000001"}
    ]
    token = server.enroll("wand-1")
    ack = await _sync(server, token, [event(1, "AST-000001", symbology="code128", location="WH2")])
    assert ack["inserted"] == 1
    body = (await server.client.get("/api/v1/assets/AST-000001", headers=admin)).json()
    assert body["last_seen"]["location"] == "WH2"
    hist = (await server.client.get("/api/v1/assets/AST-000001/history", headers=admin)).json()
    assert [e["code"] for e in hist["events"]] == ["AST-000001"]
    codes = (await server.client.get("/api/v1/unknown-codes", headers=admin)).json()
    assert codes["items"] == []
    r = await server.client.get("/api/v1/lookup", params={"code": "AST-000001"}, headers=admin)
    assert r.json()["asset_tag"] == "AST-000001"


async def test_identities_creating_an_asset_claims_earlier_scans_of_its_tag_by_event_time(server):
    admin = await _admin(server)
    token = server.enroll("wand-1")
    later = "2026-03-01T12:30:00+00:00"
    await _sync(
        server,
        token,
        [
            event(1, "AST-7", location="WH2", observed_at=later),
            event(2, "AST-7", location="WH1"),  # older (12:00), arrives after: history only
        ],
    )
    codes = (await server.client.get("/api/v1/unknown-codes", headers=admin)).json()
    assert [(i["key"], i["count"]) for i in codes["items"]] == [("tag/AST-7", 2)]
    r = await _post(server, "/api/v1/assets", {"asset_tag": "AST-7", "name": "Cage"}, admin)
    assert r.status_code == 201, r.text
    assert r.json()["last_seen"]["location"] == "WH2"
    hist = (await server.client.get("/api/v1/assets/AST-7/history", headers=admin)).json()
    assert len(hist["events"]) == 2
    codes = (await server.client.get("/api/v1/unknown-codes", headers=admin)).json()
    assert codes["items"] == []


async def test_identities_renaming_a_tag_claims_the_new_text_and_releases_the_old(server):
    admin = await _admin(server)
    await _post(server, "/api/v1/assets", {"asset_tag": "OLD-1", "name": "Pump"}, admin)
    token = server.enroll("wand-1")
    await _sync(server, token, [event(1, "NEW-1", location="WH2")])
    r = await server.client.patch(
        "/api/v1/assets/OLD-1", json={"asset_tag": "NEW-1"}, headers=admin
    )
    assert r.status_code == 200, r.text
    assert r.json()["asset_tag"] == "NEW-1" and r.json()["last_seen"]["location"] == "WH2"
    assert [i["key"] for i in r.json()["identifiers"]] == ["tag/NEW-1"]
    r = await server.client.get("/api/v1/lookup", params={"code": "OLD-1"}, headers=admin)
    assert r.status_code == 404
    assert (await server.client.get("/api/v1/assets/OLD-1", headers=admin)).status_code == 404
    r = await _post(server, "/api/v1/assets", {"asset_tag": "OLD-1", "name": "New pump"}, admin)
    assert r.status_code == 201, r.text


async def test_identities_tag_equal_to_another_assets_barcode_is_409_naming_both(server):
    admin = await _admin(server)
    body = {"asset_tag": "AST-1", "name": "A", "barcode": "LBL-9"}
    assert (await _post(server, "/api/v1/assets", body, admin)).status_code == 201
    r = await _post(server, "/api/v1/assets", {"asset_tag": "LBL-9", "name": "B"}, admin)
    assert r.status_code == 409
    assert "AST-1" in r.json()["detail"] and "LBL-9" in r.json()["detail"]
    assert (await server.client.get("/api/v1/assets/LBL-9", headers=admin)).status_code == 404
    # ...and the other way round: a barcode, identifier or rename onto another asset's tag.
    assert await _post(server, "/api/v1/assets", {"asset_tag": "AST-2", "name": "C"}, admin)
    body = {"asset_tag": "AST-3", "name": "D", "barcode": "AST-2"}
    r = await _post(server, "/api/v1/assets", body, admin)
    assert r.status_code == 409 and "AST-2" in r.json()["detail"] and "AST-3" in r.json()["detail"]
    r = await _post(server, "/api/v1/assets/AST-1/identifiers", {"code": "AST-2"}, admin)
    assert r.status_code == 409 and "AST-1" in r.json()["detail"] and "AST-2" in r.json()["detail"]
    r = await server.client.patch(
        "/api/v1/assets/AST-2", json={"asset_tag": "LBL-9"}, headers=admin
    )
    assert r.status_code == 409 and "AST-1" in r.json()["detail"]
    r = await server.client.patch(
        "/api/v1/assets/AST-2", json={"asset_tag": "AST-1"}, headers=admin
    )
    assert r.status_code == 409


async def test_identities_a_giai_label_keeps_its_own_key_beside_the_tag(server):
    """Contract 1: a GS1 label of a GIAI is key 8004/..., never the tag text."""
    admin = await _admin(server)
    giai = "8004" + "0614141" + "1700042"
    body = {"asset_tag": "AST-G", "name": "Forklift", "barcode": "]C1" + giai}
    r = await _post(server, "/api/v1/assets", body, admin)
    assert r.status_code == 201, r.text
    assert r.json()["key"] == "8004/06141411700042"
    keys = {i["key"] for i in r.json()["identifiers"]}
    assert keys == {"tag/AST-G", "8004/06141411700042"}
    for code in ("AST-G", "]C1" + giai):
        r = await server.client.get("/api/v1/lookup", params={"code": code}, headers=admin)
        assert r.json()["asset_tag"] == "AST-G"
