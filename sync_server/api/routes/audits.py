"""Audits (contract 2.3 and the extensions in docs/audits.md): open, close, the expected
lists a handheld takes offline, the reconciliation. Thin: each route calls the services."""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response

from sync_server.api.deps import AuditorDep, DeviceOrViewerDep, SessionDep, ViewerDep
from sync_server.services.audits import core, results
from sync_server.services.audits import expected as exp
from sync_server.services.audits.schemas import (
    AuditIn,
    AuditOut,
    ExpectedOut,
    IdentitiesOut,
    ReconciliationOut,
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
) -> list[AuditOut]:
    """Audits, newest first; closed ones carry their result's counts."""
    return [
        audit_out(a, core.location_code(session, a), results.stored_counts(session, a))
        for a in core.list_audits(session, status, location)
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
    body = results.result(session, audit, core.utcnow()).to_json()
    return _json({"audit_id": audit.id, "status": audit.status, **body})


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
