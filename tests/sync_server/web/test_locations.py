"""Location pages: the tree (full and partial), create, rename, move a subtree, refuse a cycle,
validation messages, roles and CSRF."""

from __future__ import annotations

import re

from sqlmodel import Session

from sync_server.services import registry
from sync_server.web.places import ancestors, location_tree, subtree
from tests.sync_server.web.client import HX, assert_full_and_partial
from tests.sync_server.web.conftest import SignedIn


async def test_locations_tree_renders_full_and_partial(as_admin: SignedIn) -> None:
    full = await as_admin.client.get("/locations")
    partial = await as_admin.client.get("/locations", headers=HX)
    assert_full_and_partial(full, partial)
    for html in (full.text, partial.text):
        codes = re.findall(r'class="tag" href="/locations/[^"]+">([^<]+)</a>', html)
        assert codes == ["HQ", "LAB", "WH1", "WH1-A", "WH1-DOCK3"]  # depth-first, by code
        assert "Warehouse 1 · Zone A" in html
    assert "--depth: 1" in full.text and "Add a location" in full.text


async def test_location_page_renders_full_and_partial(as_admin: SignedIn) -> None:
    full = await as_admin.client.get("/locations/WH1")
    partial = await as_admin.client.get("/locations/WH1", headers=HX)
    assert_full_and_partial(full, partial)
    for html in (full.text, partial.text):
        assert "Warehouse 1" in html and "WH1-A" in html and "WH1-DOCK3" in html
    # The move select offers every location but WH1 and what is below it.
    options = re.findall(r'<option value="([^"]*)"', full.text)
    assert options == ["", "HQ", "LAB"]


async def test_admin_creates_a_location_under_a_parent(as_admin: SignedIn) -> None:
    form = {"csrf_token": as_admin.csrf, "code": "WH1-B", "name": "Zone B", "parent": "WH1"}
    r = await as_admin.client.post("/locations", data={**form, "gln": ""})
    assert r.status_code == 303 and r.headers["location"] == "/locations?saved=WH1-B"
    page = await as_admin.client.get(r.headers["location"])
    assert "Saved WH1-B." in page.text
    with Session(as_admin.server.engine) as s:
        out = registry.location_out(s, registry.get_location(s, "WH1-B"))
    assert (out.name, out.parent, out.gln) == ("Zone B", "WH1", None)


CREATE_ERRORS = [
    ({"code": "", "name": "X"}, 422, "Code is required."),
    ({"code": "NEW", "name": ""}, 422, "Name is required."),
    ({"code": "NEW", "name": "X", "gln": "12ab"}, 422, "GLN must be 13 digits."),
    ({"code": "NEW", "name": "X", "parent": "NOPE"}, 422, "no location &#39;NOPE&#39;"),
    ({"code": "WH1", "name": "Again"}, 409, "Location &#39;WH1&#39; already exists"),
    ({"code": "N\x00", "name": "X"}, 422, "Fields must be printable text."),
    ({"code": "x" * 200, "name": "X"}, 422, "Code is too long (at most 128 characters)."),
]


async def test_create_location_shows_validation_messages_and_keeps_input(
    as_admin: SignedIn,
) -> None:
    for form, status, message in CREATE_ERRORS:
        r = await as_admin.client.post("/locations", data={**form, "csrf_token": as_admin.csrf})
        assert r.status_code == status, (form, r.text)
        assert message in r.text and 'role="alert"' in r.text
        if form["name"]:
            assert f'value="{form["name"]}"' in r.text  # what was typed is still there
    assert "NEW" not in (await as_admin.client.get("/locations")).text


async def test_admin_renames_and_moves_a_subtree(as_admin: SignedIn) -> None:
    form = {"csrf_token": as_admin.csrf, "name": "Warehouse One", "parent": "HQ", "gln": ""}
    r = await as_admin.client.post("/locations/WH1", data=form)
    assert r.status_code == 303 and r.headers["location"] == "/locations/WH1?saved=1"
    page = (await as_admin.client.get(r.headers["location"])).text
    assert "Saved." in page and "Warehouse One" in page
    tree = (await as_admin.client.get("/locations")).text
    codes = re.findall(r'--depth: (\d)">.*?class="tag" href="/locations/[^"]+">([^<]+)</a>', tree)
    assert codes == [("0", "HQ"), ("1", "LAB"), ("1", "WH1"), ("2", "WH1-A"), ("2", "WH1-DOCK3")]
    crumbs = (await as_admin.client.get("/locations/WH1-A")).text
    assert re.search(r'<a href="/locations/HQ">HQ</a> / <a href="/locations/WH1">WH1</a>', crumbs)


async def test_moving_a_location_under_itself_is_refused(as_admin: SignedIn) -> None:
    for target in ("WH1", "WH1-A"):
        form = {"csrf_token": as_admin.csrf, "name": "Warehouse 1", "parent": target}
        r = await as_admin.client.post("/locations/WH1", data=form)
        assert r.status_code == 409
        assert "cannot move under itself or its own sublocation" in r.text
    with Session(as_admin.server.engine) as s:
        assert registry.location_out(s, registry.get_location(s, "WH1")).parent is None


async def test_location_gln_is_set_cleared_and_unique(as_admin: SignedIn) -> None:
    form = {"csrf_token": as_admin.csrf, "name": "Head office", "parent": ""}
    assert (
        await as_admin.client.post("/locations/HQ", data={**form, "gln": "4012345000009"})
    ).status_code == 303
    taken = await as_admin.client.post(
        "/locations/LAB", data={**form, "name": "Lab", "parent": "HQ", "gln": "4012345000009"}
    )
    assert taken.status_code == 409 and "already exists" in taken.text
    assert (
        await as_admin.client.post("/locations/HQ", data={**form, "gln": ""})
    ).status_code == 303
    with Session(as_admin.server.engine) as s:
        assert registry.get_location(s, "HQ").gln is None


async def test_unknown_location_page_is_404(as_admin: SignedIn) -> None:
    r = await as_admin.client.get("/locations/NOPE")
    assert r.status_code == 404 and "There is no location" in r.text
    r = await as_admin.client.post(
        "/locations/NOPE", data={"csrf_token": as_admin.csrf, "name": "X"}
    )
    assert r.status_code == 404


async def test_viewer_sees_the_tree_but_cannot_change_it(as_viewer: SignedIn) -> None:
    page = (await as_viewer.client.get("/locations/WH1")).text
    assert "WH1-A" in page and 'action="/locations/WH1"' not in page
    assert "Add a location" not in (await as_viewer.client.get("/locations")).text
    form = {"csrf_token": as_viewer.csrf, "code": "V1", "name": "Viewer's"}
    r = await as_viewer.client.post("/locations", data=form)
    assert r.status_code == 403 and "Only an admin" in r.text
    r = await as_viewer.client.post("/locations/WH1", data={**form, "parent": "HQ"})
    assert r.status_code == 403


async def test_location_forms_need_the_session_csrf_token(as_admin: SignedIn) -> None:
    for token in ({}, {"csrf_token": "forged"}):
        form = {"code": "C1", "name": "No token", **token}
        assert (await as_admin.client.post("/locations", data=form)).status_code == 403
        assert (await as_admin.client.post("/locations/WH1", data=form)).status_code == 403
    assert "C1" not in (await as_admin.client.get("/locations")).text


async def test_location_names_are_escaped(as_admin: SignedIn) -> None:
    form = {"csrf_token": as_admin.csrf, "code": "XSS", "name": "<script>alert(1)</script>"}
    assert (await as_admin.client.post("/locations", data=form)).status_code == 303
    html = (await as_admin.client.get("/locations")).text
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_location_tree_orders_depth_first_and_survives_a_cycle() -> None:
    from sync_server.services.schemas import LocationOut

    def loc(code: str, parent: str | None) -> LocationOut:
        return LocationOut(code=code, name=code, parent=parent, gln=None)

    locs = [loc("B", None), loc("A", None), loc("A2", "A"), loc("A1", "A"), loc("A1x", "A1")]
    tree = location_tree([*locs, loc("C1", "C2"), loc("C2", "C1")])
    assert [(r.loc.code, r.depth) for r in tree] == [
        ("A", 0), ("A1", 1), ("A1x", 2), ("A2", 1), ("B", 0), ("C1", 0), ("C2", 0)
    ]  # fmt: skip
    assert subtree(tree, "A1") == {"A1", "A1x"}
    assert subtree(tree, "A") == {"A", "A1", "A1x", "A2"}
    assert ancestors(locs, "A1x") == ["A", "A1"]
    assert ancestors(locs, "A") == []
