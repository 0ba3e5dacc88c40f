"""Audit pages: the audits list (open, due and overdue by location, recent results), opening an
audit, and an audit's page that fills live while stations scan, with each category's evidence,
one-click and bulk resolutions, undo until close, close, and the reports. Thin over
`sync_server.services.audits`."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from sync_server.api.deps import SessionDep
from sync_server.services import Conflict, InvalidInput, NotFound, ServiceError, registry
from sync_server.services.audits import core, resolutions, results, schedules
from sync_server.services.audits.schemas import AuditIn, audit_out
from sync_server.web.audit_forms import DONE, LABELS, in_force, resolutions_of, sections
from sync_server.web.forms import explain, has_nul, sentence
from sync_server.web.places import location_tree
from sync_server.web.render import render
from sync_server.web.security import ViewerDep, WebError, check_csrf, require_auditor

FormText = Annotated[str, Form()]
RECENT = 50
POLL_MS = 2000
_STATUS: dict[type[ServiceError], int] = {Conflict: 409, InvalidInput: 422, NotFound: 404}


def build_router() -> APIRouter:
    """The audit pages."""
    r = APIRouter(default_response_class=HTMLResponse)
    r.add_api_route("/audits", audits_page, methods=["GET"])
    r.add_api_route("/audits", open_audit, methods=["POST"])
    r.add_api_route("/audits/{audit_id}", audit_page, methods=["GET"])
    r.add_api_route("/audits/{audit_id}/resolve", resolve, methods=["POST"])
    r.add_api_route("/audits/{audit_id}/undo", undo, methods=["POST"])
    r.add_api_route("/audits/{audit_id}/close", close, methods=["POST"])
    return r


def audit_url(audit_id: str) -> str:
    """The page of audit `audit_id`."""
    return "/audits/" + quote(audit_id, safe="")


def _index(
    request: Request, session: SessionDep, viewer: ViewerDep, status: int = 200, **extra: Any
) -> Response:
    now = core.utcnow()
    plans = schedules.schedules(session, now.date())
    opened = [
        audit_out(a, core.location_code(session, a)) for a in core.list_audits(session, "open")
    ]
    closed = [
        audit_out(a, core.location_code(session, a), results.stored_counts(session, a))
        for a in core.list_audits(session, "closed")[:RECENT]
    ]
    ctx = {"viewer": viewer, "section": "audits", "open": opened, "closed": closed}
    ctx |= {"overdue": [s for s in plans if s.state == "overdue"], "form": {}, "error": None}
    ctx |= {"due": [s for s in plans if s.state == "due"], "plans": plans}
    ctx |= {"tree": location_tree(registry.list_locations(session)), **extra}
    return render(request, "audits/index.html", ctx, status_code=status)


def audits_page(request: Request, session: SessionDep, viewer: ViewerDep) -> Response:
    """Open audits, locations due or overdue for one, recent results, and the open form."""
    return _index(request, session, viewer)


def open_audit(
    request: Request,
    session: SessionDep,
    viewer: ViewerDep,
    location: FormText = "",
    include_sublocations: FormText = "",
    include_fixed_readers: FormText = "",
    note: FormText = "",
    csrf_token: FormText = "",
) -> Response:
    """Auditor or admin: open an audit of `location` (its expected list is frozen now)."""
    check_csrf(viewer.csrf, csrf_token)
    require_auditor(viewer)
    form = {"location": location, "note": note}
    try:
        if has_nul(location, note):
            raise InvalidInput("Fields must be printable text.")
        data = AuditIn(
            location=location,
            include_sublocations=bool(include_sublocations),
            include_fixed_readers=bool(include_fixed_readers),
            note=note.strip() or None,
        )
        req = core.OpenRequest(
            data.location, data.include_sublocations, data.include_fixed_readers, data.note
        )
        audit = core.open_audit(session, req, viewer.user.name, core.utcnow())
    except ValidationError as err:
        error = explain(err, {"location": "Location", "note": "Note"})
        return _index(request, session, viewer, 422, form=form, error=error)
    except (InvalidInput, NotFound) as err:
        session.rollback()
        status = _STATUS.get(type(err), 422)
        return _index(request, session, viewer, status, form=form, error=sentence(err))
    return RedirectResponse(audit_url(audit.id), status_code=303)


def _page(
    request: Request,
    session: SessionDep,
    viewer: ViewerDep,
    audit_id: str,
    status: int = 200,
    **extra: Any,
) -> Response:
    if has_nul(audit_id) or len(audit_id) > 256:
        raise WebError(404, "There is no audit with that id.")
    try:
        audit = core.get_audit(session, audit_id)
    except NotFound as err:
        raise WebError(404, f"There is no audit {audit_id!r}.") from err
    result = results.result(session, audit, core.utcnow())
    out = audit_out(audit, core.location_code(session, audit), result.counts())
    logged = resolutions.list_resolutions(session, audit.id)
    ctx = {"viewer": viewer, "section": "audits", "audit": out, "result": result}
    ctx |= {"sections": sections(result), "logged": list(reversed(logged))}
    ctx |= {"resolved": in_force(logged), "labels": LABELS, "done_labels": DONE}
    ctx |= {"tree": location_tree(registry.list_locations(session)), "poll_ms": POLL_MS}
    ctx |= {"url": audit_url(audit.id), "message": None, "error": None, **extra}
    return render(request, "audits/detail.html", ctx, status_code=status)


def audit_page(
    request: Request, session: SessionDep, viewer: ViewerDep, audit_id: str, done: str = ""
) -> Response:
    """One audit: live counts and, per category, each row with its evidence (device, time,
    operator) and resolution buttons; the log of resolutions with undo; reports; close."""
    message = None
    if done.isdigit():
        n = int(done)
        message = f"Resolved {n} row{'' if n == 1 else 's'}."
    elif done in ("undone", "closed"):
        message = {"undone": "Undone.", "closed": "Audit closed; its result is final."}[done]
    return _page(request, session, viewer, audit_id, message=message)


def _refused(
    request: Request, session: SessionDep, viewer: ViewerDep, audit_id: str, err: ServiceError
) -> Response:
    session.rollback()
    status = next((s for cls, s in _STATUS.items() if isinstance(err, cls)), 422)
    return _page(request, session, viewer, audit_id, status, error=sentence(err))


def _after(audit_id: str, done: str, anchor: str = "") -> RedirectResponse:
    target = audit_url(audit_id) + "?" + urlencode({"done": done}) + anchor
    return RedirectResponse(target, status_code=303)


async def resolve(
    request: Request, session: SessionDep, viewer: ViewerDep, audit_id: str
) -> Response:
    """Auditor or admin: resolve one row (its button) or every ticked row (a bulk button) of
    one category table; all or nothing. A refusal shows the page with the reason."""
    raw = await request.form()
    form = {k: v for k, v in raw.items() if isinstance(v, str)}
    picks = [v for v in raw.getlist("pick") if isinstance(v, str)]
    check_csrf(viewer.csrf, form.get("csrf_token", ""))
    require_auditor(viewer)

    def apply() -> Response:
        try:
            items = resolutions_of(form, picks)
            done = resolutions.resolve(session, audit_id, items, viewer.user.name, core.utcnow())
        except ServiceError as err:
            return _refused(request, session, viewer, audit_id, err)
        anchor = "#" + form.get("category", "") if form.get("category", "").isidentifier() else ""
        return _after(audit_id, str(len(done)), anchor)

    return await run_in_threadpool(apply)


def undo(
    request: Request,
    session: SessionDep,
    viewer: ViewerDep,
    audit_id: str,
    resolution_id: FormText = "",
    csrf_token: FormText = "",
) -> Response:
    """Auditor or admin: undo a resolution while the audit is open."""
    check_csrf(viewer.csrf, csrf_token)
    require_auditor(viewer)
    try:
        if not resolution_id.isdigit():
            raise InvalidInput("Choose a resolution to undo.")
        rid = int(resolution_id[:12])
        resolutions.undo(session, audit_id, rid, viewer.user.name, core.utcnow())
    except ServiceError as err:
        return _refused(request, session, viewer, audit_id, err)
    return _after(audit_id, "undone", "#log")


def close(
    request: Request,
    session: SessionDep,
    viewer: ViewerDep,
    audit_id: str,
    csrf_token: FormText = "",
) -> Response:
    """Auditor or admin: close the audit; its result and resolutions become final."""
    check_csrf(viewer.csrf, csrf_token)
    require_auditor(viewer)
    try:
        core.close_audit(session, audit_id, viewer.user.name, core.utcnow())
    except ServiceError as err:
        return _refused(request, session, viewer, audit_id, err)
    return _after(audit_id, "closed")
