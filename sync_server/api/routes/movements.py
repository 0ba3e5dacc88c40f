"""The movement log of dock doors: crossings of portal read points, as JSON pages or CSV."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse
from sqlmodel import Session

from sync_server.api.deps import EngineDep, SessionDep, ViewerDep
from sync_server.services import movements
from sync_server.services.movements import Direction, MovementFilter, MovementPage

Code = Annotated[str | None, Query(min_length=1, max_length=256, pattern=r"^[^\x00]+$")]
CSV_MEDIA_TYPE = "text/csv; charset=utf-8"


def build_router() -> APIRouter:
    """GET /api/v1/movements (JSON) and /api/v1/movements.csv (the same filters, all rows)."""
    r = APIRouter(prefix="/api/v1", tags=["movements"])
    csv_doc = {200: {"content": {"text/csv": {}}, "description": "the movements as CSV"}}
    r.add_api_route(
        "/movements.csv",
        movements_csv,
        methods=["GET"],
        response_class=StreamingResponse,
        responses=csv_doc,  # type: ignore[arg-type]
    )
    r.add_api_route("/movements", list_movements, methods=["GET"], response_model=MovementPage)
    return r


def _filter(
    door: Code = None,
    direction: Direction | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    asset: Code = None,
) -> MovementFilter:
    return MovementFilter(door=door, direction=direction, since=since, until=until, asset=asset)


def list_movements(
    session: SessionDep,
    _user: ViewerDep,
    door: Code = None,
    direction: Direction | None = None,
    since: Annotated[datetime | None, Query(description="from this time (inclusive)")] = None,
    until: Annotated[datetime | None, Query(description="before this time")] = None,
    asset: Code = None,
    limit: Annotated[int, Query(ge=1, le=movements.MAX_PAGE)] = 100,
    offset: Annotated[int, Query(ge=0, le=2**31)] = 0,
) -> MovementPage:
    """Crossings of dock doors (read points with a direction), newest first: when, which
    door, in or out, which asset (or the unknown code) and where it went; with the total and
    the in/out counts of the filter. Times without a zone are UTC; 404 for an unknown asset."""
    f = _filter(door, direction, since, until, asset)
    return movements.list_movements(session, f, limit, offset)


def movements_csv(
    session: SessionDep,
    engine: EngineDep,
    _user: ViewerDep,
    door: Code = None,
    direction: Direction | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    asset: Code = None,
) -> StreamingResponse:
    """Every crossing the filters select, newest first, as CSV (columns: time, door,
    direction, asset_tag, asset_name, code, location, device_id, antenna, rssi, read_count)."""
    f = _filter(door, direction, since, until, asset)
    movements.check_filter(session, f)
    return csv_response(engine_rows(engine, f), "movements.csv")


def engine_rows(engine: EngineDep, f: MovementFilter) -> Iterator[str]:
    """The CSV text of `f`, read on a session of its own while the response streams."""
    with Session(engine) as session:
        yield from movements.csv_lines(movements.iter_movements(session, f))


def csv_response(lines: Iterator[str], filename: str) -> StreamingResponse:
    """A CSV download named `filename`."""
    headers = {"Content-Disposition": f'attachment; filename="{filename}"'}
    return StreamingResponse(lines, media_type=CSV_MEDIA_TYPE, headers=headers)
