"""Contract 2.5 through the real app on SQLite and PostgreSQL: money fields set with POST and
PATCH, the depreciation schedule, usage records, and the register at a date (JSON, CSV, PDF)."""

from __future__ import annotations

import csv
import io
from typing import Any

from tests.sync_server.conftest import bearer

CLASSIC: dict[str, Any] = {
    "purchase_cost": "10000.00",
    "purchase_date": "2023-12-20",
    "in_service_date": "2024-01-01",
    "useful_life_months": 60,
    "salvage_value": "1000.00",
    "depreciation_method": "straight_line",
}


async def _admin(server) -> dict[str, str]:
    admin = bearer(server.user_token("root", "admin"))
    for body in ({"code": "HQ", "name": "HQ"}, {"code": "LAB", "name": "Lab"}):
        r = await server.client.post("/api/v1/locations", json=body, headers=admin)
        assert r.status_code == 201
    return admin


async def _asset(server, admin, tag: str, **fields):
    body = {"asset_tag": tag, "name": f"Asset {tag}", **fields}
    r = await server.client.post("/api/v1/assets", json=body, headers=admin)
    assert r.status_code == 201, r.text
    return r.json()


async def test_money_fields_are_set_with_post_and_patch_and_shown_as_decimal_strings(server):
    admin = await _admin(server)
    body = await _asset(server, admin, "M-1", **CLASSIC)
    assert body["purchase_cost"] == "10000.00" and body["salvage_value"] == "1000.00"
    assert body["in_service_date"] == "2024-01-01" and body["useful_life_months"] == 60
    assert body["depreciation_method"] == "straight_line"
    plain = await _asset(server, admin, "M-2", purchase_cost=1234.5)
    assert plain["purchase_cost"] == "1234.50" and plain["salvage_value"] == "0.00"
    r = await server.client.patch(
        "/api/v1/assets/M-1",
        json={"depreciation_method": "sum_of_years_digits", "salvage_value": "500"},
        headers=admin,
    )
    assert r.status_code == 200, r.text
    assert r.json()["depreciation_method"] == "sum_of_years_digits"
    got = (await server.client.get("/api/v1/assets/M-1", headers=admin)).json()
    assert got["salvage_value"] == "500.00" and got["purchase_cost"] == "10000.00"


async def test_money_bad_values_are_422_never_5xx(server):
    admin = await _admin(server)
    await _asset(server, admin, "M-1", **CLASSIC)
    bad: list[dict[str, Any]] = [
        {"purchase_cost": "ten"},
        {"purchase_cost": "NaN"},
        {"purchase_cost": "-1"},
        {"salvage_value": "1.001"},
        {"salvage_value": "20000"},  # above the cost
        {"depreciation_method": "double_whammy"},
        {"depreciation_convention": "whenever"},
        {"useful_life_months": 0},
        {"useful_life_months": "sixty"},
        {"expected_units": "0"},
        {"in_service_date": "2024-13-01"},
        {"disposal_proceeds": "5"},  # without a disposal date
        {"usage": [{"date": "2024-01-01"}]},
        {"usage": [{"date": "2024-01-01", "units": "1", "reading": "2"}]},
        {"usage": [{"date": "2024-02-01", "reading": "9"}, {"date": "2024-03-01", "reading": "8"}]},
        {"usage": [{"date": "9999-12-31", "units": "1"}]},
    ]
    for fields in bad:
        r = await server.client.patch("/api/v1/assets/M-1", json=fields, headers=admin)
        assert r.status_code == 422, (fields, r.status_code, r.text)
        assert "detail" in r.json()
        r = await server.client.post(
            "/api/v1/assets", json={"asset_tag": "M-9", "name": "x", **CLASSIC, **fields},
            headers=admin,
        )  # fmt: skip
        assert r.status_code == 422, (fields, r.status_code, r.text)
    got = (await server.client.get("/api/v1/assets/M-1", headers=admin)).json()
    assert got["salvage_value"] == "1000.00"  # nothing of a refused change was kept
    assert (await server.client.get("/api/v1/assets/M-9", headers=admin)).status_code == 404


async def test_depreciation_answers_the_contract_example(server):
    admin = await _admin(server)
    await _asset(server, admin, "AST-1", **CLASSIC)
    r = await server.client.get("/api/v1/assets/AST-1/depreciation?period=year", headers=admin)
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["asset_tag"], body["method"]) == ("AST-1", "straight_line")
    assert (body["cost"], body["salvage_value"]) == ("10000.00", "1000.00")
    assert body["periods"][0] == {
        "start": "2024-01-01",
        "end": "2024-12-31",
        "depreciation": "1800.00",
        "accumulated": "1800.00",
        "book_value": "8200.00",
    }
    assert len(body["periods"]) == 5 and body["periods"][-1]["book_value"] == "1000.00"
    r = await server.client.get("/api/v1/assets/AST-1/depreciation?period=month", headers=admin)
    months = r.json()["periods"]
    assert len(months) == 60 and months[0]["end"] == "2024-01-31"
    assert {m["depreciation"] for m in months} == {"150.00"}
    r = await server.client.get("/api/v1/assets/AST-1/depreciation", headers=admin)
    assert r.json()["periods"] == body["periods"]  # yearly by default


async def test_depreciation_of_each_method_through_the_api(server):
    admin = await _admin(server)
    expected = {
        "declining_balance_200": ["4000.00", "2400.00", "1440.00", "864.00", "296.00"],
        "declining_balance_150": ["3000.00", "2100.00", "1470.00", "1215.00", "1215.00"],
        "sum_of_years_digits": ["3000.00", "2400.00", "1800.00", "1200.00", "600.00"],
    }
    for i, (method, amounts) in enumerate(expected.items()):
        await _asset(server, admin, f"D-{i}", **{**CLASSIC, "depreciation_method": method})
        r = await server.client.get(f"/api/v1/assets/D-{i}/depreciation", headers=admin)
        assert [p["depreciation"] for p in r.json()["periods"]] == amounts


async def test_depreciation_errors_name_what_is_missing(server):
    admin = await _admin(server)
    await _asset(server, admin, "E-1", purchase_cost="100")
    r = await server.client.get("/api/v1/assets/E-1/depreciation", headers=admin)
    assert r.status_code == 422
    assert "useful_life_months" in r.json()["detail"] and "purchase_date" in r.json()["detail"]
    r = await server.client.get("/api/v1/assets/NOPE/depreciation", headers=admin)
    assert r.status_code == 404
    r = await server.client.get("/api/v1/assets/E-1/depreciation?period=week", headers=admin)
    assert r.status_code == 422
    await _asset(server, admin, "E-2", **{**CLASSIC, "in_service_date": "9998-01-01"})
    r = await server.client.get("/api/v1/assets/E-2/depreciation?period=month", headers=admin)
    assert r.status_code == 422 and "9999" in r.json()["detail"]
    r = await server.client.get("/api/v1/reports/register?as_of=9999-12-31", headers=admin)
    assert r.status_code == 200


async def test_units_of_production_from_recorded_usage(server):
    # Weygandt, Kimmel & Kieso, Accounting Principles, ch. 10: 0.12 a mile.
    admin = await _admin(server)
    await _asset(
        server, admin, "TRUCK", purchase_cost="13000", salvage_value="1000",
        in_service_date="2024-01-01", depreciation_method="units_of_production",
        expected_units="100000", usage=[{"date": "2024-01-01", "reading": "0"}],
    )  # fmt: skip
    for day, reading in (("2024-12-31", "15000"), ("2025-12-31", "45000")):
        r = await server.client.post(
            "/api/v1/assets/TRUCK/usage", json={"date": day, "reading": reading}, headers=admin
        )
        assert r.status_code == 201, r.text
    r = await server.client.post(
        "/api/v1/assets/TRUCK/usage", json={"date": "2026-01-05", "reading": "100"}, headers=admin
    )
    assert r.status_code == 422 and "below an earlier" in r.json()["detail"]
    usage = (await server.client.get("/api/v1/assets/TRUCK/usage", headers=admin)).json()
    assert [u["reading"] for u in usage] == ["0.00", "15000.00", "45000.00"]
    r = await server.client.get("/api/v1/assets/TRUCK/depreciation", headers=admin)
    assert [p["depreciation"] for p in r.json()["periods"]] == ["1800.00", "3600.00"]


async def test_disposal_with_proceeds_gives_gain_or_loss_and_leaves_the_register(server):
    admin = await _admin(server)
    await _asset(server, admin, "D-1", home_location="HQ", **CLASSIC)
    r = await server.client.patch(
        "/api/v1/assets/D-1",
        json={"disposal_date": "2026-06-15", "disposal_proceeds": "5000", "status": "disposed"},
        headers=admin,
    )
    assert r.status_code == 200, r.text
    body = (await server.client.get("/api/v1/assets/D-1/depreciation", headers=admin)).json()
    assert body["disposal"] == {
        "date": "2026-06-15",
        "proceeds": "5000.00",
        "accumulated": "4350.00",
        "book_value": "5650.00",
        "gain_loss": "-650.00",
    }
    assert body["periods"][-1]["end"] == "2026-06-15"
    reg = await server.client.get("/api/v1/reports/register?as_of=2026-06-14", headers=admin)
    assert [a["asset_tag"] for a in reg.json()["assets"]] == ["D-1"]
    reg = await server.client.get("/api/v1/reports/register?as_of=2026-06-15", headers=admin)
    assert reg.json()["assets"] == []


async def test_register_at_a_date_with_totals_per_category_and_location(server):
    admin = await _admin(server)
    await _asset(server, admin, "R-1", home_location="HQ", category="IT", **CLASSIC)
    await _asset(
        server, admin, "R-2", home_location="LAB", category="IT",
        **{**CLASSIC, "depreciation_method": "declining_balance_200", "salvage_value": "0"},
    )  # fmt: skip
    await _asset(server, admin, "R-3", home_location="LAB", category="Land", purchase_cost="500")
    await _asset(server, admin, "R-6", status="disposed", **CLASSIC)  # no date: gone at any date
    await _asset(server, admin, "R-4", **{**CLASSIC, "purchase_date": "2027-01-01",
                                         "in_service_date": "2027-01-01"})  # fmt: skip
    r = await server.client.get("/api/v1/reports/register?as_of=2025-12-31", headers=admin)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["as_of"] == "2025-12-31"
    rows = {a["asset_tag"]: a for a in body["assets"]}
    assert list(rows) == ["R-1", "R-2", "R-3"]  # R-4 was bought later
    assert (rows["R-1"]["accumulated_depreciation"], rows["R-1"]["book_value"]) == (
        "3600.00", "6400.00",
    )  # fmt: skip
    # Double declining on 10,000 over 5 years, monthly: 333.33 x 12 + 200 x 12 = 6,399.96.
    assert rows["R-2"]["accumulated_depreciation"] == "6399.96"
    assert (rows["R-3"]["cost"], rows["R-3"]["book_value"]) == ("500.00", "500.00")
    assert body["totals"] == {
        "group": None,
        "assets": 3,
        "cost": "20500.00",
        "accumulated_depreciation": "9999.96",
        "accumulated": "9999.96",
        "book_value": "10500.04",
    }
    by_category = {t["group"]: t["book_value"] for t in body["by_category"]}
    assert by_category == {"IT": "10000.04", "Land": "500.00"}
    by_location = {t["group"]: t["assets"] for t in body["by_location"]}
    assert by_location == {"HQ": 1, "LAB": 2}
    r = await server.client.get(
        "/api/v1/reports/register?as_of=2025-12-31&format=csv", headers=admin
    )
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    lines = list(csv.reader(io.StringIO(r.text)))
    assert lines[0][-3:] == ["cost", "accumulated_depreciation", "book_value"]
    assert lines[1][0] == "R-1" and lines[1][-2:] == ["3600.00", "6400.00"]
    assert lines[-1][0] == "TOTAL" and lines[-1][-3:] == ["20500.00", "9999.96", "10500.04"]
    r = await server.client.get(
        "/api/v1/reports/register?as_of=2025-12-31&format=pdf", headers=admin
    )
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    assert r.content.startswith(b"%PDF-") and r.content.rstrip().endswith(b"%%EOF")
    r = await server.client.get(
        "/api/v1/reports/register?as_of=2025-12-31", headers={**admin, "Accept": "text/csv"}
    )
    assert r.headers["content-type"].startswith("text/csv")
    for edge in ("0001-01-01", "9999-12-31"):
        r = await server.client.get(f"/api/v1/reports/register?as_of={edge}", headers=admin)
        assert r.status_code == 200, (edge, r.text)
    for bad in ("as_of=yesterday", "as_of=2025-02-30", "", "as_of=2025-12-31&format=xls"):
        r = await server.client.get(f"/api/v1/reports/register?{bad}", headers=admin)
        assert r.status_code == 422, bad
