"""Maintenance through the API on SQLite and PostgreSQL: plans by time, by recorded use and
by sightings, work orders with parts, cost, downtime and who did them, and the due lists."""

from __future__ import annotations

from tests.sync_server.conftest import batch, bearer, event


async def _setup(server) -> dict[str, str]:
    admin = bearer(server.user_token("root", "admin"))
    for tag in ("PUMP-1", "PUMP-2", "OLD-1"):
        body = {"asset_tag": tag, "name": tag, "barcode": tag}
        assert (
            await server.client.post("/api/v1/assets", json=body, headers=admin)
        ).status_code == 201
    return admin


async def _state(server, admin, tag: str, today: str):
    r = await server.client.get(f"/api/v1/assets/{tag}/maintenance?today={today}", headers=admin)
    assert r.status_code == 200, r.text
    return r.json()


async def test_time_plan_goes_due_soon_due_overdue_and_a_work_order_restarts_it(server):
    admin = await _setup(server)
    c = server.client
    r = await c.post(
        "/api/v1/assets/PUMP-1/maintenance-plans",
        json={"name": "Service", "every_days": 30, "start_date": "2025-01-01"},
        headers=admin,
    )
    assert r.status_code == 201, r.text
    plan = r.json()
    assert (plan["kind"], plan["every"], plan["due_on"]) == ("time", "30", "2025-01-31")
    states = [
        (await _state(server, admin, "PUMP-1", day))["plans"][0]["status"]
        for day in ("2025-01-10", "2025-01-20", "2025-01-31", "2025-02-05")
    ]
    assert states == ["ok", "due_soon", "due", "overdue"]
    r = await c.post(
        "/api/v1/assets/PUMP-1/work-orders",
        json={
            "title": "30-day service", "plan_id": plan["id"], "opened_on": "2025-02-04",
            "completed_on": "2025-02-05", "performed_by": "EMP-7", "labour_cost": "40",
            "downtime_hours": "1.5",
            "parts": [{"name": "filter", "quantity": "2", "unit_cost": "12.50"}],
        },
        headers=admin,
    )  # fmt: skip
    assert r.status_code == 201, r.text
    wo = r.json()
    assert (wo["status"], wo["parts_cost"], wo["labour_cost"], wo["total_cost"]) == (
        "done", "25.00", "40.00", "65.00",
    )  # fmt: skip
    assert wo["parts"] == [
        {"name": "filter", "quantity": "2.00", "unit_cost": "12.50", "cost": "25.00"}
    ]
    assert (wo["performed_by"], wo["downtime_hours"]) == ("EMP-7", "1.50")
    after = (await _state(server, admin, "PUMP-1", "2025-02-06"))["plans"][0]
    assert (after["since"], after["due_on"], after["status"]) == ("2025-02-05", "2025-03-07", "ok")


async def test_use_and_sightings_plans_count_since_the_last_service(server):
    admin = await _setup(server)
    c = server.client
    for body in (
        {"name": "Oil", "every_units": "500", "start_date": "2025-01-01"},
        {"name": "Inspect", "every_sightings": 2, "start_date": "2025-01-01"},
    ):
        r = await c.post("/api/v1/assets/PUMP-2/maintenance-plans", json=body, headers=admin)
        assert r.status_code == 201, r.text
    usage = [{"date": "2025-01-01", "reading": "1000"}, {"date": "2025-02-01", "reading": "1460"}]
    r = await c.patch("/api/v1/assets/PUMP-2", json={"usage": usage}, headers=admin)
    assert r.status_code == 200, r.text
    oil, inspect = (await _state(server, admin, "PUMP-2", "2026-02-01"))["plans"]
    assert (oil["kind"], oil["remaining"], oil["status"]) == ("usage", "40", "due_soon")
    assert (inspect["remaining"], inspect["status"]) == ("2", "ok")
    token = server.enroll("wand-1")
    events = [event(i, "PUMP-2", observed_at=f"2026-01-0{i}T10:00:00+00:00") for i in (1, 2)]
    r = await c.post("/api/v1/sync/batches", json=batch("wand-1", events), headers=bearer(token))
    assert r.status_code == 200 and r.json()["inserted"] == 2
    r = await c.post(
        "/api/v1/assets/PUMP-2/usage", json={"date": "2025-03-01", "reading": "1600"}, headers=admin
    )
    assert r.status_code == 201
    oil, inspect = (await _state(server, admin, "PUMP-2", "2026-02-01"))["plans"]
    assert (oil["remaining"], oil["status"]) == ("-100", "overdue")
    assert (inspect["remaining"], inspect["status"]) == ("0", "due")


async def test_due_list_and_refusals(server):
    admin = await _setup(server)
    c = server.client
    for tag, days in (("PUMP-1", 10), ("PUMP-2", 40), ("OLD-1", 5)):
        body = {"name": "Check", "every_days": days, "start_date": "2025-01-01"}
        r = await c.post(f"/api/v1/assets/{tag}/maintenance-plans", json=body, headers=admin)
        assert r.status_code == 201
    r = await c.patch("/api/v1/assets/OLD-1", json={"status": "retired"}, headers=admin)
    assert r.status_code == 200
    r = await c.get("/api/v1/maintenance/due?today=2025-01-30&within_days=14", headers=admin)
    assert r.status_code == 200, r.text
    body = r.json()
    assert [p["asset_tag"] for p in body["overdue"]] == ["PUMP-1"]
    assert [p["asset_tag"] for p in body["due_soon"]] == ["PUMP-2"] and body["due"] == []
    plan_id = body["overdue"][0]["id"]
    refused = [
        ("/api/v1/assets/PUMP-1/maintenance-plans",
         {"name": "x", "every_days": 1, "every_units": "5"}, 422),
        ("/api/v1/assets/PUMP-1/maintenance-plans", {"name": "x"}, 422),
        ("/api/v1/assets/NOPE/maintenance-plans", {"name": "x", "every_days": 1}, 404),
        ("/api/v1/assets/PUMP-2/work-orders", {"title": "x", "plan_id": plan_id}, 422),
        ("/api/v1/assets/PUMP-1/work-orders", {"title": "x", "status": "done"}, 422),
        ("/api/v1/assets/PUMP-1/work-orders",
         {"title": "x", "opened_on": "2025-02-01", "completed_on": "2025-01-01"}, 422),
        ("/api/v1/assets/PUMP-1/work-orders",
         {"title": "x", "parts": [{"name": "p", "quantity": "0", "unit_cost": "1"}]}, 422),
    ]  # fmt: skip
    for path, payload, status in refused:
        r = await c.post(path, json=payload, headers=admin)
        assert r.status_code == status, (path, payload, r.text)
        assert "detail" in r.json()
    r = await c.post("/api/v1/assets/PUMP-1/work-orders", json={"title": "Leak"}, headers=admin)
    assert r.status_code == 201 and r.json()["status"] == "open"
    wo = r.json()["id"]
    r = await c.patch(
        f"/api/v1/work-orders/{wo}",
        json={"completed_on": r.json()["opened_on"], "labour_cost": "10"},
        headers=admin,
    )
    assert r.status_code == 200 and r.json()["status"] == "done", r.text
    assert (await c.patch("/api/v1/work-orders/999999", json={}, headers=admin)).status_code == 404
    assert (await c.patch("/api/v1/work-orders/x", json={}, headers=admin)).status_code == 422
    viewer = bearer(server.user_token("val", "viewer"))
    r = await c.post("/api/v1/assets/PUMP-1/work-orders", json={"title": "x"}, headers=viewer)
    assert r.status_code == 403
