"""EPCIS 2.0 export (contract 2.4): documents validate against the official JSON Schema with
format checking on (date-time, URIs), the validator rejects broken documents, and the CBV
mapping of docs/epcis.md holds."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft7Validator

from tests.sync_server.api import audit_world as world
from tests.sync_server.conftest import event

DATA = Path(__file__).parents[2] / "data" / "epcis"


@pytest.fixture(scope="module")
def validator() -> Draft7Validator:
    schema = json.loads((DATA / "EPCIS-JSON-Schema.json").read_text())
    Draft7Validator.check_schema(schema)
    return Draft7Validator(schema, format_checker=Draft7Validator.FORMAT_CHECKER)


def _errors(validator: Draft7Validator, doc: dict[str, Any]) -> list[str]:
    return [e.message for e in validator.iter_errors(doc)]


async def _history(server: Any) -> tuple[dict[str, str], str]:
    admin = await world.build(server)
    c = server.client
    for body in (
        {"code": "DOCK1", "location": "WH1", "inside": "WH1-B", "outside": "OFFICE"},
        {"code": "DOCK2", "location": "WH1", "inside": "WH1-A", "outside": "OFFICE"},
    ):
        assert (await c.post("/api/v1/read-points", json=body, headers=admin)).status_code == 201
    r = await c.put(
        "/api/v1/read-points/DOCK2/epcis-steps",
        json={"inbound": "receiving", "outbound": "shipping"},
        headers=admin,
    )
    assert r.status_code == 200 and r.json()["outbound"] == "shipping"
    await c.post("/api/v1/people", json={"code": "EMP-7", "name": "Ada"}, headers=admin)
    audit = (await c.post("/api/v1/audits", json={"location": "WH1"}, headers=admin)).json()
    token = server.enroll("hh-1")
    await world.sync(server, token, "hh-1", world.walk(audit["id"]))
    moves = [
        event(
            1,
            "A1",
            read_point="DOCK1",
            direction="out",
            source="rfid",
            observed_at="2026-03-02T08:00:00+00:00",
        ),
        event(2, "A1", read_point="DOCK2", direction="in", observed_at="2026-03-02T09:00:00Z"),
        event(3, "A1", type="checkout", custodian="EMP-7", observed_at="2026-03-02T10:00:00Z"),
        event(4, "A1", type="checkin", location="WH1-A", observed_at="2026-03-03T10:00:00Z"),
    ]
    await world.sync(server, server.enroll("portal"), "portal", moves)
    return admin, audit["id"]


async def test_epcis_export_validates_and_maps_cbv(server, validator):
    admin, _ = await _history(server)
    r = await server.client.get("/api/v1/epcis/events", headers=admin)
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/ld+json")
    doc = r.json()
    assert _errors(validator, doc) == []
    assert doc["type"] == "EPCISDocument" and doc["schemaVersion"] == "2.0"
    events = doc["epcisBody"]["eventList"]
    assert all(e["type"] == "ObjectEvent" and e["action"] == "OBSERVE" for e in events)
    assert len(events) == 8  # 4 strong audit reads of assets + 4 movements of A1
    steps = [(e["epcList"][0], e.get("bizStep")) for e in events]
    a1 = "urn:scanstation:asset:A1"
    assert (a1, "urn:scanstation:bizstep:inventorying") in steps
    mine = [s for epc, s in steps if epc == a1]
    assert mine == [
        "urn:scanstation:bizstep:inventorying",
        "departing",
        "receiving",
        "urn:scanstation:bizstep:checkout",
        "urn:scanstation:bizstep:checkin",
    ]
    assert "https://id.gs1.org/01/80614141123458/21/6789" in [epc for epc, _ in steps]
    a6 = next(e for e in events if "8061414" in e["epcList"][0])
    assert a6["bizLocation"]["id"] == "https://id.gs1.org/414/4012345000016"  # WH1-B's GLN
    out = next(e for e in events if e.get("bizStep") == "departing")
    assert out["bizLocation"]["id"] == "urn:scanstation:location:OFFICE"
    assert out["readPoint"]["id"] == "urn:scanstation:read-point:DOCK1"
    assert out["scanstation:device"] == "portal"
    assert len({e["eventID"] for e in events}) == len(events)


async def test_epcis_filters_by_asset_and_time(server, validator):
    admin, audit_id = await _history(server)
    c = server.client
    r = await c.get(
        "/api/v1/epcis/events",
        params={"asset": "A1", "since": "2026-03-02T00:00:00Z", "until": "2026-03-02T23:59:59Z"},
        headers=admin,
    )
    doc = r.json()
    assert _errors(validator, doc) == []
    assert [e.get("bizStep") for e in doc["epcisBody"]["eventList"]] == [
        "departing",
        "receiving",
        "urn:scanstation:bizstep:checkout",
    ]
    r = await c.get(f"/api/v1/audits/{audit_id}/epcis", headers=admin)
    assert _errors(validator, r.json()) == [] and len(r.json()["epcisBody"]["eventList"]) == 4
    assert (
        await c.get("/api/v1/epcis/events", params={"asset": "NOPE"}, headers=admin)
    ).status_code == 404
    r = await c.get(
        "/api/v1/epcis/events",
        params={"since": "2026-03-03T00:00:00Z", "until": "2026-03-01T00:00:00Z"},
        headers=admin,
    )
    assert r.status_code == 422
    r = await c.get("/api/v1/epcis/events", params={"since": "yesterday"}, headers=admin)
    assert r.status_code == 422


async def test_epcis_validator_rejects_broken_documents(server, validator):
    admin, _ = await _history(server)
    doc = (await server.client.get("/api/v1/epcis/events", headers=admin)).json()
    assert _errors(validator, doc) == []
    checker = validator.format_checker
    assert checker is not None and {"date-time", "uri"} <= set(checker.checkers)
    bad_time = copy.deepcopy(doc)
    bad_time["epcisBody"]["eventList"][0]["eventTime"] = "2026-03-01 12:00"
    bad_uri = copy.deepcopy(doc)
    bad_uri["epcisBody"]["eventList"][0]["readPoint"]["id"] = "not a uri"
    bad_step = copy.deepcopy(doc)
    bad_step["epcisBody"]["eventList"][0]["bizStep"] = "inventorying"  # not CBV, not a URI
    missing = copy.deepcopy(doc)
    del missing["epcisBody"]["eventList"][0]["eventTimeZoneOffset"]
    no_body = {k: v for k, v in doc.items() if k != "epcisBody"}
    for broken in (bad_time, bad_uri, bad_step, missing, no_body):
        assert _errors(validator, broken), broken
