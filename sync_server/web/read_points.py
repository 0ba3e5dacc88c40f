"""Read point pages: the list, create, and one read point's page where an admin sets its
location and, for a portal (a dock door), which location is inside and which outside."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from sync_server.api.deps import SessionDep
from sync_server.services import Conflict, InvalidInput, NotFound, registry, views
from sync_server.services.schemas import ReadPointIn, ReadPointPatch
from sync_server.web.forms import NUL_ERROR, explain, has_nul, optional, sentence
from sync_server.web.places import location_tree
from sync_server.web.render import render
from sync_server.web.security import ViewerDep, WebError, check_csrf, require_admin

FormText = Annotated[str, Form()]
LABELS = {"code": "Code", "name": "Name", "location": "Location", "inside": "Inside"}
LABELS |= {"outside": "Outside"}


def build_router() -> APIRouter:
    """The read point pages."""
    r = APIRouter(default_response_class=HTMLResponse)
    r.add_api_route("/read-points", read_points_page, methods=["GET"])
    r.add_api_route("/read-points", create_read_point, methods=["POST"])
    r.add_api_route("/read-points/{code:path}", read_point_page, methods=["GET"])
    r.add_api_route("/read-points/{code:path}", update_read_point, methods=["POST"])
    return r


def _devices_by_point(session: SessionDep) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for d in views.list_devices(session):
        if d.read_point and not d.revoked:
            out.setdefault(d.read_point, []).append(d.device_id)
    return out


def _index(
    request: Request, session: SessionDep, viewer: ViewerDep, status: int = 200, **extra: Any
) -> Response:
    ctx = {"viewer": viewer, "section": "read-points", "form": {}, "error": None}
    ctx |= {"points": registry.list_read_points(session), "devices": _devices_by_point(session)}
    ctx |= {"tree": location_tree(registry.list_locations(session)), "message": None, **extra}
    return render(request, "read_points/index.html", ctx, status_code=status)


def read_points_page(
    request: Request, session: SessionDep, viewer: ViewerDep, saved: str = ""
) -> Response:
    """Every read point with its location, portal sides and devices; the admin's add form."""
    saved = saved.replace("\x00", "")[:128]
    return _index(request, session, viewer, message=f"Saved {saved}." if saved else None)


def _fields(location: str, inside: str, outside: str) -> dict[str, str | None]:
    return {
        "location": optional(location),
        "inside": optional(inside),
        "outside": optional(outside),
    }


def create_read_point(
    request: Request,
    session: SessionDep,
    viewer: ViewerDep,
    code: FormText = "",
    name: FormText = "",
    location: FormText = "",
    inside: FormText = "",
    outside: FormText = "",
    csrf_token: FormText = "",
) -> Response:
    """Admin only: add a read point (its locations must exist)."""
    check_csrf(viewer.csrf, csrf_token)
    require_admin(viewer)
    form = {"code": code, "name": name, "location": location, "inside": inside}
    form["outside"] = outside
    if has_nul(*form.values()):
        return _index(request, session, viewer, 422, form=form, error=NUL_ERROR)
    try:
        data = ReadPointIn(code=code, name=optional(name), **_fields(location, inside, outside))
        registry.create_read_point(session, data)
    except ValidationError as err:
        return _index(request, session, viewer, 422, form=form, error=explain(err, LABELS))
    except (Conflict, InvalidInput) as err:
        session.rollback()
        status = 409 if isinstance(err, Conflict) else 422
        return _index(request, session, viewer, status, form=form, error=sentence(err))
    return RedirectResponse("/read-points?" + urlencode({"saved": data.code}), status_code=303)


def _detail(
    request: Request,
    session: SessionDep,
    viewer: ViewerDep,
    code: str,
    status: int = 200,
    **extra: Any,
) -> Response:
    if has_nul(code):
        raise WebError(404, "There is no read point with that code.")
    try:
        point = registry.read_point_out(session, registry.get_read_point(session, code))
    except NotFound as err:
        raise WebError(404, f"There is no read point {code!r}.") from err
    ctx = {"viewer": viewer, "section": "read-points", "point": point, "form": None}
    ctx |= {"tree": location_tree(registry.list_locations(session)), "error": None}
    ctx |= {"devices": _devices_by_point(session).get(point.code, []), "message": None}
    return render(request, "read_points/detail.html", {**ctx, **extra}, status_code=status)


def read_point_page(
    request: Request, session: SessionDep, viewer: ViewerDep, code: str, saved: str = ""
) -> Response:
    """One read point and the admin's form to change it."""
    return _detail(request, session, viewer, code, message="Saved." if saved else None)


def update_read_point(
    request: Request,
    session: SessionDep,
    viewer: ViewerDep,
    code: str,
    name: FormText = "",
    location: FormText = "",
    inside: FormText = "",
    outside: FormText = "",
    csrf_token: FormText = "",
) -> Response:
    """Admin only: rename the read point, set its location and its portal sides (a blank
    select clears that side)."""
    check_csrf(viewer.csrf, csrf_token)
    require_admin(viewer)
    form = {"name": name, "location": location, "inside": inside, "outside": outside}
    if has_nul(*form.values()):
        return _detail(request, session, viewer, code, 422, form=form, error=NUL_ERROR)
    try:
        patch = ReadPointPatch(name=optional(name), **_fields(location, inside, outside))
        registry.update_read_point(session, code, patch)
    except ValidationError as err:
        error = explain(err, LABELS)
        return _detail(request, session, viewer, code, 422, form=form, error=error)
    except NotFound as err:
        raise WebError(404, f"There is no read point {code!r}.") from err
    except (Conflict, InvalidInput) as err:
        session.rollback()
        return _detail(request, session, viewer, code, 422, form=form, error=sentence(err))
    return RedirectResponse(read_point_url(code) + "?saved=1", status_code=303)


def read_point_url(code: str) -> str:
    """The page of read point `code`."""
    return "/read-points/" + quote(code, safe="")
