"""`POST /api/v1/imports/assets`: the asset import of `scanstation import assets` over HTTP,
so a register can go into a running server (the demo's, say) rather than a database file."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request

from sync_server.api.deps import AdminDep, SessionDep
from sync_server.services.importer import import_csv

IMPORT_PATH = "/api/v1/imports/assets"
MAX_IMPORT_BYTES = 64 * 1024 * 1024  # a 200,000-asset Snipe-IT export fits


def build_router() -> APIRouter:
    """The import route."""
    r = APIRouter(tags=["import"])
    r.add_api_route(
        IMPORT_PATH,
        import_assets,
        methods=["POST"],
        responses={422: {"description": "bad rows: `detail` lists each with its line"}},
    )
    return r


async def import_assets(request: Request, session: SessionDep, user: AdminDep) -> Any:
    """Import an asset register CSV sent as the request body (contract 5 columns; Snipe-IT's
    export as it is). All or nothing: any bad row is a 422 whose `detail` lists every bad row
    as `{"line", "error"}` and nothing is written. On success answers the summary: `created`,
    `updated`, where each column went (`columns`), status labels mapped (`statuses`),
    `checkouts` recorded for `Checked Out To`, people and locations created, custom values
    kept. Admin only."""
    data = await request.body()
    return import_csv(session, data, datetime.now(UTC), operator=user.name).to_json()
