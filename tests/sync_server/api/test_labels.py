"""Labels through the API and `scanstation labels`, on SQLite and PostgreSQL: chosen by tag or
by filter, they scan back (project decoder) to assets the server resolves; RFID ZPL carries a
GIAI-96 EPC allocated from the configured company prefix and attached to the asset."""

from __future__ import annotations

import json
import re

from typer.testing import CliRunner

from scanner.cli import app
from sync_server.labels.layouts import LAYOUTS
from tests.sync_server.conftest import bearer
from tests.sync_server.labels.scan import scanned_keys

PREFIX = "0614141"


async def _setup(server) -> dict[str, str]:
    admin = bearer(server.user_token("root", "admin"))
    c = server.client
    for code in ("WH1", "LAB"):
        r = await c.post("/api/v1/locations", json={"code": code, "name": code}, headers=admin)
        assert r.status_code == 201
    for i in range(5):
        body = {
            "asset_tag": f"AST-{i}",
            "name": f"Drill {i}",
            "home_location": "WH1" if i < 3 else "LAB",
        }
        assert (await c.post("/api/v1/assets", json=body, headers=admin)).status_code == 201
    return admin


async def test_labels_for_a_selection_scan_back_to_the_assets(server):
    admin = await _setup(server)
    body = {"assets": ["AST-4", "AST-0"], "symbology": "qr", "layout": "avery-5160"}
    r = await server.client.post("/api/v1/labels", json=body, headers=admin)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/pdf" and r.headers["x-label-count"] == "2"
    keys = scanned_keys(r.content, LAYOUTS["avery-5160"], 2)
    assert keys == [["tag/AST-4"], ["tag/AST-0"]]
    for (key,) in keys:
        tag = key.removeprefix("tag/")
        found = await server.client.get("/api/v1/lookup", params={"code": tag}, headers=admin)
        assert found.json()["asset_tag"] == tag


async def test_labels_for_a_filter_and_the_errors(server):
    admin = await _setup(server)
    r = await server.client.post(
        "/api/v1/labels", json={"location": "LAB", "layout": "roll-57x32"}, headers=admin
    )
    assert r.status_code == 200 and r.headers["x-label-count"] == "2"
    assert scanned_keys(r.content, LAYOUTS["roll-57x32"], 2) == [["tag/AST-3"], ["tag/AST-4"]]
    cases = [
        ({"assets": ["NOPE"]}, 404),
        ({"symbology": "gs1-datamatrix"}, 422),  # no GIAI and no company prefix
        ({"rfid": True}, 422),  # RFID is encoded by a ZPL printer
        ({"layout": "avery-9999"}, 422),
        ({"symbology": "pdf417"}, 422),
        ({"skip": -1}, 422),
    ]
    for body, status in cases:
        r = await server.client.post("/api/v1/labels", json=body, headers=admin)
        assert r.status_code == status, (body, r.text)
        assert "detail" in r.json()
    viewer = bearer(server.user_token("val", "viewer"))
    assert (await server.client.post("/api/v1/labels", json={}, headers=viewer)).status_code == 403


async def test_rfid_zpl_encodes_an_allocated_giai_that_resolves_to_the_asset(server):
    admin = await _setup(server)
    server.app.state.settings.gs1_company_prefix = PREFIX
    body = {"assets": ["AST-1"], "format": "zpl", "rfid": True, "symbology": "gs1-datamatrix"}
    r = await server.client.post("/api/v1/labels", json=body, headers=admin)
    assert r.status_code == 200, r.text
    epc = re.search(r"\^RFW,H\^FD([0-9A-F]{24})\^FS", r.text)
    assert epc is not None
    found = await server.client.get("/api/v1/lookup", params={"code": epc.group(1)}, headers=admin)
    assert found.status_code == 200 and found.json()["asset_tag"] == "AST-1"
    giai = re.search(r"\^FD_18004(\d+)\^FS", r.text)
    assert giai is not None
    code = "]d2" + "8004" + giai.group(1)
    found = await server.client.get("/api/v1/lookup", params={"code": code}, headers=admin)
    assert found.json()["asset_tag"] == "AST-1"
    again = await server.client.post("/api/v1/labels", json=body, headers=admin)
    assert again.text == r.text  # the same GIAI, not a new one per print


async def test_labels_command_writes_a_pdf_that_scans(server, tmp_path):
    await _setup(server)
    out = tmp_path / "labels.pdf"
    result = CliRunner().invoke(
        app,
        ["labels", "--db", server.url, "--q", "drill 2", "--symbology", "code128",
         "--output", str(out), "--json"],
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout) == {"file": str(out), "labels": 1, "format": "pdf"}
    assert scanned_keys(out.read_bytes(), LAYOUTS["avery-l7160"], 1) == [["tag/AST-2"]]
    result = CliRunner().invoke(
        app, ["labels", "--db", server.url, "--layout", "nope", "--output", str(out)]
    )
    assert result.exit_code == 1 and "layout" in result.stderr
