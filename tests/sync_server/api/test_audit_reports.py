"""An audit's CSV and PDF reports: summary counts and every category with its evidence."""

from __future__ import annotations

import csv
import io
from typing import Any

from pypdf import PdfReader

from tests.sync_server.api import audit_world as world


async def _closed_audit(server: Any) -> tuple[dict[str, str], str]:
    admin = await world.build(server)
    audit = (
        await server.client.post("/api/v1/audits", json={"location": "WH1"}, headers=admin)
    ).json()
    await world.sync(server, server.enroll("hh-1"), "hh-1", world.walk(audit["id"]))
    r = await server.client.post(
        f"/api/v1/audits/{audit['id']}/resolutions",
        json={"action": "mark_missing", "asset_tag": "A5"},
        headers=admin,
    )
    assert r.status_code == 201
    await server.client.post(f"/api/v1/audits/{audit['id']}/close", headers=admin)
    audit_id: str = audit["id"]
    return admin, audit_id


async def test_reports_csv_has_counts_and_evidence(server):
    admin, audit_id = await _closed_audit(server)
    r = await server.client.get(f"/api/v1/audits/{audit_id}/report.csv", headers=admin)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert f"audit-{audit_id}.csv" in r.headers["content-disposition"]
    blocks = r.text.split("\r\n\r\n")
    assert len(blocks) == 3
    header = dict(csv.reader(io.StringIO(blocks[0])))
    assert header["Audit"] == audit_id and header["Status"] == "closed"
    counts = {k: int(v) for k, v in list(csv.reader(io.StringIO(blocks[1])))[1:]}
    assert counts == {
        "expected": 5,
        "found": 3,
        "relocated": 1,
        "missing": 2,
        "unexpected": 1,
        "unknown_codes": 1,
        "weak": 1,
    }
    rows = list(csv.DictReader(io.StringIO(blocks[2])))
    by = {(x["Category"], x["Asset tag"] or x["Code"]): x for x in rows}
    a1 = by[("found", "A1")]
    assert (a1["Device"], a1["Operator"], a1["Seen location"]) == ("hh-1", "EMP-7", "WH1-A")
    assert a1["Time"].startswith("2026-03-01T12:00:10")
    assert by[("relocated", "A2")]["Expected location"] == "WH1-A"
    assert by[("unexpected", "A4")]["Expected location"] == "OFFICE"
    assert by[("unknown_codes", "MYSTERY-9")]["Device"] == "hh-1"
    assert by[("weak", "A3")]["RSSI"] == "-71"
    assert by[("missing", "A5")]["Resolution"] == "mark_missing by root"


async def test_reports_pdf_has_the_same_content(server):
    admin, audit_id = await _closed_audit(server)
    r = await server.client.get(f"/api/v1/audits/{audit_id}/report.pdf", headers=admin)
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    assert r.content.startswith(b"%PDF-")
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(r.content)).pages)
    for needle in (
        "Audit of WH1",
        audit_id,
        "Found: 3",
        "Missing: 2",
        "Unexpected",
        "MYSTERY-9",
        "hh-1",
        "EMP-7",
        "OFFICE",
        "mark_missing by root",
        "Weak RFID reads",
    ):
        assert needle in text, needle
    r = await server.client.get("/api/v1/audits/nope/report.pdf", headers=admin)
    assert r.status_code == 404
