"""Audits (contract 2.3 and the extensions in docs/audits.md): open, close, the expected
lists a handheld takes offline, the reconciliation. Thin: each route calls the services."""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response

from shared.audits import paused_gc
from sync_server.api.deps import AdminDep, AuditorDep, DeviceOrViewerDep, SessionDep, ViewerDep
from sync_server.services.audits import core, reports, resolutions, results, schedules
from sync_server.services.audits import expected as exp
from sync_server.services.audits.schemas import (
    AuditIn,
    AuditOut,
    BulkResolutionIn,
    DueOut,
    ExpectedOut,
    IdentitiesOut,
    ReconciliationOut,
    ResolutionIn,
    ResolutionOut,
    ScheduleIn,
    ScheduleOut,
    audit_out,
)


def build_router() -> APIRouter:
    """Routes under /api/v1 for audits and the handheld's offline lists."""
    r = APIRouter(prefix="/api/v1", tags=["audits"])
    r.add_api_route(
        "/audits", open_audit, methods=["POST"], response_model=AuditOut, status_code=201
    )
    r.add_api_route("/audits", list_audits, methods=["GET"], response_model=list[AuditOut])
    r.add_api_route("/audits/{audit_id}", get_audit, methods=["GET"], response_model=AuditOut)
    r.add_api_route(
        "/audits/{audit_id}/close", close_audit, methods=["POST"], response_model=AuditOut
    )
    r.add_api_route(
        "/audits/{audit_id}/expected",
        audit_expected,
        methods=["GET"],
        response_class=Response,
        responses={200: {"model": ExpectedOut}},
    )
    r.add_api_route(
        "/audits/{audit_id}/reconciliation",
        reconciliation,
        methods=["GET"],
        response_class=Response,
        responses={200: {"model": ReconciliationOut}},
    )
    r.add_api_route(
        "/audits/{audit_id}/resolutions",
        resolve_one,
        methods=["POST"],
        response_model=ResolutionOut,
        status_code=201,
    )
    r.add_api_route(
        "/audits/{audit_id}/resolutions/bulk",
        resolve_bulk,
        methods=["POST"],
        response_model=list[ResolutionOut],
        status_code=201,
    )
    r.add_api_route(
        "/audits/{audit_id}/resolutions",
        list_resolutions,
        methods=["GET"],
        response_model=list[ResolutionOut],
    )
    r.add_api_route(
        "/audits/{audit_id}/resolutions/{resolution_id}/undo",
        undo_resolution,
        methods=["POST"],
        response_model=ResolutionOut,
    )
    r.add_api_route(
        "/audit-schedules", list_schedules, methods=["GET"], response_model=list[ScheduleOut]
    )
    r.add_api_route("/audits-due", audits_due, methods=["GET"], response_model=DueOut)
    for method, handler in (("GET", get_schedule), ("PUT", put_schedule)):
        r.add_api_route(
            "/locations/{code:path}/audit-schedule",
            handler,
            methods=[method],
            response_model=ScheduleOut,
        )
    r.add_api_route(
        "/locations/{code:path}/audit-schedule",
        delete_schedule,
        methods=["DELETE"],
        status_code=204,
        response_class=Response,
    )
    for fmt, report in (("csv", report_csv), ("pdf", report_pdf)):
        r.add_api_route(
            f"/audits/{{audit_id}}/report.{fmt}",
            report,
            methods=["GET"],
            response_class=Response,
            responses={200: {"content": {MEDIA[fmt]: {}}}},
        )
    # Before the register's /locations/{code:path}, which would otherwise take this path.
    r.add_api_route(
        "/locations/{code:path}/expected",
        location_expected,
        methods=["GET"],
        response_class=Response,
        responses={200: {"model": ExpectedOut}},
    )
    r.add_api_route(
        "/identities",
        identities,
        methods=["GET"],
        response_class=Response,
        responses={200: {"model": IdentitiesOut}},
    )
    return r


def _json(body: dict[str, Any]) -> Response:
    # Built directly: validating 100,000 rows through a response model costs more than the
    # queries; the models above document the shape in the OpenAPI.
    with paused_gc():
        text = json.dumps(body, separators=(",", ":"), default=str)
    return Response(text, media_type="application/json")


def open_audit(body: AuditIn, session: SessionDep, user: AuditorDep) -> AuditOut:
    """Open an audit (admin or auditor): its expected list is frozen now; 404 for an unknown
    location. Events carrying its `id` as `audit_id` belong to it."""
    req = core.OpenRequest(
        body.location, body.include_sublocations, body.include_fixed_readers, body.note
    )
    audit = core.open_audit(session, req, user.name, core.utcnow())
    return audit_out(audit, core.location_code(session, audit))


def list_audits(
    session: SessionDep,
    _user: ViewerDep,
    status: Literal["open", "closed"] | None = None,
    location: Annotated[str | None, Query(max_length=128)] = None,
    asset: Annotated[str | None, Query(max_length=128)] = None,
) -> list[AuditOut]:
    """Audits, newest first; closed ones carry their result's counts. `asset` keeps the audits
    that asset took part in (expected by it or read in it)."""
    return [
        audit_out(a, core.location_code(session, a), results.stored_counts(session, a))
        for a in core.list_audits(session, status, location, asset)
    ]


def get_audit(audit_id: str, session: SessionDep, _user: ViewerDep) -> AuditOut:
    """One audit with its counts (live while open)."""
    audit = core.get_audit(session, audit_id)
    counts = results.result(session, audit, core.utcnow()).counts()
    return audit_out(audit, core.location_code(session, audit), counts)


def close_audit(audit_id: str, session: SessionDep, user: AuditorDep) -> AuditOut:
    """Close an audit (admin or auditor): its result is frozen; later events carrying its id
    are kept as history only. 409 if already closed."""
    audit = core.close_audit(session, audit_id, user.name, core.utcnow())
    return audit_out(
        audit, core.location_code(session, audit), results.stored_counts(session, audit)
    )


def audit_expected(audit_id: str, session: SessionDep, _who: DeviceOrViewerDep) -> Response:
    """What the audit expects (frozen at open), with every identity key, for a handheld to
    take offline. Devices may read it too."""
    return _json(results.expected_of(session, core.get_audit(session, audit_id)))


def reconciliation(audit_id: str, session: SessionDep, _user: ViewerDep) -> Response:
    """found / missing / unexpected / unknown_codes (contract 2.3), plus relocated and weak
    rows, counts and each row's evidence (device, operator, time, location)."""
    audit = core.get_audit(session, audit_id)
    with paused_gc():  # 100,000s of small dicts; see shared.audits.paused_gc
        body = results.result(session, audit, core.utcnow()).to_json()
    body["resolutions"] = [
        resolutions.resolution_out(r).model_dump(mode="json")
        for r in resolutions.list_resolutions(session, audit_id)
        if r.undone_at is None
    ]
    return _json({"audit_id": audit.id, "status": audit.status, **body})


def resolve_one(
    audit_id: str, body: ResolutionIn, session: SessionDep, user: AuditorDep
) -> ResolutionOut:
    """Resolve one row of an open audit (admin or auditor); logged with who, when and why,
    undoable until the audit closes. 409 when the row is not in a category the action fits."""
    done = resolutions.resolve(session, audit_id, [body], user.name, core.utcnow())
    return resolutions.resolution_out(done[0])


def resolve_bulk(
    audit_id: str, body: BulkResolutionIn, session: SessionDep, user: AuditorDep
) -> list[ResolutionOut]:
    """Resolve many rows at once: all are applied, or none (the first failure is the answer)."""
    done = resolutions.resolve(session, audit_id, body.items, user.name, core.utcnow())
    return [resolutions.resolution_out(r) for r in done]


def list_resolutions(audit_id: str, session: SessionDep, _user: ViewerDep) -> list[ResolutionOut]:
    """Every resolution of the audit, oldest first, undone ones included."""
    return [resolutions.resolution_out(r) for r in resolutions.list_resolutions(session, audit_id)]


def undo_resolution(
    audit_id: str, resolution_id: int, session: SessionDep, user: AuditorDep
) -> ResolutionOut:
    """Undo a resolution while the audit is open: the register goes back as it was."""
    row = resolutions.undo(session, audit_id, resolution_id, user.name, core.utcnow())
    return resolutions.resolution_out(row)


def location_expected(
    code: str,
    session: SessionDep,
    _who: DeviceOrViewerDep,
    include_sublocations: bool = True,
) -> Response:
    """The assets expected at a location now (last-known location, else home), with every
    identity key: the list a handheld downloads before auditing offline. Devices may read it."""
    return _json(exp.expected_now(session, code, include_sublocations, core.utcnow()))


def identities(session: SessionDep, _who: DeviceOrViewerDep) -> Response:
    """Every registered key -> asset tag, name, status, last-known and home location: what a
    handheld needs offline to tell an unexpected asset from an unknown code."""
    rows = exp.identities(session)
    return _json({"as_of": core.utcnow().isoformat(), "count": len(rows), "identities": rows})


def list_schedules(
    session: SessionDep,
    _user: ViewerDep,
    state: Literal["ok", "due", "overdue"] | None = None,
    within_days: Annotated[int, Query(ge=0, le=3660)] = schedules.DUE_WITHIN_DAYS,
) -> list[ScheduleOut]:
    """Every location's audit schedule with its last audit date and result, next due date and
    state (due: within `within_days` of it; overdue: past it); `state` filters."""
    rows = schedules.schedules(session, core.utcnow().date(), within_days=within_days)
    return [s for s in rows if state is None or s.state == state]


def audits_due(
    session: SessionDep,
    _user: ViewerDep,
    within_days: Annotated[int, Query(ge=0, le=3660)] = schedules.DUE_WITHIN_DAYS,
) -> DueOut:
    """The locations whose audit is due soon and those overdue, and the audits now open."""
    rows = schedules.schedules(session, core.utcnow().date(), within_days=within_days)
    opened = core.list_audits(session, "open")
    return DueOut(
        due=[s for s in rows if s.state == "due"],
        overdue=[s for s in rows if s.state == "overdue"],
        open=[audit_out(a, core.location_code(session, a)) for a in opened],
    )


def get_schedule(code: str, session: SessionDep, _user: ViewerDep) -> ScheduleOut:
    """A location's audit schedule with its last audit date and result; 404 if none."""
    return schedules.get_schedule(session, code, core.utcnow().date())


def put_schedule(code: str, body: ScheduleIn, session: SessionDep, user: AdminDep) -> ScheduleOut:
    """Audit this location every `every_days` days (admin)."""
    return schedules.set_schedule(session, code, body, user.name, core.utcnow())


def delete_schedule(code: str, session: SessionDep, _user: AdminDep) -> Response:
    """Stop scheduling audits of this location (admin)."""
    schedules.delete_schedule(session, code)
    return Response(status_code=204)


MEDIA = {"csv": "text/csv; charset=utf-8", "pdf": "application/pdf"}


def _report(session: SessionDep, audit_id: str) -> reports.Report:
    audit = core.get_audit(session, audit_id)
    result = results.result(session, audit, core.utcnow())
    out = audit_out(audit, core.location_code(session, audit), result.counts())
    return reports.Report(out, result, resolutions.in_force(session, audit_id))


def _download(body: bytes | str, fmt: str, audit_id: str) -> Response:
    name = f"audit-{audit_id}.{fmt}".replace('"', "")
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    return Response(body, media_type=MEDIA[fmt], headers=headers)


def report_csv(audit_id: str, session: SessionDep, _user: ViewerDep) -> Response:
    """The audit's report as CSV: the audit, summary counts, then every row of every category
    with its evidence (device, operator, time, location) and resolution."""
    return _download(reports.to_csv(_report(session, audit_id)), "csv", audit_id)


def report_pdf(audit_id: str, session: SessionDep, _user: ViewerDep) -> Response:
    """The audit's report as PDF: the same as the CSV, at most 2,000 rows per category."""
    return _download(reports.to_pdf(_report(session, audit_id)), "pdf", audit_id)
