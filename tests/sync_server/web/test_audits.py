"""Audit pages through the real app and database: the list (full and partial), opening an audit,
the audit page filling from a station's batch, each category's evidence, one-click and bulk
resolutions with undo, close, reports, schedules on the location page, the asset page's
audits, roles and CSRF."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from html import escape as html_escape
from typing import Any

import httpx
from sqlmodel import Session

from sync_server.services import registry
from tests.sync_server.conftest import batch, bearer, event
from tests.sync_server.web.client import HX, assert_full_and_partial
from tests.sync_server.web.conftest import SignedIn


async def _open(signed: SignedIn, location: str = "WH1") -> str:
    form = {"csrf_token": signed.csrf, "location": location, "include_sublocations": "1"}
    r = await signed.client.post("/audits", data=form)
    assert r.status_code == 303, r.text
    match = re.fullmatch(r"/audits/([0-9a-f-]{36})", r.headers["location"])
    assert match is not None, r.headers["location"]
    return match.group(1)


async def _walk(signed: SignedIn, audit_id: str) -> None:
    """A handheld's reads in the audit: 105 where expected, 109 in another zone, 101 from HQ,
    an unknown label, and 110 only weakly (through the wall)."""
    now = datetime.now(UTC)
    reads: list[tuple[str, str, dict[str, Any]]] = [
        ("AST-000105", "WH1-DOCK3", {}),
        ("AST-000109", "WH1-A", {}),
        ("AST-000101", "WH1", {}),
        ("MYSTERY-<1>", "WH1-A", {}),
        ("AST-000110", "WH1", {"source": "rfid", "rssi": -78.0, "weak": True}),
    ]
    events = [
        event(i + 1, code, location=loc, audit_id=audit_id, operator="EMP-042",
              observed_at=(now + timedelta(seconds=i)).isoformat(), **extra)
        for i, (code, loc, extra) in enumerate(reads)
    ]  # fmt: skip
    token = signed.server.enroll("handheld-9")
    r = await signed.server.client.post(
        "/api/v1/sync/batches", json=batch("handheld-9", events), headers=bearer(token)
    )
    assert r.status_code == 200 and r.json()["inserted"] == 5, r.text


def _counts(html: str) -> dict[str, int]:
    found = re.findall(r'<span class="stat-n" data-count="(\w+)">(\d+)</span>', html)
    return {name: int(n) for name, n in found}


def _rows(html: str, category: str) -> list[str]:
    section = re.search(rf'<section class="category cat-{category}".*?</section>', html, re.S)
    assert section is not None, category
    return re.findall(r'<tr data-row="([^"]+)">', section.group(0))


def _section(html: str, category: str) -> str:
    section = re.search(rf'<section class="category cat-{category}".*?</section>', html, re.S)
    assert section is not None
    return section.group(0)


def _key_index(html: str, category: str, key: str) -> str:
    """The row index the page gave `key` in `category`'s form."""
    value = re.escape(html_escape(key))
    match = re.search(rf'name="key-(\d+)" value="{value}"', _section(html, category))
    assert match is not None, (category, key)
    return match.group(1)


async def _resolve(signed: SignedIn, audit_id: str, data: dict[str, Any]) -> httpx.Response:
    return await signed.client.post(
        f"/audits/{audit_id}/resolve", data={"csrf_token": signed.csrf, **data}
    )


async def test_audits_list_renders_full_and_partial(as_admin: SignedIn) -> None:
    await _open(as_admin)
    full = await as_admin.client.get("/audits")
    partial = await as_admin.client.get("/audits", headers=HX)
    assert_full_and_partial(full, partial)
    for html in (full.text, partial.text):
        assert "Open now" in html and "WH1" in html and "alice" in html
        assert "Overdue" in html and "Due soon" in html
    assert 'action="/audits"' in full.text  # the open form (auditors and admins)


async def test_open_audit_errors_are_shown(as_admin: SignedIn) -> None:
    form = {"csrf_token": as_admin.csrf}
    r = await as_admin.client.post("/audits", data={**form, "location": "NOPE"})
    assert r.status_code == 404 and "No location &#39;NOPE&#39;" in r.text
    r = await as_admin.client.post("/audits", data={**form, "location": ""})
    assert r.status_code == 422 and "Location is required." in r.text


async def test_audit_page_fills_from_a_station_and_shows_evidence(as_admin: SignedIn) -> None:
    audit_id = await _open(as_admin)
    before = await as_admin.client.get(f"/audits/{audit_id}")
    assert _counts(before.text) == {
        "expected": 6, "found": 0, "relocated": 0, "missing": 6, "unexpected": 0,
        "unknown_codes": 0, "weak": 0,
    }  # fmt: skip
    assert 'data-poll="/audits/' in before.text  # open: the page polls
    await _walk(as_admin, audit_id)
    full = await as_admin.client.get(f"/audits/{audit_id}")
    live = await as_admin.client.get(f"/audits/{audit_id}", headers={**HX, "HX-Target": "live"})
    assert_full_and_partial(full, live)
    assert "Close audit" not in live.text and "Close audit" in full.text  # only the live block
    for html in (full.text, live.text):
        assert _counts(html) == {
            "expected": 6, "found": 2, "relocated": 1, "missing": 4, "unexpected": 1,
            "unknown_codes": 1, "weak": 1,
        }  # fmt: skip
        assert _rows(html, "found") == ["AST-000105", "AST-000109"]
        assert _rows(html, "relocated") == ["AST-000109"]
        assert _rows(html, "unexpected") == ["AST-000101"]
        assert _rows(html, "unknown_codes") == ["MYSTERY-&lt;1&gt;"]  # escaped
        assert _rows(html, "weak") == ["AST-000110"]
        assert "AST-000110" in _rows(html, "missing")
    relocated = _section(full.text, "relocated")
    assert "handheld-9" in relocated and "EMP-042" in relocated and "<time" in relocated
    assert '<a href="/locations/WH1-A">WH1-A</a>' in relocated
    assert "-78 dBm" in _section(full.text, "weak")
    assert "MYSTERY-<1>" not in full.text


async def test_resolutions_one_click_bulk_undo_and_close(as_admin: SignedIn) -> None:
    audit_id = await _open(as_admin)
    await _walk(as_admin, audit_id)
    html = (await as_admin.client.get(f"/audits/{audit_id}")).text
    i = _key_index(html, "relocated", "AST-000109")
    r = await _resolve(as_admin, audit_id, {"category": "relocated", f"key-{i}": "AST-000109",
                                            "one": f"accept_relocation:{i}"})  # fmt: skip
    assert r.status_code == 303 and r.headers["location"].endswith("?done=1#relocated")
    with Session(as_admin.server.engine) as s:
        asset = registry.get_asset(s, "AST-000109")
        assert registry._code_of(s, asset.home_location_id) == "WH1-A"

    picks = {t: _key_index(html, "missing", t) for t in ("AST-000106", "AST-000107")}
    data: dict[str, Any] = {"category": "missing", "bulk": "mark_missing", "reason": "gone"}
    data |= {f"key-{i}": t for t, i in picks.items()}
    r = await _resolve(as_admin, audit_id, {**data, "pick": list(picks.values())})
    assert r.status_code == 303 and "done=2" in r.headers["location"]
    page = (await as_admin.client.get(r.headers["location"])).text
    assert "Resolved 2 rows." in page and page.count("marked lost · alice") == 2
    with Session(as_admin.server.engine) as s:
        assert registry.get_asset(s, "AST-000106").status == "lost"

    i = _key_index(page, "unknown_codes", "MYSTERY-<1>")
    r = await _resolve(as_admin, audit_id, {"category": "unknown_codes", f"key-{i}": "MYSTERY-<1>",
                                            f"newtag-{i}": "AST-000900", f"name-{i}": "Found drill",
                                            "one": f"register_unknown:{i}"})  # fmt: skip
    assert r.status_code == 303, r.text
    page = (await as_admin.client.get(r.headers["location"])).text
    assert _rows(page, "unknown_codes") == [] and "AST-000900" in _rows(page, "unexpected")

    undo = re.findall(r'form="undo-form" name="resolution_id" value="(\d+)"', page)
    r = await as_admin.client.post(
        f"/audits/{audit_id}/undo", data={"csrf_token": as_admin.csrf, "resolution_id": max(undo)}
    )
    assert r.status_code == 303 and "done=undone" in r.headers["location"]
    page = (await as_admin.client.get(r.headers["location"])).text
    assert _rows(page, "unknown_codes") == ["MYSTERY-&lt;1&gt;"] and "undone by alice" in page

    r = await as_admin.client.post(f"/audits/{audit_id}/close", data={"csrf_token": as_admin.csrf})
    assert r.status_code == 303 and "done=closed" in r.headers["location"]
    closed = (await as_admin.client.get(r.headers["location"])).text
    assert "Audit closed; its result is final." in closed and "data-poll" not in closed
    assert "Undo" not in closed and "Close audit" not in closed
    again = await _resolve(as_admin, audit_id, {**data, "pick": list(picks.values())})
    assert again.status_code == 409 and "closed" in again.text


async def test_refused_resolutions_explain_why(as_admin: SignedIn) -> None:
    audit_id = await _open(as_admin)
    await _walk(as_admin, audit_id)
    nothing = await _resolve(as_admin, audit_id, {"category": "missing", "bulk": "mark_missing"})
    assert nothing.status_code == 422 and "Tick the rows to resolve first." in nothing.text
    wrong = await _resolve(as_admin, audit_id, {"key-1": "AST-000105", "one": "mark_missing:1"})
    assert wrong.status_code == 409 and "not in missing" in wrong.text
    where = await _resolve(as_admin, audit_id, {"key-1": "AST-000106", "one": "found_elsewhere:1"})
    assert where.status_code == 422 and "needs the location" in where.text
    bogus = await _resolve(as_admin, audit_id, {"key-1": "AST-000106", "one": "explode:1"})
    assert bogus.status_code == 422
    nul = await _resolve(as_admin, audit_id, {"key-1": "A\x00", "one": "dispose:1"})
    assert nul.status_code == 422
    assert (await as_admin.client.get("/audits/no-such-audit")).status_code == 404


async def test_viewer_reads_audits_but_cannot_act(as_admin: SignedIn, as_viewer: SignedIn) -> None:
    audit_id = await _open(as_admin)
    await _walk(as_admin, audit_id)
    page = (await as_viewer.client.get(f"/audits/{audit_id}")).text
    assert "AST-000109" in page and "Accept new location" not in page and "Close audit" not in page
    assert "report.csv" in page and "report.pdf" in page
    for url, data in (
        (f"/audits/{audit_id}/resolve", {"key-1": "AST-000106", "one": "mark_missing:1"}),
        (f"/audits/{audit_id}/close", {}),
        (f"/audits/{audit_id}/undo", {"resolution_id": "1"}),
        ("/audits", {"location": "HQ"}),
    ):
        r = await as_viewer.client.post(url, data={"csrf_token": as_viewer.csrf, **data})
        assert r.status_code == 403 and "Only an auditor or admin" in r.text


async def test_auditor_runs_an_audit(as_auditor: SignedIn) -> None:
    audit_id = await _open(as_auditor, "LAB")
    r = await as_auditor.client.post(
        f"/audits/{audit_id}/close", data={"csrf_token": as_auditor.csrf}
    )
    assert r.status_code == 303
    assert "Add a location" not in (await as_auditor.client.get("/locations")).text


async def test_audit_forms_need_the_session_csrf_token(as_admin: SignedIn) -> None:
    audit_id = await _open(as_admin)
    for url in ("/audits", f"/audits/{audit_id}/resolve", f"/audits/{audit_id}/close"):
        r = await as_admin.client.post(url, data={"csrf_token": "forged", "location": "HQ"})
        assert r.status_code == 403
    assert "open" in (await as_admin.client.get(f"/audits/{audit_id}")).text


async def test_reports_download_from_the_page_links(as_admin: SignedIn) -> None:
    audit_id = await _open(as_admin)
    await _walk(as_admin, audit_id)
    page = (await as_admin.client.get(f"/audits/{audit_id}")).text
    for fmt, kind in (("csv", "text/csv"), ("pdf", "application/pdf")):
        link = re.search(rf'href="(/api/v1/audits/[^"]+/report\.{fmt})"', page)
        assert link is not None
        r = await as_admin.client.get(link.group(1))
        assert r.status_code == 200 and r.headers["content-type"].startswith(kind)
    csv = (await as_admin.client.get(f"/api/v1/audits/{audit_id}/report.csv")).text
    assert "relocated,AST-000109" in csv and "handheld-9" in csv


async def test_schedule_is_set_on_the_location_page_and_listed(as_admin: SignedIn) -> None:
    form = {"csrf_token": as_admin.csrf, "name": "Test lab", "parent": "HQ", "gln": ""}
    long_ago = (datetime.now(UTC).date() - timedelta(days=30)).isoformat()
    r = await as_admin.client.post(
        "/locations/LAB", data={**form, "every_days": "90", "start": long_ago}
    )
    assert r.status_code == 303, r.text
    page = (await as_admin.client.get("/locations/LAB")).text
    assert "90 days" in page and 'value="90"' in page and "overdue" in page
    listed = (await as_admin.client.get("/audits")).text
    overdue = re.search(r'<section id="overdue">.*?</section>', listed, re.S)
    assert overdue is not None and "/locations/LAB" in overdue.group(0)
    tree = (await as_admin.client.get("/locations")).text
    assert "every 90 d" in tree
    bad = await as_admin.client.post("/locations/LAB", data={**form, "every_days": "0"})
    assert bad.status_code == 422 and "Audit every (days) must be at least 1." in bad.text
    r = await as_admin.client.post("/locations/LAB", data={**form, "every_days": ""})
    assert r.status_code == 303
    assert "No audit schedule." in (await as_admin.client.get("/locations/LAB")).text


async def test_asset_page_shows_the_audits_it_took_part_in(as_admin: SignedIn) -> None:
    audit_id = await _open(as_admin)
    await _walk(as_admin, audit_id)
    open_part = (await as_admin.client.get("/assets/AST-000109")).text
    assert f'href="/audits/{audit_id}"' in open_part and "expected, read" in open_part
    await as_admin.client.post(f"/audits/{audit_id}/close", data={"csrf_token": as_admin.csrf})
    for tag, part in (("AST-000109", "relocated"), ("AST-000106", "missing"),
                      ("AST-000101", "unexpected"), ("AST-000110", "missing, weak")):  # fmt: skip
        html = (await as_admin.client.get(f"/assets/{tag}")).text
        row = re.search(r'<section id="audits">.*?</section>', html, re.S)
        assert row is not None and f'<td data-label="Its part">{part}</td>' in row.group(0), tag
    assert "Not in any audit yet." in (await as_admin.client.get("/assets/AST-000102")).text
