"""Asset labels: PDF sheets and rolls, or ZPL (with RFID encoding) for Zebra printers."""

from __future__ import annotations

from fastapi import APIRouter, Response

from sync_server.api.deps import AdminDep, SessionDep, SettingsDep
from sync_server.services.labels import LabelsIn, render_labels


def build_router() -> APIRouter:
    """The labels route."""
    r = APIRouter(prefix="/api/v1", tags=["labels"])
    r.add_api_route(
        "/labels",
        labels,
        methods=["POST"],
        response_class=Response,
        responses={200: {"content": {"application/pdf": {}, "text/plain": {}}}},
    )
    return r


def labels(body: LabelsIn, session: SessionDep, settings: SettingsDep, _user: AdminDep) -> Response:
    """Labels for the assets named in `assets`, or matched by `q`/`location`/`category`/
    `status`: Code 128 or QR of the asset tag, or GS1 DataMatrix of (8004) GIAI, with the tag,
    name and home location in text, on Avery L7160 / 5160 sheets or roll labels (PDF), or as
    ZPL; `rfid` (ZPL) writes the asset's GIAI-96 EPC with ^RFW. An asset without a GIAI gets
    one from SCANSTATION_GS1_COMPANY_PREFIX when the label needs it (admin only, so)."""
    content, media_type, count = render_labels(session, body, settings.gs1_company_prefix)
    suffix = "zpl" if body.format == "zpl" else "pdf"
    headers = {
        "Content-Disposition": f'attachment; filename="labels.{suffix}"',
        "X-Label-Count": str(count),
    }
    return Response(content, media_type=media_type, headers=headers)
