"""Resolutions change the register as stated, are logged with who/when/why, and undo until
the audit closes (single and bulk)."""

from __future__ import annotations

from typing import Any

from tests.sync_server.api import audit_world as world
from tests.sync_server.conftest import bearer


async def _walked(server: Any) -> tuple[dict[str, str], str]:
    admin = await world.build(server)
    r = await server.client.post("/api/v1/audits", json={"location": "WH1"}, headers=admin)
    audit_id: str = r.json()["id"]
    await world.sync(server, server.enroll("hh-1"), "hh-1", world.walk(audit_id))
    return admin, audit_id


async def _resolve(server: Any, admin: dict[str, str], audit_id: str, **body: Any) -> Any:
    return await server.client.post(
        f"/api/v1/audits/{audit_id}/resolutions", json=body, headers=admin
    )


async def _undo(server: Any, admin: dict[str, str], audit_id: str, rid: int) -> Any:
    return await server.client.post(
        f"/api/v1/audits/{audit_id}/resolutions/{rid}/undo", headers=admin
    )


async def _asset(server: Any, admin: dict[str, str], tag: str) -> Any:
    return (await server.client.get(f"/api/v1/assets/{tag}", headers=admin)).json()


async def _rec(server: Any, admin: dict[str, str], audit_id: str) -> Any:
    return (
        await server.client.get(f"/api/v1/audits/{audit_id}/reconciliation", headers=admin)
    ).json()


async def test_resolutions_accept_relocation_updates_home_and_undoes(server):
    admin, audit_id = await _walked(server)
    r = await _resolve(
        server,
        admin,
        audit_id,
        action="accept_relocation",
        asset_tag="A2",
        reason="moved for the new line",
    )
    assert r.status_code == 201, r.text
    res = r.json()
    assert (res["by"], res["reason"], res["undone_at"]) == ("root", "moved for the new line", None)
    assert (await _asset(server, admin, "A2"))["home_location"] == "WH1-B"
    assert [x["id"] for x in (await _rec(server, admin, audit_id))["resolutions"]] == [res["id"]]
    r = await _undo(server, admin, audit_id, res["id"])
    assert r.status_code == 200 and r.json()["undone_by"] == "root"
    assert (await _asset(server, admin, "A2"))["home_location"] == "WH1-A"
    assert (await _undo(server, admin, audit_id, res["id"])).status_code == 409
    r = await _resolve(server, admin, audit_id, action="accept_relocation", asset_tag="A1")
    assert r.status_code == 409  # A1 was found where expected


async def test_resolutions_mark_missing_and_dispose_set_status(server):
    admin, audit_id = await _walked(server)
    lost = (await _resolve(server, admin, audit_id, action="mark_missing", asset_tag="A5")).json()
    assert (await _asset(server, admin, "A5"))["status"] == "lost"
    gone = (await _resolve(server, admin, audit_id, action="dispose", asset_tag="A4")).json()
    assert (await _asset(server, admin, "A4"))["status"] == "disposed"
    await _undo(server, admin, audit_id, gone["id"])
    await _undo(server, admin, audit_id, lost["id"])
    assert (await _asset(server, admin, "A5"))["status"] == "active"
    assert (await _asset(server, admin, "A4"))["status"] == "active"


async def test_resolutions_found_elsewhere_records_a_manual_sighting(server):
    admin, audit_id = await _walked(server)
    r = await _resolve(server, admin, audit_id, action="found_elsewhere", asset_tag="A5")
    assert r.status_code == 422  # where?
    r = await _resolve(
        server, admin, audit_id, action="found_elsewhere", asset_tag="A5", location="OFFICE"
    )
    assert r.status_code == 201, r.text
    seen = (await _asset(server, admin, "A5"))["last_seen"]
    assert seen["location"] == "OFFICE" and seen["source"] == "manual"
    await _undo(server, admin, audit_id, r.json()["id"])
    assert (await _asset(server, admin, "A5"))["last_seen"] is None


async def test_resolutions_register_unknown_creates_the_asset_and_claims_its_reads(server):
    admin, audit_id = await _walked(server)
    r = await _resolve(
        server,
        admin,
        audit_id,
        action="register_unknown",
        code="MYSTERY-9",
        asset_tag="NEW-1",
        name="Found pallet jack",
    )
    assert r.status_code == 201, r.text
    asset = await _asset(server, admin, "NEW-1")
    assert asset["home_location"] == "WH1-B" and asset["last_seen"]["location"] == "WH1-B"
    rec = await _rec(server, admin, audit_id)
    assert rec["unknown_codes"] == [] and rec["unexpected"] == ["A4", "NEW-1"]
    await _undo(server, admin, audit_id, r.json()["id"])
    assert (await server.client.get("/api/v1/assets/NEW-1", headers=admin)).status_code == 404
    assert (await _rec(server, admin, audit_id))["unknown_codes"] == ["MYSTERY-9"]


async def test_resolutions_attach_unknown_to_an_existing_asset(server):
    admin, audit_id = await _walked(server)
    r = await _resolve(
        server,
        admin,
        audit_id,
        action="attach_unknown",
        code="MYSTERY-9",
        asset_tag="A5",
        reason="relabelled",
    )
    assert r.status_code == 201, r.text
    rec = await _rec(server, admin, audit_id)
    assert "A5" in rec["found"] and rec["unknown_codes"] == []
    assert [x["asset_tag"] for x in rec["relocated"]] == ["A2", "A5"]
    await _undo(server, admin, audit_id, r.json()["id"])
    rec = await _rec(server, admin, audit_id)
    assert "A5" in rec["missing"] and rec["unknown_codes"] == ["MYSTERY-9"]
    assert (await _asset(server, admin, "A5"))["last_seen"] is None


async def test_resolutions_bulk_is_all_or_nothing(server):
    admin, audit_id = await _walked(server)
    url = f"/api/v1/audits/{audit_id}/resolutions/bulk"
    bad = {
        "items": [
            {"action": "mark_missing", "asset_tag": "A5"},
            {"action": "mark_missing", "asset_tag": "A1"},
        ]
    }
    assert (await server.client.post(url, json=bad, headers=admin)).status_code == 409
    assert (await _asset(server, admin, "A5"))["status"] == "active"
    good = {
        "items": [
            {"action": "mark_missing", "asset_tag": t, "reason": "shelf empty"}
            for t in ("A3", "A5")
        ]
    }
    r = await server.client.post(url, json=good, headers=admin)
    assert r.status_code == 201 and len(r.json()) == 2
    assert (await _asset(server, admin, "A3"))["status"] == "lost"
    logged = (
        await server.client.get(f"/api/v1/audits/{audit_id}/resolutions", headers=admin)
    ).json()
    assert [(x["asset_tag"], x["reason"]) for x in logged] == [
        ("A3", "shelf empty"),
        ("A5", "shelf empty"),
    ]


async def test_resolutions_undo_order_and_closed_audits(server):
    admin, audit_id = await _walked(server)
    first = (await _resolve(server, admin, audit_id, action="mark_missing", asset_tag="A5")).json()
    await _resolve(server, admin, audit_id, action="dispose", asset_tag="A5")
    assert (await _undo(server, admin, audit_id, first["id"])).status_code == 409
    viewer = bearer(server.user_token("vera", "viewer"))
    r = await _resolve(server, viewer, audit_id, action="dispose", asset_tag="A4")
    assert r.status_code == 403
    await server.client.post(f"/api/v1/audits/{audit_id}/close", headers=admin)
    assert (await _undo(server, admin, audit_id, first["id"])).status_code == 409
    r = await _resolve(server, admin, audit_id, action="dispose", asset_tag="A4")
    assert r.status_code == 409
