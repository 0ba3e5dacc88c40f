"""Read point pages: list and one point (full and partial), create and edit with portal sides,
validation messages, roles and CSRF."""

from __future__ import annotations

import pytest
from sqlmodel import Session

from sync_server.services import registry
from tests.sync_server.web.client import HX, assert_full_and_partial
from tests.sync_server.web.conftest import SignedIn


@pytest.mark.parametrize("url", ["/read-points", "/read-points/WH1-DOCK3"])
async def test_read_point_pages_render_full_and_partial(as_admin: SignedIn, url: str) -> None:
    full = await as_admin.client.get(url)
    partial = await as_admin.client.get(url, headers=HX)
    assert_full_and_partial(full, partial)
    for html in (full.text, partial.text):
        assert "WH1-DOCK3" in html and "dock3-portal" in html  # the device enrolled there


async def test_admin_creates_a_portal_with_inside_and_outside(as_admin: SignedIn) -> None:
    form = {"csrf_token": as_admin.csrf, "code": "WH1-DOCK4", "name": "Dock door 4"}
    form |= {"location": "WH1", "inside": "WH1-A", "outside": "WH1-DOCK3"}
    r = await as_admin.client.post("/read-points", data=form)
    assert r.status_code == 303 and r.headers["location"] == "/read-points?saved=WH1-DOCK4"
    html = (await as_admin.client.get(r.headers["location"])).text
    assert "Saved WH1-DOCK4." in html and "portal" in html
    with Session(as_admin.server.engine) as s:
        point = registry.read_point_out(s, registry.get_read_point(s, "WH1-DOCK4"))
    assert (point.name, point.location, point.inside, point.outside) == (
        "Dock door 4", "WH1", "WH1-A", "WH1-DOCK3"
    )  # fmt: skip
    page = (await as_admin.client.get("/read-points/WH1-DOCK4")).text
    assert 'href="/movements?door=WH1-DOCK4"' in page


async def test_admin_edits_and_clears_portal_sides(as_admin: SignedIn) -> None:
    form = {"csrf_token": as_admin.csrf, "name": "Dock 3", "location": "WH1"}
    r = await as_admin.client.post(
        "/read-points/WH1-DOCK3", data={**form, "inside": "WH1", "outside": "HQ"}
    )
    assert r.status_code == 303 and r.headers["location"] == "/read-points/WH1-DOCK3?saved=1"
    assert "Saved." in (await as_admin.client.get(r.headers["location"])).text
    r = await as_admin.client.post(
        "/read-points/WH1-DOCK3", data={**form, "inside": "", "outside": ""}
    )
    assert r.status_code == 303
    with Session(as_admin.server.engine) as s:
        point = registry.read_point_out(s, registry.get_read_point(s, "WH1-DOCK3"))
    assert (point.name, point.location, point.inside, point.outside) == (
        "Dock 3", "WH1", None, None
    )  # fmt: skip


CREATE_ERRORS = [
    ({"code": ""}, 422, "Code is required."),
    ({"code": "RP-1", "inside": "NOPE"}, 422, "Inside: no location &#39;NOPE&#39;"),
    ({"code": "WH1-DOCK3"}, 409, "Read point &#39;WH1-DOCK3&#39; already exists"),
    ({"code": "RP\x00"}, 422, "Fields must be printable text."),
    ({"code": "RP-1", "name": "n" * 300}, 422, "Name is too long (at most 256 characters)."),
]


async def test_create_read_point_shows_validation_messages(as_admin: SignedIn) -> None:
    for form, status, message in CREATE_ERRORS:
        r = await as_admin.client.post("/read-points", data={**form, "csrf_token": as_admin.csrf})
        assert r.status_code == status, (form, r.text)
        assert message in r.text
    assert "RP-1" not in (await as_admin.client.get("/read-points")).text


async def test_edit_read_point_with_an_unknown_location_is_refused(as_admin: SignedIn) -> None:
    form = {"csrf_token": as_admin.csrf, "location": "NOWHERE"}
    r = await as_admin.client.post("/read-points/WH1-DOCK3", data=form)
    assert r.status_code == 422 and "Location: no location &#39;NOWHERE&#39;" in r.text
    assert (await as_admin.client.get("/read-points/NOPE")).status_code == 404


async def test_viewer_cannot_change_read_points(as_viewer: SignedIn) -> None:
    assert "Add a read point" not in (await as_viewer.client.get("/read-points")).text
    form = {"csrf_token": as_viewer.csrf, "code": "RP-V"}
    assert (await as_viewer.client.post("/read-points", data=form)).status_code == 403
    r = await as_viewer.client.post("/read-points/WH1-DOCK3", data={**form, "location": "HQ"})
    assert r.status_code == 403 and "Only an admin" in r.text


async def test_read_point_forms_need_the_session_csrf_token(as_admin: SignedIn) -> None:
    r = await as_admin.client.post("/read-points", data={"code": "RP-X", "csrf_token": "forged"})
    assert r.status_code == 403
    r = await as_admin.client.post("/read-points/WH1-DOCK3", data={"location": "HQ"})
    assert r.status_code == 403
