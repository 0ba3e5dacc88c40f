"""Contract 2.3 through the real app: open, expected, reconciliation, close, roles, and the
offline audit opened and closed by a station's events."""

from __future__ import annotations

from typing import Any

from tests.sync_server.api import audit_world as world
from tests.sync_server.api.audit_world import TRUTH
from tests.sync_server.conftest import T0, batch, bearer, event


async def _open(server: Any, admin: dict[str, str], **body: Any) -> dict[str, Any]:
    body.setdefault("location", "WH1")
    r = await server.client.post("/api/v1/audits", json=body, headers=admin)
    assert r.status_code == 201, r.text
    out: dict[str, Any] = r.json()
    return out


def _contract(rec: dict[str, Any]) -> dict[str, Any]:
    return {k: rec[k] for k in TRUTH}


async def test_audits_open_answers_201_with_the_contract_fields(server):
    admin = await world.build(server)
    audit = await _open(server, admin)
    assert audit["location"] == "WH1" and audit["status"] == "open"
    assert audit["id"] and audit["opened_at"]
    r = await server.client.post("/api/v1/audits", json={"location": "NOPE"}, headers=admin)
    assert r.status_code == 404 and "NOPE" in r.json()["detail"]
    r = await server.client.post("/api/v1/audits", json={"location": 5}, headers=admin)
    assert r.status_code == 422


async def test_audits_expected_is_frozen_at_open_and_lists_every_key(server):
    admin = await world.build(server)
    audit = await _open(server, admin)
    r = await server.client.get(f"/api/v1/audits/{audit['id']}/expected", headers=admin)
    assert r.status_code == 200, r.text
    body = r.json()
    assert [a["asset_tag"] for a in body["assets"]] == ["A1", "A2", "A3", "A5", "A6"]
    a6 = next(a for a in body["assets"] if a["asset_tag"] == "A6")
    assert a6["location"] == "WH1-B"
    assert "tag/A6" in a6["keys"] and "01/80614141123458/21/6789" in a6["keys"]
    assert set(body["scope"]) == {"WH1", "WH1-A", "WH1-B"}
    r = await server.client.post(
        "/api/v1/assets",
        json={"asset_tag": "A7", "name": "Late", "home_location": "WH1-A"},
        headers=admin,
    )
    assert r.status_code == 201
    r = await server.client.get(f"/api/v1/audits/{audit['id']}/expected", headers=admin)
    assert "A7" not in [a["asset_tag"] for a in r.json()["assets"]]


async def test_audits_reconciliation_of_a_walk_with_evidence(server):
    admin = await world.build(server)
    audit = await _open(server, admin)
    token = server.enroll("hh-1")
    await world.sync(server, token, "hh-1", world.walk(audit["id"]))
    r = await server.client.get(f"/api/v1/audits/{audit['id']}/reconciliation", headers=admin)
    assert r.status_code == 200, r.text
    rec = r.json()
    assert _contract(rec) == TRUTH
    assert [
        (x["asset_tag"], x["expected_location"], x["seen_location"]) for x in rec["relocated"]
    ] == [("A2", "WH1-A", "WH1-B")]
    assert [x["asset_tag"] for x in rec["weak"]] == ["A3"]
    unexpected = rec["details"]["unexpected"][0]
    assert unexpected["expected_location"] == "OFFICE" and unexpected["seen_location"] == "WH1-A"
    found = {x["asset_tag"]: x for x in rec["details"]["found"]}
    assert found["A1"]["evidence"]["device_id"] == "hh-1"
    assert found["A1"]["evidence"]["operator"] == "EMP-7"
    assert rec["counts"]["expected"] == 5


async def test_audits_weak_read_does_not_move_the_asset(server):
    admin = await world.build(server)
    audit = await _open(server, admin)
    await world.sync(server, server.enroll("hh-1"), "hh-1", world.walk(audit["id"]))
    r = await server.client.get("/api/v1/assets/A3", headers=admin)
    assert r.json()["last_seen"] is None
    r = await server.client.get("/api/v1/assets/A2", headers=admin)
    assert r.json()["last_seen"]["location"] == "WH1-B"


async def test_audits_close_freezes_the_result(server):
    admin = await world.build(server)
    audit = await _open(server, admin)
    token = server.enroll("hh-1")
    await world.sync(server, token, "hh-1", world.walk(audit["id"]))
    r = await server.client.post(f"/api/v1/audits/{audit['id']}/close", headers=admin)
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "closed" and r.json()["counts"]["found"] == 3
    late = world.walk(audit["id"], start_seq=1)
    late = [dict(ev, code="A5", location="WH1-A") for ev in late[:1]]
    await world.sync(server, token, "hh-1", late)
    r = await server.client.get(f"/api/v1/audits/{audit['id']}/reconciliation", headers=admin)
    assert _contract(r.json()) == TRUTH
    assert r.json()["relocated"][0]["evidence"]["device_id"] == "hh-1"
    r = await server.client.post(f"/api/v1/audits/{audit['id']}/close", headers=admin)
    assert r.status_code == 409


async def test_audits_several_devices_contribute_with_attribution(server):
    admin = await world.build(server)
    audit = await _open(server, admin)
    reads = world.walk(audit["id"])
    await world.sync(server, server.enroll("hh-1"), "hh-1", reads[:3])
    second = [dict(ev, seq=i + 1, operator="EMP-8") for i, ev in enumerate(reads[3:])]
    await world.sync(server, server.enroll("hh-2"), "hh-2", second)
    rec = (
        await server.client.get(f"/api/v1/audits/{audit['id']}/reconciliation", headers=admin)
    ).json()
    assert _contract(rec) == TRUTH
    found = {x["asset_tag"]: x["evidence"] for x in rec["details"]["found"]}
    assert (found["A1"]["device_id"], found["A6"]["device_id"]) == ("hh-1", "hh-2")
    assert found["A6"]["operator"] == "EMP-8"


async def test_audits_offline_open_and_close_by_events(server):
    admin = await world.build(server)
    audit_id, events = world.offline_audit()
    await world.sync(server, server.enroll("hh-9"), "hh-9", events)
    r = await server.client.get(f"/api/v1/audits/{audit_id}", headers=admin)
    assert r.status_code == 200, r.text
    audit = r.json()
    assert audit["status"] == "closed" and audit["origin"] == "device"
    assert audit["opened_device"] == "hh-9" and audit["opened_operator"] == "EMP-7"
    rec = (
        await server.client.get(f"/api/v1/audits/{audit_id}/reconciliation", headers=admin)
    ).json()
    assert _contract(rec) == TRUTH
    r = await server.client.get("/api/v1/unknown-codes", headers=admin)
    if r.status_code == 200:  # the control events are not unknown codes
        assert all(not i["key"].startswith("audit/") for i in r.json()["items"])


async def test_audits_audit_open_without_audit_id_is_rejected_not_refused(server):
    await world.build(server)
    _, events = world.offline_audit()
    events[0].pop("audit_id")
    r = await server.client.post(
        "/api/v1/sync/batches",
        json=batch("hh-9", events[:1]),
        headers=bearer(server.enroll("hh-9")),
    )
    assert r.status_code == 200
    assert "audit_id" in r.json()["rejected"][0]["reason"]


async def test_audits_roles_and_device_reads(server):
    admin = await world.build(server)
    viewer = bearer(server.user_token("vera", "viewer"))
    auditor = bearer(server.user_token("audrey", "auditor"))
    device = bearer(server.enroll("hh-1"))
    r = await server.client.post("/api/v1/audits", json={"location": "WH1"}, headers=viewer)
    assert r.status_code == 403
    audit = await _open(server, auditor)
    r = await server.client.post(f"/api/v1/audits/{audit['id']}/close", headers=viewer)
    assert r.status_code == 403
    for path in (
        f"/api/v1/audits/{audit['id']}/expected",
        "/api/v1/locations/WH1/expected?include_sublocations=true",
        "/api/v1/identities",
    ):
        for headers in (device, viewer):
            assert (await server.client.get(path, headers=headers)).status_code == 200, path
        assert (await server.client.get(path)).status_code == 401
    r = await server.client.get(f"/api/v1/audits/{audit['id']}/reconciliation", headers=device)
    assert r.status_code == 401
    r = await server.client.get(f"/api/v1/audits/{audit['id']}/reconciliation", headers=viewer)
    assert r.status_code == 200
    assert (
        await server.client.get("/api/v1/audits/nope/reconciliation", headers=admin)
    ).status_code == 404


async def test_audits_location_expected_and_identities(server):
    admin = await world.build(server)
    r = await server.client.get("/api/v1/locations/WH1/expected", headers=admin)
    body = r.json()
    assert [a["asset_tag"] for a in body["assets"]] == ["A1", "A2", "A3", "A5", "A6"]
    r = await server.client.get(
        "/api/v1/locations/WH1/expected?include_sublocations=false", headers=admin
    )
    assert r.json()["assets"] == []
    r = await server.client.get("/api/v1/locations/NOPE/expected", headers=admin)
    assert r.status_code == 404
    r = await server.client.get("/api/v1/locations/WH1", headers=admin)
    assert r.status_code == 200 and r.json()["code"] == "WH1"
    ids = {
        i["key"]: i
        for i in (await server.client.get("/api/v1/identities", headers=admin)).json()["identities"]
    }
    assert ids["tag/A4"]["asset_tag"] == "A4" and ids["tag/A4"]["location"] == "OFFICE"
    assert ids["01/80614141123458/21/6789"]["asset_tag"] == "A6"


async def test_audits_fixed_readers_in_scope_count_when_asked(server):
    from datetime import UTC, datetime, timedelta

    admin = await world.build(server)
    r = await server.client.post(
        "/api/v1/read-points", json={"code": "CEIL-A", "location": "WH1-A"}, headers=admin
    )
    assert r.status_code == 201
    with_fixed = await _open(server, admin, include_fixed_readers=True)
    without = await _open(server, admin)
    assert with_fixed["include_fixed_readers"] is True
    seen = datetime.now(UTC) + timedelta(seconds=1)
    reads = [
        event(1, "A1", read_point="CEIL-A", observed_at=seen.isoformat()),
        event(2, "A4", read_point="CEIL-A", observed_at=seen.isoformat()),
        event(3, "A5", read_point="CEIL-A", observed_at="2020-01-01T00:00:00Z"),  # before it
    ]
    await world.sync(server, server.enroll("ceiling"), "ceiling", reads)
    rec = (
        await server.client.get(f"/api/v1/audits/{with_fixed['id']}/reconciliation", headers=admin)
    ).json()
    assert rec["found"] == ["A1"] and rec["unexpected"] == ["A4"]
    assert rec["details"]["found"][0]["evidence"]["device_id"] == "ceiling"
    rec = (
        await server.client.get(f"/api/v1/audits/{without['id']}/reconciliation", headers=admin)
    ).json()
    assert rec["found"] == [] and rec["unexpected"] == []


async def test_audits_offline_expected_is_as_of_the_open_time(server):
    from datetime import timedelta

    admin = await world.build(server)
    token = server.enroll("other")
    # Before the audit opened (T0+5 s), A4 came into WH1-A and A1 left for the office;
    # afterwards A5 left too: the audit still expects A5, not A1, and A4 as expected.
    moves = [
        event(1, "A4", location="WH1-A", observed_at=(T0 - timedelta(hours=1)).isoformat()),
        event(2, "A1", location="OFFICE", observed_at=(T0 - timedelta(hours=1)).isoformat()),
        event(3, "A5", location="OFFICE", observed_at=(T0 + timedelta(hours=1)).isoformat()),
    ]
    await world.sync(server, token, "other", moves)
    audit_id, events = world.offline_audit()
    await world.sync(server, server.enroll("hh-9"), "hh-9", events)
    r = await server.client.get(f"/api/v1/audits/{audit_id}/expected", headers=admin)
    assert [a["asset_tag"] for a in r.json()["assets"]] == ["A2", "A3", "A4", "A5", "A6"]
    rec = (
        await server.client.get(f"/api/v1/audits/{audit_id}/reconciliation", headers=admin)
    ).json()
    assert rec["found"] == ["A2", "A4", "A6"] and rec["unexpected"] == ["A1"]
    assert rec["missing"] == ["A3", "A5"]
    unexpected = rec["details"]["unexpected"][0]
    assert unexpected["expected_location"] == "OFFICE"  # as of the open, not its own reads


async def test_audits_list_filters_by_status_location_and_asset(server):
    admin = await world.build(server)
    first = await _open(server, admin)
    second = await _open(server, admin, location="OFFICE")
    await world.sync(server, server.enroll("hh-1"), "hh-1", world.walk(first["id"]))
    await server.client.post(f"/api/v1/audits/{first['id']}/close", headers=admin)

    async def ids(**params: str) -> list[str]:
        r = await server.client.get("/api/v1/audits", params=params, headers=admin)
        assert r.status_code == 200, r.text
        return [a["id"] for a in r.json()]

    assert set(await ids()) == {first["id"], second["id"]}
    assert await ids(status="open") == [second["id"]]
    assert await ids(location="WH1") == [first["id"]]
    assert set(await ids(asset="A4")) == {first["id"], second["id"]}  # read in one, expected
    assert await ids(asset="A1") == [first["id"]]
    closed = (await server.client.get("/api/v1/audits?status=closed", headers=admin)).json()
    assert closed[0]["counts"]["found"] == 3
    r = await server.client.get("/api/v1/audits", params={"asset": "NOPE"}, headers=admin)
    assert r.status_code == 404
