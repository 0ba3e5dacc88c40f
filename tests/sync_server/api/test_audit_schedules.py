"""Audit schedules: due and overdue lists, a location's last audit date and result."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from tests.sync_server.api import audit_world as world
from tests.sync_server.conftest import bearer


def _day(offset: int) -> str:
    return (datetime.now(UTC).date() + timedelta(days=offset)).isoformat()


async def test_schedules_due_overdue_and_last_result(server):
    admin = await world.build(server)
    c = server.client
    for code, start in (("WH1", _day(-3)), ("WH1-A", _day(3)), ("OFFICE", _day(40))):
        r = await c.put(
            f"/api/v1/locations/{code}/audit-schedule",
            json={"every_days": 30, "start": start},
            headers=admin,
        )
        assert r.status_code == 200, r.text
    due = (await c.get("/api/v1/audits-due", headers=admin)).json()
    assert [s["location"] for s in due["overdue"]] == ["WH1"]
    assert [s["location"] for s in due["due"]] == ["WH1-A"]
    assert due["open"] == []
    audit = (await c.post("/api/v1/audits", json={"location": "WH1"}, headers=admin)).json()
    await world.sync(server, server.enroll("hh-1"), "hh-1", world.walk(audit["id"]))
    assert [a["id"] for a in (await c.get("/api/v1/audits-due", headers=admin)).json()["open"]] == [
        audit["id"]
    ]
    await c.post(f"/api/v1/audits/{audit['id']}/close", headers=admin)
    s = (await c.get("/api/v1/locations/WH1/audit-schedule", headers=admin)).json()
    assert s["state"] == "ok" and s["last_audit_id"] == audit["id"]
    assert s["last_result"]["found"] == 3 and s["last_result"]["missing"] == 2
    assert date.fromisoformat(s["next_due"]) == datetime.now(UTC).date() + timedelta(days=30)
    states = {
        x["location"]: x["state"]
        for x in (await c.get("/api/v1/audit-schedules", headers=admin)).json()
    }
    assert states == {"OFFICE": "ok", "WH1": "ok", "WH1-A": "due"}
    r = await c.get("/api/v1/audit-schedules?state=due", headers=admin)
    assert [x["location"] for x in r.json()] == ["WH1-A"]


async def test_schedules_errors_and_roles(server):
    admin = await world.build(server)
    c = server.client
    viewer = bearer(server.user_token("vera", "viewer"))
    url = "/api/v1/locations/WH1/audit-schedule"
    assert (await c.put(url, json={"every_days": 7}, headers=viewer)).status_code == 403
    assert (await c.put(url, json={"every_days": 0}, headers=admin)).status_code == 422
    assert (await c.get(url, headers=admin)).status_code == 404
    r = await c.put("/api/v1/locations/NOPE/audit-schedule", json={"every_days": 7}, headers=admin)
    assert r.status_code == 404
    assert (await c.put(url, json={"every_days": 7}, headers=admin)).json()["state"] == "due"
    assert (await c.delete(url, headers=admin)).status_code == 204
    assert (await c.delete(url, headers=admin)).status_code == 404
