"""What needs a person's attention: unknown codes and devices."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from sync_server.api.deps import SessionDep, ViewerDep
from sync_server.services import views
from sync_server.services.views import DeviceOut, UnknownCodePage


def build_router() -> APIRouter:
    """Routes for review lists."""
    r = APIRouter(prefix="/api/v1", tags=["review"])
    r.add_api_route(
        "/unknown-codes", unknown_codes, methods=["GET"], response_model=UnknownCodePage
    )
    r.add_api_route("/devices", devices, methods=["GET"], response_model=list[DeviceOut])
    return r


def unknown_codes(
    session: SessionDep,
    _user: ViewerDep,
    limit: Annotated[int, Query(ge=1, le=views.MAX_PAGE)] = 100,
    offset: Annotated[int, Query(ge=0, le=2**31)] = 0,
) -> UnknownCodePage:
    """Scanned codes that match no asset, with counts and first/last seen."""
    return views.unknown_codes(session, limit, offset)


def devices(session: SessionDep, _user: ViewerDep) -> list[DeviceOut]:
    """Every enrolled device with its last sync and queue lag."""
    return views.list_devices(session)
