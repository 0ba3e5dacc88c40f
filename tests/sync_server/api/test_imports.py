"""`POST /api/v1/imports/assets`: the asset import through a running server (admin only, all
or nothing, the same summary as the command)."""

from __future__ import annotations

from pathlib import Path

from tests.sync_server.conftest import bearer

FULL = Path(__file__).parents[1] / "services" / "importer_data" / "snipeit_full_export.csv"
PATH = "/api/v1/imports/assets"


async def test_imports_assets_endpoint_imports_and_summarises(server):
    admin = bearer(server.user_token("root", "admin"))
    r = await server.client.post(PATH, content=FULL.read_bytes(), headers=admin)
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["created"], body["updated"], body["checkouts"]) == (5, 0, 1)
    assert body["columns"]["Checked Out To"].startswith("custodian")
    laptop = (await server.client.get("/api/v1/assets/LT-0001", headers=admin)).json()
    assert laptop["custodian"] == "Ada Lovelace" and laptop["manufacturer"] == "Dell"
    assert laptop["custom_fields"]["MAC Address"] == "00:1B:44:11:3A:B7"
    hist = (await server.client.get("/api/v1/assets/LT-0001/history", headers=admin)).json()
    assert [e["type"] for e in hist["events"]] == ["checkout"]


async def test_imports_assets_endpoint_is_all_or_nothing_with_line_numbers(server):
    admin = bearer(server.user_token("root", "admin"))
    text = "Asset Tag,Item Name\nA-1,Chair\nA-2,Desk, oak\nA/3,Lamp\n"
    r = await server.client.post(PATH, content=text.encode(), headers=admin)
    assert r.status_code == 422
    lines = [(e["line"], e["error"][:12]) for e in r.json()["detail"]]
    assert lines == [(3, "3 fields but"), (4, "asset tag 'A")]
    page = (await server.client.get("/api/v1/assets", headers=admin)).json()
    assert page["total"] == 0


async def test_imports_assets_endpoint_admin_only_and_takes_more_than_a_sync_body(server):
    viewer = bearer(server.user_token("eve", "viewer"))
    r = await server.client.post(PATH, content=b"Asset Tag,Item Name\nA-1,x\n", headers=viewer)
    assert r.status_code == 403
    admin = bearer(server.user_token("root", "admin"))
    rows = "".join(f"BIG-{i:04d},Crate,{'x' * 2000}\n" for i in range(600))  # ~1.2 MB
    body = ("Asset Tag,Item Name,Inspection log\n" + rows).encode()
    assert len(body) > 1_048_576  # over the sync route's limit
    r = await server.client.post(PATH, content=body, headers=admin)
    assert r.status_code == 200, r.text[:500]
    assert r.json()["created"] == 600 and r.json()["custom_values"] == 600
