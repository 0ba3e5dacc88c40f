"""Location pages: the tree, create, and one location's page where an admin renames it, moves
its subtree (never under itself) and sets its GLN."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from sync_server.api.deps import SessionDep
from sync_server.services import Conflict, InvalidInput, NotFound, registry
from sync_server.services.audits import core as audits
from sync_server.services.audits import schedules
from sync_server.services.audits.schemas import ScheduleIn, audit_out
from sync_server.services.schemas import LocationIn, LocationPatch
from sync_server.web.forms import NUL_ERROR, explain, has_nul, optional, sentence
from sync_server.web.places import ancestors, location_tree, subtree
from sync_server.web.queries import location_asset_counts
from sync_server.web.render import render
from sync_server.web.security import ViewerDep, WebError, check_csrf, require_admin

FormText = Annotated[str, Form()]
LABELS = {"code": "Code", "name": "Name", "parent": "Parent", "gln": "GLN"}
LABELS |= {"every_days": "Audit every (days)", "start": "Starting"}
RECENT_AUDITS = 10


def build_router() -> APIRouter:
    """The location pages."""
    r = APIRouter(default_response_class=HTMLResponse)
    r.add_api_route("/locations", locations_page, methods=["GET"])
    r.add_api_route("/locations", create_location, methods=["POST"])
    r.add_api_route("/locations/{code:path}", location_page, methods=["GET"])
    r.add_api_route("/locations/{code:path}", update_location, methods=["POST"])
    return r


def location_url(code: str) -> str:
    """The page of location `code` (a code may hold "/" or "?")."""
    return "/locations/" + quote(code, safe="")


def _index(
    request: Request,
    session: SessionDep,
    viewer: ViewerDep,
    status: int = 200,
    **extra: Any,
) -> Response:
    tree = location_tree(registry.list_locations(session))
    counts = location_asset_counts(session)
    plans = {p.location: p for p in schedules.schedules(session, audits.utcnow().date())}
    ctx = {"viewer": viewer, "section": "locations", "tree": tree, "counts": counts}
    ctx |= {"form": {}, "error": None, "message": None, "plans": plans, **extra}
    return render(request, "locations/index.html", ctx, status_code=status)


def locations_page(
    request: Request, session: SessionDep, viewer: ViewerDep, saved: str = ""
) -> Response:
    """Every location as a tree, with its assets; the admin's form to add one."""
    saved = saved.replace("\x00", "")[:128]
    return _index(request, session, viewer, message=f"Saved {saved}." if saved else None)


def create_location(
    request: Request,
    session: SessionDep,
    viewer: ViewerDep,
    code: FormText = "",
    name: FormText = "",
    parent: FormText = "",
    gln: FormText = "",
    csrf_token: FormText = "",
) -> Response:
    """Admin only: add a location under `parent` (or at the top)."""
    check_csrf(viewer.csrf, csrf_token)
    require_admin(viewer)
    form = {"code": code, "name": name, "parent": parent, "gln": gln}
    if has_nul(code, name, parent, gln):
        return _index(request, session, viewer, 422, form=form, error=NUL_ERROR)
    try:
        data = LocationIn(code=code, name=name, parent=optional(parent), gln=optional(gln))
        registry.create_location(session, data)
    except ValidationError as err:
        return _index(request, session, viewer, 422, form=form, error=explain(err, LABELS))
    except (Conflict, InvalidInput) as err:
        session.rollback()
        status = 409 if isinstance(err, Conflict) else 422
        return _index(request, session, viewer, status, form=form, error=sentence(err))
    return RedirectResponse("/locations?" + urlencode({"saved": data.code}), status_code=303)


def _detail(
    request: Request,
    session: SessionDep,
    viewer: ViewerDep,
    code: str,
    status: int = 200,
    **extra: Any,
) -> Response:
    if has_nul(code):
        raise WebError(404, "There is no location with that code.")
    try:
        loc = registry.location_out(session, registry.get_location(session, code))
    except NotFound as err:
        raise WebError(404, f"There is no location {code!r}.", {}) from err
    locations = registry.list_locations(session)
    tree = location_tree(locations)
    below = subtree(tree, loc.code)
    children = [row.loc for row in tree if row.loc.parent == loc.code]
    points = [
        p
        for p in registry.list_read_points(session)
        if loc.code in (p.location, p.inside, p.outside)
    ]
    counts = location_asset_counts(session)
    plan = schedules.schedules(session, audits.utcnow().date(), [_id(session, loc.code)])
    recent = [audit_out(a, loc.code) for a in audits.list_audits(session, location=loc.code)][
        :RECENT_AUDITS
    ]
    ctx = {"viewer": viewer, "section": "locations", "loc": loc, "tree": tree, "below": below}
    ctx |= {"plan": plan[0] if plan else None, "audits": recent}
    ctx |= {"path": ancestors(locations, loc.code), "children": children, "points": points}
    ctx |= {"counts": counts, "form": None, "error": None, "message": None, **extra}
    return render(request, "locations/detail.html", ctx, status_code=status)


def location_page(
    request: Request, session: SessionDep, viewer: ViewerDep, code: str, saved: str = ""
) -> Response:
    """One location: where it sits in the tree, what is below it, its read points and assets;
    the admin's form to rename or move it."""
    return _detail(request, session, viewer, code, message="Saved." if saved else None)


def update_location(
    request: Request,
    session: SessionDep,
    viewer: ViewerDep,
    code: str,
    name: FormText = "",
    parent: FormText = "",
    gln: FormText = "",
    every_days: FormText = "",
    start: FormText = "",
    csrf_token: FormText = "",
) -> Response:
    """Admin only: rename the location, move it (with everything below it) under `parent`,
    set or clear its GLN and its audit schedule (every N days; blank for none). Moving it
    under itself or a sublocation is refused."""
    check_csrf(viewer.csrf, csrf_token)
    require_admin(viewer)
    form = {"name": name, "parent": parent, "gln": gln, "every_days": every_days}
    form["start"] = start
    if has_nul(*form.values()):
        return _detail(request, session, viewer, code, 422, form=form, error=NUL_ERROR)
    try:
        patch = LocationPatch(name=name, parent=optional(parent), gln=optional(gln))
        registry.update_location(session, code, patch)
        _set_schedule(session, code, every_days, start, viewer.user.name)
    except ValidationError as err:
        session.rollback()  # the rename may be flushed already; all or nothing
        error = explain(err, LABELS)
        return _detail(request, session, viewer, code, 422, form=form, error=error)
    except NotFound as err:
        raise WebError(404, f"There is no location {code!r}.") from err
    except (Conflict, InvalidInput) as err:
        session.rollback()
        status = 409 if isinstance(err, Conflict) else 422
        return _detail(request, session, viewer, code, status, form=form, error=sentence(err))
    return RedirectResponse(location_url(code) + "?saved=1", status_code=303)


def _id(session: SessionDep, code: str) -> int:
    row_id = registry.get_location(session, code).id
    assert row_id is not None
    return row_id


def _set_schedule(session: SessionDep, code: str, every: str, start: str, by: str) -> None:
    """Audit `code` every `every` days from `start` (today when blank); blank `every` drops
    the schedule."""
    if not every.strip():
        if schedules.schedules(session, audits.utcnow().date(), [_id(session, code)]):
            schedules.delete_schedule(session, code)
        return
    data = ScheduleIn.model_validate({"every_days": every.strip(), "start": optional(start)})
    schedules.set_schedule(session, code, data, by, audits.utcnow())
