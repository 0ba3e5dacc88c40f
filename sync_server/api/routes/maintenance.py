"""Maintenance: plans and work orders per asset, and the due and overdue lists."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query

from sync_server.api.deps import AdminDep, SessionDep, ViewerDep
from sync_server.services import maintenance
from sync_server.services.maintenance import (
    DueListOut,
    MaintenanceOut,
    PlanIn,
    PlanOut,
    WorkOrderIn,
    WorkOrderOut,
    WorkOrderPatch,
)

Today = Annotated[date | None, Query(description="the day to judge by (default: today, UTC)")]


def _today(today: date | None) -> date:
    return today or datetime.now(UTC).date()


def build_router() -> APIRouter:
    """Maintenance routes; included before the assets router (its /assets/{tag} would match)."""
    r = APIRouter(prefix="/api/v1", tags=["maintenance"])
    r.add_api_route(
        "/assets/{asset_tag:path}/maintenance-plans", add_plan, methods=["POST"],
        response_model=PlanOut, status_code=201,
    )  # fmt: skip
    r.add_api_route(
        "/assets/{asset_tag:path}/work-orders", add_work_order, methods=["POST"],
        response_model=WorkOrderOut, status_code=201,
    )  # fmt: skip
    r.add_api_route(
        "/assets/{asset_tag:path}/maintenance", get_maintenance, methods=["GET"],
        response_model=MaintenanceOut,
    )  # fmt: skip
    r.add_api_route(
        "/work-orders/{work_order_id}", patch_work_order, methods=["PATCH"],
        response_model=WorkOrderOut,
    )  # fmt: skip
    r.add_api_route("/maintenance/due", due, methods=["GET"], response_model=DueListOut)
    return r


def add_plan(
    asset_tag: str, body: PlanIn, session: SessionDep, _user: AdminDep, today: Today = None
) -> PlanOut:
    """Plan maintenance every N days, every N units of recorded use, or every N sightings."""
    return maintenance.create_plan(session, asset_tag, body, _today(today))


def add_work_order(
    asset_tag: str, body: WorkOrderIn, session: SessionDep, _user: AdminDep, today: Today = None
) -> WorkOrderOut:
    """Open a work order (or record one done, with `completed_on`): parts, labour cost,
    downtime and who did it; one for a plan restarts that plan's interval when completed."""
    return maintenance.create_work_order(session, asset_tag, body, _today(today))


def patch_work_order(
    work_order_id: Annotated[int, Path(ge=1, le=2**62)],
    body: WorkOrderPatch,
    session: SessionDep,
    _user: AdminDep,
) -> WorkOrderOut:
    """Change or complete a work order."""
    return maintenance.update_work_order(session, work_order_id, body)


def get_maintenance(
    asset_tag: str, session: SessionDep, _user: ViewerDep, today: Today = None
) -> MaintenanceOut:
    """The asset's plans with their state (ok, due_soon, due, overdue) and its work orders."""
    return maintenance.asset_maintenance(session, asset_tag, _today(today))


def due(
    session: SessionDep,
    _user: ViewerDep,
    today: Today = None,
    within_days: Annotated[int, Query(ge=0, le=3650)] = 14,
) -> DueListOut:
    """Plans overdue, due, and due within `within_days` (or with 10 % of their use left)."""
    return maintenance.due_list(session, _today(today), within_days)
