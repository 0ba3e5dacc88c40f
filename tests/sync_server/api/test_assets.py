"""Contract 2.2 through the real app: register, lookup by any scanned form, history, roles."""

from __future__ import annotations

import urllib.parse

from tests.sync_server.conftest import batch, bearer, event

EPC = "3034257BF7194E4000001A85"  # SGTIN-96: key 01/80614141123458/21/6789
GS1 = "\x1d0180614141123458216789"  # the same SGTIN as a GS1-128 label


async def _setup(server) -> dict[str, str]:
    admin = bearer(server.user_token("root", "admin"))
    c = server.client
    for body in (
        {"code": "WH1", "name": "Warehouse 1"},
        {"code": "WH1-A", "name": "Zone A", "parent": "WH1"},
        {"code": "YARD", "name": "Yard", "gln": "4012345000009"},
    ):
        assert (await c.post("/api/v1/locations", json=body, headers=admin)).status_code == 201
    r = await c.post(
        "/api/v1/read-points",
        json={"code": "WH1-DOCK3", "location": "WH1", "inside": "WH1-A", "outside": "YARD"},
        headers=admin,
    )
    assert r.status_code == 201, r.text
    r = await c.post("/api/v1/people", json={"code": "EMP-042", "name": "Ada"}, headers=admin)
    assert r.status_code == 201
    r = await c.post(
        "/api/v1/assets",
        json={
            "asset_tag": "AST-000123",
            "name": "Laptop",
            "home_location": "WH1",
            "epc": EPC,
            "barcode": "AST-000123",
        },
        headers=admin,
    )
    assert r.status_code == 201, r.text
    return admin


async def test_assets_create_and_lookup_by_any_scanned_form(server):
    admin = await _setup(server)
    for code in (EPC, EPC.lower(), GS1, "]C1" + GS1, "AST-000123"):
        r = await server.client.get("/api/v1/lookup", params={"code": code}, headers=admin)
        assert r.status_code == 200, (code, r.text)
        body = r.json()
        assert body["asset_tag"] == "AST-000123"
    assert body["key"] == "01/80614141123458/21/6789"
    assert body["home_location"] == "WH1" and body["last_seen"] is None
    assert {i["scheme"] for i in body["identifiers"]} == {"sgtin", "label"}
    r = await server.client.get("/api/v1/lookup", params={"code": "NOPE"}, headers=admin)
    assert r.status_code == 404


async def test_assets_two_assets_claiming_one_key_is_409_naming_both(server):
    admin = await _setup(server)
    r = await server.client.post(
        "/api/v1/assets", json={"asset_tag": "AST-2", "name": "Other", "epc": EPC}, headers=admin
    )
    assert r.status_code == 409
    assert "AST-000123" in r.json()["detail"] and "AST-2" in r.json()["detail"]
    r = await server.client.get("/api/v1/assets/AST-2", headers=admin)
    assert r.status_code == 404  # nothing of the refused asset was kept
    r = await server.client.post(
        "/api/v1/assets", json={"asset_tag": "AST-000123", "name": "dup"}, headers=admin
    )
    assert r.status_code == 409


async def test_assets_last_seen_custody_and_history_newest_first(server):
    admin = await _setup(server)
    token = server.enroll("portal")
    events = [
        event(1, EPC, source="rfid", symbology="epc", read_point="WH1-DOCK3", direction="in"),
        event(2, "AST-000123", type="checkout", custodian="EMP-042", due_back="2026-04-01",
              observed_at="2026-03-01T13:00:00+00:00"),
        event(3, GS1, symbology="gs1-128", location="4012345000009",
              observed_at="2026-03-01T12:30:00+00:00"),
        event(4, EPC, source="rfid", symbology="epc", observed_at="2026-03-01T14:00:00+00:00"),
    ]  # fmt: skip
    r = await server.client.post(
        "/api/v1/sync/batches", json=batch("portal", events), headers=bearer(token)
    )
    assert r.json()["inserted"] == 4
    tag = urllib.parse.quote("AST-000123", safe="")
    body = (await server.client.get(f"/api/v1/assets/{tag}", headers=admin)).json()
    # seq 3 was read via its GLN at 12:30; seq 2 (13:00) has no location; seq 4 neither.
    assert body["last_seen"]["location"] == "YARD"
    assert body["last_seen"]["device_id"] == "portal" and body["last_seen"]["source"] == "wand"
    assert body["custodian"] == "EMP-042" and body["due_back"] == "2026-04-01"
    hist = (await server.client.get(f"/api/v1/assets/{tag}/history", headers=admin)).json()
    assert hist["asset_tag"] == "AST-000123"
    times = [e["observed_at"] for e in hist["events"]]
    assert times == sorted(times, reverse=True) and len(times) == 4
    assert hist["events"][-1]["location"] == "WH1-A"  # the portal's inside, direction in
    assert hist["events"][-1]["read_point"] == "WH1-DOCK3"


async def test_assets_new_identifier_claims_past_unknown_code_events(server):
    admin = await _setup(server)
    token = server.enroll("wand")
    body = batch("wand", [event(1, "OLD-LABEL-7", location="WH1-A")])
    await server.client.post("/api/v1/sync/batches", json=body, headers=bearer(token))
    codes = (await server.client.get("/api/v1/unknown-codes", headers=admin)).json()
    assert [i["code"] for i in codes["items"]] == ["OLD-LABEL-7"] and codes["items"][0][
        "count"
    ] == 1
    r = await server.client.post(
        "/api/v1/assets/AST-000123/identifiers", json={"code": "OLD-LABEL-7"}, headers=admin
    )
    assert r.status_code == 201, r.text
    assert r.json()["last_seen"]["location"] == "WH1-A"
    codes = (await server.client.get("/api/v1/unknown-codes", headers=admin)).json()
    assert codes["items"] == []
    r = await server.client.post(
        "/api/v1/assets/AST-000123/identifiers",
        json={"code": "3400", "symbology": "epc"},
        headers=admin,
    )
    assert r.status_code == 422


async def test_assets_list_search_and_pagination(server):
    admin = await _setup(server)
    for i in range(5):
        body = {"asset_tag": f"CHAIR-{i}", "name": f"Office chair {i}", "home_location": "WH1-A"}
        assert (
            await server.client.post("/api/v1/assets", json=body, headers=admin)
        ).status_code == 201
    page = (
        await server.client.get(
            "/api/v1/assets", params={"q": "chair", "limit": 2, "offset": 2}, headers=admin
        )
    ).json()
    assert page["total"] == 5 and [a["asset_tag"] for a in page["items"]] == ["CHAIR-2", "CHAIR-3"]
    for q, total in (("%", 0), ("_", 0), ("chair-_", 0), ("CHAIR-4", 1), ("ffice ch", 5)):
        r = await server.client.get("/api/v1/assets", params={"q": q}, headers=admin)
        assert r.json()["total"] == total, q  # % and _ are literal, not wildcards
    assert (
        await server.client.get("/api/v1/assets", params={"limit": 0}, headers=admin)
    ).status_code == 422


async def test_assets_patch_and_locations_tree(server):
    admin = await _setup(server)
    r = await server.client.patch(
        "/api/v1/assets/AST-000123",
        json={"name": "Laptop 14", "home_location": "YARD"},
        headers=admin,
    )
    assert (
        r.status_code == 200
        and r.json()["name"] == "Laptop 14"
        and r.json()["home_location"] == "YARD"
    )
    r = await server.client.patch("/api/v1/locations/WH1", json={"parent": "WH1-A"}, headers=admin)
    assert r.status_code == 409
    r = await server.client.patch("/api/v1/locations/WH1-A", json={"parent": "YARD"}, headers=admin)
    assert r.status_code == 200 and r.json()["parent"] == "YARD"
    r = await server.client.post(
        "/api/v1/locations", json={"code": "X", "name": "x", "parent": "NOPE"}, headers=admin
    )
    assert r.status_code == 422
    r = await server.client.patch("/api/v1/people/EMP-042", json={"name": "Ada L."}, headers=admin)
    assert r.status_code == 200 and r.json()["name"] == "Ada L."
    assert (
        await server.client.patch("/api/v1/people/NOBODY", json={"name": "x"}, headers=admin)
    ).status_code == 404
    r = await server.client.patch(
        "/api/v1/read-points/WH1-DOCK3", json={"outside": None}, headers=admin
    )
    assert r.status_code == 200 and r.json()["outside"] is None
    locs = (await server.client.get("/api/v1/locations", headers=admin)).json()
    assert {loc["code"]: loc["parent"] for loc in locs}["WH1-A"] == "YARD"


async def test_assets_roles_viewer_reads_admin_writes(server):
    await _setup(server)
    viewer = bearer(server.user_token("vic", "viewer"))
    auditor = bearer(server.user_token("aud", "auditor"))
    device = bearer(server.enroll("d9"))
    c = server.client
    assert (await c.get("/api/v1/assets", headers=viewer)).status_code == 200
    assert (await c.get("/api/v1/devices", headers=viewer)).status_code == 200
    for who in (viewer, auditor):
        r = await c.post("/api/v1/people", json={"code": "E2", "name": "B"}, headers=who)
        assert r.status_code == 403 and "admin" in r.json()["detail"]
    assert (await c.get("/api/v1/assets")).status_code == 401
    assert (await c.get("/api/v1/assets", headers=device)).status_code == 401
    assert (await c.get("/api/v1/assets", headers=bearer("junk"))).status_code == 401


async def test_assets_session_cookie_auth_needs_csrf_for_writes(server):
    await _setup(server)
    from sqlmodel import Session, select

    from sync_server.models import User
    from sync_server.services import auth

    with Session(server.engine) as s:
        user = s.exec(select(User).where(User.name == "root")).one()
        cookie, csrf = auth.create_session(s, user)
        s.commit()
    server.client.cookies.set(auth.SESSION_COOKIE, cookie)
    assert (await server.client.get("/api/v1/assets")).status_code == 200
    body = {"code": "E3", "name": "C"}
    assert (await server.client.post("/api/v1/people", json=body)).status_code == 403
    r = await server.client.post("/api/v1/people", json=body, headers={"X-CSRF-Token": csrf})
    assert r.status_code == 201


async def test_assets_bad_bodies_are_4xx_not_5xx(server):
    admin = await _setup(server)
    c = server.client
    cases = [
        ("/api/v1/assets", b"{bad"),
        ("/api/v1/assets", b'{"asset_tag": 5, "name": []}'),
        ("/api/v1/assets", b'{"asset_tag": "A\\u0000", "name": "x"}'),
        ("/api/v1/assets", b'{"asset_tag": "T1", "name": "x", "epc": "ZZZZ", "bogus": 1}'),
        ("/api/v1/assets", b'{"asset_tag": "T1", "name": "x", "purchase_cost": 1e300}'),
        ("/api/v1/locations", b'{"code": "' + b"x" * 500 + b'", "name": "n"}'),
        ("/api/v1/people", b"[]"),
    ]
    for path, content in cases:
        r = await c.post(
            path, content=content, headers={**admin, "Content-Type": "application/json"}
        )
        assert 400 <= r.status_code < 500, (path, content[:40], r.status_code, r.text)
        assert "detail" in r.json()
    r = await c.post("/api/v1/people", content=b"x" * (17 * 1024 * 1024), headers=admin)
    assert r.status_code == 413
    assert (await c.get("/api/v1/assets/%00", headers=admin)).status_code in (404, 422)
    r = await c.get("/api/v1/lookup", params={"code": "]C1\x1d8004"}, headers=admin)
    assert r.status_code in (404, 422)


async def test_assets_ops_endpoints(server):
    assert (await server.client.get("/healthz")).json() == {"status": "ok"}
    assert "scanstation_ingest_batches_total" in (await server.client.get("/metrics")).text
    spec = (await server.client.get("/openapi.json")).json()
    assert "/api/v1/sync/batches" in spec["paths"] and "/api/v1/lookup" in spec["paths"]
    assert (await server.client.get("/docs")).status_code == 200


async def test_assets_tags_with_spaces_and_unicode_work_url_encoded(server):
    admin = await _setup(server)
    tag = "IT LAPTOP 7 ä#?"
    r = await server.client.post(
        "/api/v1/assets", json={"asset_tag": tag, "name": "x", "barcode": "SPACE-7"}, headers=admin
    )
    assert r.status_code == 201, r.text
    quoted = urllib.parse.quote(tag, safe="")
    assert (await server.client.get(f"/api/v1/assets/{quoted}", headers=admin)).json()[
        "asset_tag"
    ] == tag
    hist = await server.client.get(f"/api/v1/assets/{quoted}/history", headers=admin)
    assert hist.status_code == 200 and hist.json() == {"asset_tag": tag, "events": []}
    r = await server.client.patch(f"/api/v1/assets/{quoted}", json={"name": "y"}, headers=admin)
    assert r.json()["name"] == "y"


async def test_assets_tag_with_slash_or_reserved_suffix_is_422(server):
    """Contract 2.2: a tag has no "/" and never ends in /history or /identifiers."""
    admin = await _setup(server)
    for tag in ("IT/LAPTOP-7", "X/history", "X/identifiers", "/lead"):
        r = await server.client.post(
            "/api/v1/assets", json={"asset_tag": tag, "name": "x"}, headers=admin
        )
        assert r.status_code == 422, (tag, r.text)
        assert "/" in str(r.json()["detail"])
        r = await server.client.patch(
            "/api/v1/assets/AST-000123", json={"asset_tag": tag}, headers=admin
        )
        assert r.status_code == 422, (tag, r.text)
    assert (await server.client.get("/api/v1/assets/AST-000123", headers=admin)).status_code == 200


async def test_assets_one_giai_asset_through_label_datamatrix_link_and_tag(server):
    """Issue 3, acceptance 3 (server half): four carriers of one GIAI find one asset."""
    from shared.identifiers import encode_giai

    admin = await _setup(server)
    giai = "0614141" + "A17-0042"
    epc = encode_giai("0614141", "1700042")  # a numeric GIAI-96 for the RFID tag
    giai_tag = "0614141" + "1700042"
    r = await server.client.post(
        "/api/v1/assets",
        json={"asset_tag": "AST-GIAI", "name": "Forklift", "epc": epc, "barcode": "AST-GIAI"},
        headers=admin,
    )
    assert r.status_code == 201, r.text
    forms = (
        "]C18004" + giai_tag,  # GS1-128 label text with its AIM prefix
        "]d28004" + giai_tag + "\x1d" + "91LOT7",  # GS1 DataMatrix with a GS separator
        "https://id.example.org/8004/" + giai_tag,  # GS1 Digital Link, any host
        epc,  # the GIAI-96 tag
    )
    keys = set()
    for code in forms:
        r = await server.client.get("/api/v1/lookup", params={"code": code}, headers=admin)
        assert r.status_code == 200, (code, r.text)
        assert r.json()["asset_tag"] == "AST-GIAI"
        keys.add(r.json()["key"])
    assert keys == {"8004/" + giai_tag}
    # An alphanumeric GIAI nobody registered is an unknown code, not a match.
    r = await server.client.get("/api/v1/lookup", params={"code": "]C18004" + giai}, headers=admin)
    assert r.status_code == 404
