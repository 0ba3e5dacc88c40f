"""The dock-door log page: full and partial, filters, counts, paging, CSV link, bad input."""

from __future__ import annotations

import re
from datetime import timedelta

from tests.sync_server.conftest import T0, batch, bearer, event
from tests.sync_server.web.client import HX, assert_full_and_partial
from tests.sync_server.web.conftest import SignedIn


async def _crossings(signed: SignedIn) -> None:
    """Three crossings at WH1-DOCK3 (made a portal: inside WH1, outside HQ) and one unknown."""
    server = signed.server
    admin = bearer(server.user_token("api-admin", "admin"))
    body = {"inside": "WH1", "outside": "HQ"}
    r = await server.client.patch("/api/v1/read-points/WH1-DOCK3", json=body, headers=admin)
    assert r.status_code == 200, r.text
    moves = [("AST-000105", "in", 0), ("AST-000106", "in", 1), ("AST-000105", "out", 5)]
    moves.append(("<b>UNKNOWN-TAG</b>", "out", 7))
    events = [
        event(i + 1, code, read_point="WH1-DOCK3", direction=d, antenna=1 if d == "out" else 2,
              rssi=-50.0, observed_at=(T0 + timedelta(minutes=m)).isoformat())
        for i, (code, d, m) in enumerate(moves)
    ]  # fmt: skip
    token = server.enroll("dock3-new", "WH1-DOCK3")
    r = await server.client.post(
        "/api/v1/sync/batches", json=batch("dock3-new", events), headers=bearer(token)
    )
    assert r.status_code == 200 and r.json()["inserted"] == 4, r.text


def _rows(html: str) -> list[tuple[str, str]]:
    return re.findall(
        r'dir-(in|out)">.*?</span></td>\s*<td data-label="Asset">'
        r'(?:<a class="tag"[^>]*>|<span class="mono">)?([^<]*)',
        html,
        re.S,
    )


async def test_movements_page_renders_full_and_partial(as_admin: SignedIn) -> None:
    await _crossings(as_admin)
    full = await as_admin.client.get("/movements")
    partial = await as_admin.client.get("/movements", headers=HX)
    assert_full_and_partial(full, partial)
    for html in (full.text, partial.text):
        assert _rows(html) == [
            ("out", "&lt;b&gt;UNKNOWN-TAG&lt;/b&gt;"), ("out", "AST-000105"),
            ("in", "AST-000106"), ("in", "AST-000105"),
        ]  # fmt: skip
        assert '<span class="stat-n">4</span><span class="stat-l">crossings</span>' in html
        assert '<span class="stat-n">2</span><span class="stat-l">in</span>' in html
    assert "<b>UNKNOWN-TAG</b>" not in full.text  # escaped
    assert 'href="/api/v1/movements.csv"' in full.text


async def test_movements_page_filters_and_the_csv_link_keeps_them(as_admin: SignedIn) -> None:
    await _crossings(as_admin)
    url = "/movements?door=WH1-DOCK3&direction=in&since=2026-03-01T12:00:30&asset="
    r = await as_admin.client.get(url, headers={**HX, "HX-Target": "log"})
    assert r.status_code == 200 and 'name="door"' not in r.text  # only the log block
    assert _rows(r.text) == [("in", "AST-000106")]
    full = (await as_admin.client.get(url)).text
    link = re.search(r'href="(/api/v1/movements\.csv\?[^"]+)"', full)
    assert link is not None
    csv = await as_admin.client.get(link.group(1).replace("&amp;", "&"))
    assert csv.status_code == 200 and csv.text.count("\r\n") == 2  # header + one crossing
    assert "AST-000106" in csv.text
    by_asset = (await as_admin.client.get("/movements?asset=AST-000105")).text
    assert [tag for _, tag in _rows(by_asset)] == ["AST-000105", "AST-000105"]


async def test_movements_page_explains_bad_filters(as_admin: SignedIn) -> None:
    bad_time = await as_admin.client.get("/movements?since=tomorrow")
    assert bad_time.status_code == 422 and "Since must be a date and time" in bad_time.text
    backwards = await as_admin.client.get(
        "/movements?since=2026-03-02T00:00&until=2026-03-01T00:00"
    )
    assert backwards.status_code == 422 and "ends before it starts" in backwards.text
    unknown = await as_admin.client.get("/movements?asset=NOPE")
    assert unknown.status_code == 404 and "No asset &#39;NOPE&#39;" in unknown.text
    odd = await as_admin.client.get("/movements?direction=up&page=-1&door=%00")
    assert odd.status_code == 422 and "Direction must be" in odd.text


async def test_movements_page_paginates(as_admin: SignedIn) -> None:
    from sync_server.web import movements

    await _crossings(as_admin)
    before = movements.PAGE_SIZE
    try:
        movements.PAGE_SIZE = 3
        first = (await as_admin.client.get("/movements?direction=&door=WH1-DOCK3")).text
        second = (await as_admin.client.get("/movements?door=WH1-DOCK3&page=2")).text
    finally:
        movements.PAGE_SIZE = before
    assert "Page 1 of 2" in first and 'href="/movements?door=WH1-DOCK3&amp;page=2"' in first
    assert len(_rows(first)) == 3 and len(_rows(second)) == 1


async def test_viewer_reads_the_movement_log(as_viewer: SignedIn) -> None:
    r = await as_viewer.client.get("/movements")
    assert r.status_code == 200 and "No crossings." in r.text
