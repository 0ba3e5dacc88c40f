"""Where is it, who has it (contract 2.2): lookup, assets, history, identifiers."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from sync_server.api.deps import AdminDep, SessionDep, ViewerDep
from sync_server.services import registry, views
from sync_server.services.registry import AssetIn, AssetPatch, IdentifierIn
from sync_server.services.views import AssetOut, AssetPage, HistoryOut

Limit = Annotated[int, Query(ge=1, le=views.MAX_PAGE)]
Offset = Annotated[int, Query(ge=0, le=2**31)]


def build_router() -> APIRouter:
    """Routes under /api/v1 for assets and lookup."""
    r = APIRouter(prefix="/api/v1", tags=["assets"])
    r.add_api_route("/lookup", lookup, methods=["GET"], response_model=AssetOut)
    r.add_api_route("/assets", list_assets, methods=["GET"], response_model=AssetPage)
    r.add_api_route(
        "/assets", create_asset, methods=["POST"], response_model=AssetOut, status_code=201
    )
    # {asset_tag:path}: a tag may contain "/" (sent as %2F); the longer routes come first.
    r.add_api_route(
        "/assets/{asset_tag:path}/history", history, methods=["GET"], response_model=HistoryOut
    )
    r.add_api_route(
        "/assets/{asset_tag:path}/identifiers",
        add_identifier,
        methods=["POST"],
        response_model=AssetOut,
        status_code=201,
    )
    r.add_api_route("/assets/{asset_tag:path}", get_asset, methods=["GET"], response_model=AssetOut)
    r.add_api_route(
        "/assets/{asset_tag:path}", patch_asset, methods=["PATCH"], response_model=AssetOut
    )
    return r


def lookup(
    session: SessionDep,
    _user: ViewerDep,
    code: Annotated[str, Query(min_length=1, max_length=1024)],
    symbology: Annotated[str | None, Query(max_length=64)] = None,
) -> AssetOut:
    """The asset any scanned form of one of its identities names; 404 when none.

    An asset's identities are its asset tag (key `tag/<asset_tag>`: a Code 128 or QR label of
    the tag) and every identifier attached to it (barcode, EPC, GS1 key)."""
    return views.lookup(session, code, symbology)


def list_assets(
    session: SessionDep,
    _user: ViewerDep,
    q: Annotated[str | None, Query(max_length=256)] = None,
    location: Annotated[str | None, Query(max_length=256)] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> AssetPage:
    """Assets with last-known location and custodian; `q` searches tag and name."""
    return views.list_assets(session, q, limit, offset, location)


def get_asset(asset_tag: str, session: SessionDep, _user: ViewerDep) -> AssetOut:
    """One asset: where it is and who has it."""
    return views.asset_view(session, asset_tag)


def create_asset(body: AssetIn, session: SessionDep, _user: AdminDep) -> AssetOut:
    """Register an asset. Its tag becomes one of its identities (key `tag/<asset_tag>`), and
    `epc`/`barcode` become identifiers; each claims the earlier unknown-code events that carried
    it. 409 naming both assets if another asset holds the tag or a code; 422 for a tag with
    `/` (or ending in /history or /identifiers)."""
    row = registry.create_asset(session, body)
    return views.asset_view(session, row.asset_tag)


def patch_asset(asset_tag: str, body: AssetPatch, session: SessionDep, _user: AdminDep) -> AssetOut:
    """Change an asset; a new `asset_tag` renames it (the new tag becomes its identity and
    claims earlier scans of that text; the old tag stops identifying it)."""
    row = registry.update_asset(session, asset_tag, body)
    return views.asset_view(session, row.asset_tag)


def history(
    asset_tag: str,
    session: SessionDep,
    _user: ViewerDep,
    limit: Limit = 200,
    offset: Offset = 0,
) -> HistoryOut:
    """The asset's events, newest event time first."""
    return views.history(session, asset_tag, limit, offset)


def add_identifier(
    asset_tag: str, body: IdentifierIn, session: SessionDep, _user: AdminDep
) -> AssetOut:
    """Attach another scanned form; its past unknown-code events move to this asset."""
    asset = registry.get_asset(session, asset_tag)
    registry.attach_identifier(session, asset, body.code, body.symbology)
    return views.asset_view(session, asset_tag)
