"""EPCIS 2.0 export (contract 2.4) and the portal business-step setting it uses."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, ConfigDict

from sync_server.api.deps import AdminDep, SessionDep, ViewerDep
from sync_server.models import Event
from sync_server.services.audits import core
from sync_server.services.interchange import epcis

Limit = Annotated[int, Query(ge=1, le=epcis.MAX_EVENTS)]
MEDIA = "application/ld+json"


class StepsIn(BaseModel):
    """The CBV business steps a portal's crossings map to in EPCIS."""

    model_config = ConfigDict(extra="forbid")
    inbound: Literal["arriving", "receiving"] = "arriving"
    outbound: Literal["departing", "shipping"] = "departing"


class StepsOut(StepsIn):
    """A portal's business steps."""

    read_point: str


def build_router() -> APIRouter:
    """Routes under /api/v1 for EPCIS."""
    r = APIRouter(prefix="/api/v1", tags=["interchange"])
    doc: dict[int | str, dict[str, Any]] = {
        200: {"content": {MEDIA: {}}, "description": "an EPCIS 2.0 EPCISDocument"}
    }
    r.add_api_route(
        "/epcis/events", events, methods=["GET"], response_class=Response, responses=doc
    )
    r.add_api_route(
        "/audits/{audit_id}/epcis",
        audit_events,
        methods=["GET"],
        response_class=Response,
        responses=doc,
    )
    r.add_api_route(
        "/read-points/{code:path}/epcis-steps", get_steps, methods=["GET"], response_model=StepsOut
    )
    r.add_api_route(
        "/read-points/{code:path}/epcis-steps", put_steps, methods=["PUT"], response_model=StepsOut
    )
    return r


def _utc(t: datetime | None) -> datetime | None:
    if t is None or t.tzinfo is not None:
        return t
    return t.replace(tzinfo=UTC)


def _doc(body: dict[str, Any]) -> Response:
    return Response(json.dumps(body, separators=(",", ":")), media_type=MEDIA)


def events(
    session: SessionDep,
    _user: ViewerDep,
    asset: Annotated[str | None, Query(max_length=128)] = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: Limit = epcis.MAX_EVENTS,
) -> Response:
    """The movement history as an EPCIS 2.0 JSON-LD EPCISDocument (ObjectEvents, oldest
    first), optionally of one asset and between two event times (a time without an offset is
    UTC). Weak RFID reads and unknown codes are left out; the CBV mapping is in docs/epcis.md."""
    body = epcis.movements(session, asset, _utc(since), _utc(until), core.utcnow(), limit)
    return _doc(body)


def audit_events(audit_id: str, session: SessionDep, _user: ViewerDep) -> Response:
    """An audit's sightings as an EPCIS 2.0 EPCISDocument (bizStep inventorying)."""
    audit = core.get_audit(session, audit_id)
    where = [Event.__table__.c.audit_id == audit.id]  # type: ignore[attr-defined]
    return _doc(epcis.document(session, where, core.utcnow(), epcis.MAX_EVENTS))


def get_steps(code: str, session: SessionDep, _user: ViewerDep) -> StepsOut:
    """The business steps of a portal's crossings (arriving/departing unless set)."""
    inbound, outbound = epcis.get_steps(session, code)
    return StepsOut(read_point=code, inbound=inbound, outbound=outbound)


def put_steps(code: str, body: StepsIn, session: SessionDep, _user: AdminDep) -> StepsOut:
    """Set a portal's business steps: receiving/shipping where crossings are goods receipt and
    dispatch, arriving/departing otherwise (admin)."""
    inbound, outbound = epcis.set_steps(session, code, body.inbound, body.outbound)
    return StepsOut(read_point=code, inbound=inbound, outbound=outbound)
