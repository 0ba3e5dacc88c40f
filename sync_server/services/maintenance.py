"""Maintenance: plans per asset (every N days, every N units of recorded use, every N
sightings), work orders with parts, cost, downtime and who did them, and the due and overdue
lists. When a plan is due is decided by `maintenance.due` (pure); this module reads and writes.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlalchemy import func
from sqlmodel import Session, col, delete, select

from sync_server.maintenance.due import Due, plan_due
from sync_server.models import Asset, Event, MaintenancePlan, WorkOrder, WorkOrderPart
from sync_server.money.depreciation import DepreciationError, Usage, units_by_date
from sync_server.services import InvalidInput, NotFound
from sync_server.services.money.register import usage_by_asset
from sync_server.services.registry import get_asset

Text = Annotated[str, Field(min_length=1, max_length=256)]
Money = Annotated[Decimal, Field(ge=0, lt=10**12, decimal_places=2)]
CENT = Decimal("0.01")


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class PlanIn(_In):
    """A plan: exactly one of `every_days`, `every_units` (recorded use) or `every_sightings`."""

    name: Text
    every_days: Annotated[int, Field(ge=1, le=36_500)] | None = None
    every_units: Annotated[Decimal, Field(gt=0, lt=10**12, decimal_places=2)] | None = None
    every_sightings: Annotated[int, Field(ge=1, le=10**9)] | None = None
    start_date: date | None = None

    @model_validator(mode="after")
    def _one_interval(self) -> PlanIn:
        given = [self.every_days, self.every_units, self.every_sightings]
        if sum(v is not None for v in given) != 1:
            raise ValueError("give exactly one of every_days, every_units, every_sightings")
        return self


class PartIn(_In):
    """A part used: name, quantity and unit cost."""

    name: Text
    quantity: Annotated[Decimal, Field(gt=0, lt=10**12, decimal_places=2)]
    unit_cost: Money


class WorkOrderPatch(_In):
    """Fields of a work order to change; `parts` replaces the list, `completed_on` closes it."""

    title: Text | None = None
    status: Literal["open", "done"] | None = None
    opened_on: date | None = None
    completed_on: date | None = None
    performed_by: Text | None = None
    parts: Annotated[list[PartIn], Field(max_length=500)] | None = None
    labour_cost: Money | None = None
    downtime_hours: Annotated[Decimal, Field(ge=0, lt=10**8, decimal_places=2)] | None = None
    notes: Annotated[str, Field(max_length=10_000)] | None = None


class WorkOrderIn(WorkOrderPatch):
    """A new work order, for a plan of the same asset (`plan_id`) or not."""

    title: Text
    plan_id: int | None = None


class PlanOut(BaseModel):
    """A plan with its state today."""

    id: int
    asset_tag: str
    name: str
    kind: str
    every: str
    start_date: date
    active: bool
    status: str
    since: date
    due_on: date | None
    remaining: str | None


class PartOut(BaseModel):
    """A part with its line cost."""

    name: str
    quantity: str
    unit_cost: str
    cost: str


class WorkOrderOut(BaseModel):
    """A work order with its costs (parts + labour) and downtime."""

    id: int
    asset_tag: str
    plan_id: int | None
    title: str
    status: str
    opened_on: date
    completed_on: date | None
    performed_by: str | None
    parts: list[PartOut]
    parts_cost: str
    labour_cost: str
    total_cost: str
    downtime_hours: str | None
    notes: str | None


class MaintenanceOut(BaseModel):
    """An asset's plans (with their state) and work orders, newest first."""

    asset_tag: str
    plans: list[PlanOut]
    work_orders: list[WorkOrderOut]


class DueListOut(BaseModel):
    """Every active plan that is overdue, due today (or used up) or due soon."""

    today: date
    overdue: list[PlanOut]
    due: list[PlanOut]
    due_soon: list[PlanOut]


def _s(value: Decimal | None) -> str | None:
    return None if value is None else str(value.quantize(CENT))


def _plain(value: Decimal | None) -> str | None:
    if value is None:
        return None
    return str(int(value)) if value == value.to_integral_value() else str(value.quantize(CENT))


def create_plan(session: Session, asset_tag: str, data: PlanIn, today: date) -> PlanOut:
    """Add a plan to `asset_tag`, counting from `start_date` (default today)."""
    asset = get_asset(session, asset_tag)
    assert asset.id is not None
    kind = "time" if data.every_days else "usage" if data.every_units else "sightings"
    plan = MaintenancePlan(
        asset_id=asset.id, name=data.name, kind=kind, every_days=data.every_days,
        every_units=data.every_units, every_sightings=data.every_sightings,
        start_date=data.start_date or today, created_at=datetime.now(UTC),
    )  # fmt: skip
    session.add(plan)
    session.flush()
    return _plans_out(session, [plan], {asset.id: asset.asset_tag}, today)[0]


def _last_done(session: Session, plan_ids: Sequence[int]) -> dict[int, date]:
    if not plan_ids:
        return {}
    rows = session.exec(
        select(WorkOrder.plan_id, func.max(WorkOrder.completed_on))
        .where(col(WorkOrder.plan_id).in_(plan_ids), col(WorkOrder.completed_on).is_not(None))
        .group_by(col(WorkOrder.plan_id))
    ).all()
    return {pid: done for pid, done in rows if pid is not None and done is not None}


def _state(
    session: Session, plan: MaintenancePlan, since: date, today: date, usage: Sequence[Usage],
    within_days: int,
) -> Due:  # fmt: skip
    if plan.kind == "time":
        return plan_due(
            "time", Decimal(plan.every_days or 0), since, today, within_days=within_days
        )
    if plan.kind == "usage":
        try:
            used = sum((u for on, u in units_by_date(usage, since) if on > since), Fraction(0))
        except DepreciationError:
            used = Fraction(0)
        units = Decimal(used.numerator) / Decimal(used.denominator)  # hundredths: exact
        return plan_due("usage", plan.every_units or Decimal(0), since, today, units)
    after = datetime.combine(since + timedelta(days=1), time(), tzinfo=UTC)
    seen = session.exec(
        select(func.count())
        .select_from(Event)
        .where(Event.asset_id == plan.asset_id, Event.type == "sighting", Event.event_time >= after)
    ).one()
    return plan_due("sightings", Decimal(plan.every_sightings or 0), since, today, Decimal(seen))


def _plans_out(
    session: Session, plans: Sequence[MaintenancePlan], tags: dict[int, str], today: date,
    within_days: int = 14,
) -> list[PlanOut]:  # fmt: skip
    done = _last_done(session, [p.id for p in plans if p.id is not None])
    usage = usage_by_asset(session, {p.asset_id for p in plans if p.kind == "usage"})
    out = []
    for p in plans:
        assert p.id is not None
        since = max(p.start_date, done.get(p.id, p.start_date))
        state = _state(session, p, since, today, usage.get(p.asset_id, []), within_days)
        every = (
            p.every_days
            if p.kind == "time"
            else p.every_units
            if p.kind == "usage"
            else p.every_sightings
        )
        out.append(
            PlanOut(
                id=p.id, asset_tag=tags[p.asset_id], name=p.name, kind=p.kind, every=str(every),
                start_date=p.start_date, active=p.active, status=state.status, since=state.since,
                due_on=state.due_on, remaining=_plain(state.remaining),
            )
        )  # fmt: skip
    return out


def _work_order_out(session: Session, wo: WorkOrder, asset_tag: str) -> WorkOrderOut:
    parts = session.exec(
        select(WorkOrderPart)
        .where(WorkOrderPart.work_order_id == wo.id)
        .order_by(col(WorkOrderPart.id))
    ).all()
    lines = [(p, (p.quantity * p.unit_cost).quantize(CENT)) for p in parts]
    parts_cost = sum((cost for _, cost in lines), Decimal("0.00"))
    labour = (wo.labour_cost or Decimal(0)).quantize(CENT)
    assert wo.id is not None
    return WorkOrderOut(
        id=wo.id, asset_tag=asset_tag, plan_id=wo.plan_id, title=wo.title, status=wo.status,
        opened_on=wo.opened_on, completed_on=wo.completed_on, performed_by=wo.performed_by,
        parts=[
            PartOut(name=p.name, quantity=str(p.quantity.quantize(CENT)),
                    unit_cost=str(p.unit_cost.quantize(CENT)), cost=str(cost))
            for p, cost in lines
        ],
        parts_cost=str(parts_cost), labour_cost=str(labour), total_cost=str(parts_cost + labour),
        downtime_hours=_s(wo.downtime_hours), notes=wo.notes,
    )  # fmt: skip


def _apply(session: Session, wo: WorkOrder, data: WorkOrderPatch) -> None:
    fields = data.model_dump(exclude_unset=True, exclude={"parts", "plan_id"})
    for name, value in fields.items():
        if value is not None or name in ("performed_by", "notes", "completed_on"):
            setattr(wo, name, value)
    if "completed_on" in fields and "status" not in fields:
        wo.status = "done" if wo.completed_on is not None else "open"
    if wo.status == "done" and wo.completed_on is None:
        raise InvalidInput("a done work order needs completed_on")
    if wo.completed_on is not None and wo.completed_on < wo.opened_on:
        raise InvalidInput("completed_on cannot be before opened_on")
    session.add(wo)
    session.flush()
    if data.parts is not None:
        session.exec(delete(WorkOrderPart).where(col(WorkOrderPart.work_order_id) == wo.id))
        assert wo.id is not None
        for part in data.parts:
            row = WorkOrderPart(
                work_order_id=wo.id, name=part.name, quantity=part.quantity,
                unit_cost=part.unit_cost,
            )  # fmt: skip
            session.add(row)
        session.flush()


def create_work_order(
    session: Session, asset_tag: str, data: WorkOrderIn, today: date
) -> WorkOrderOut:
    """Open (or record as done, with `completed_on`) a work order on `asset_tag`; a `plan_id`
    must be one of the asset's plans (422)."""
    asset = get_asset(session, asset_tag)
    assert asset.id is not None
    if data.plan_id is not None:
        plan = session.get(MaintenancePlan, data.plan_id)
        if plan is None or plan.asset_id != asset.id:
            raise InvalidInput(f"plan {data.plan_id} is not a plan of asset {asset_tag}")
    wo = WorkOrder(asset_id=asset.id, plan_id=data.plan_id, title=data.title,
                   opened_on=data.opened_on or today, created_at=datetime.now(UTC))  # fmt: skip
    _apply(session, wo, data)
    return _work_order_out(session, wo, asset.asset_tag)


def update_work_order(session: Session, work_order_id: int, data: WorkOrderPatch) -> WorkOrderOut:
    """Change a work order (404 if unknown)."""
    wo = session.get(WorkOrder, work_order_id)
    if wo is None:
        raise NotFound(f"no work order {work_order_id}")
    _apply(session, wo, data)
    asset = session.get(Asset, wo.asset_id)
    assert asset is not None
    return _work_order_out(session, wo, asset.asset_tag)


def asset_maintenance(session: Session, asset_tag: str, today: date) -> MaintenanceOut:
    """The asset's plans with their state and its work orders, newest first."""
    asset = get_asset(session, asset_tag)
    assert asset.id is not None
    plans = session.exec(
        select(MaintenancePlan)
        .where(MaintenancePlan.asset_id == asset.id)
        .order_by(col(MaintenancePlan.id))
    ).all()
    orders = session.exec(
        select(WorkOrder).where(WorkOrder.asset_id == asset.id)
        .order_by(col(WorkOrder.opened_on).desc(), col(WorkOrder.id).desc())
    ).all()  # fmt: skip
    tags = {asset.id: asset.asset_tag}
    return MaintenanceOut(
        asset_tag=asset.asset_tag,
        plans=_plans_out(session, list(plans), tags, today),
        work_orders=[_work_order_out(session, wo, asset.asset_tag) for wo in orders],
    )


def due_list(session: Session, today: date, within_days: int = 14) -> DueListOut:
    """Every active plan of an asset that is not retired or disposed, by state."""
    plans = session.exec(
        select(MaintenancePlan)
        .join(Asset, col(Asset.id) == col(MaintenancePlan.asset_id))
        .where(col(MaintenancePlan.active), col(Asset.status).not_in(("retired", "disposed")))
        .order_by(col(MaintenancePlan.id))
    ).all()
    rows = session.exec(
        select(Asset.id, Asset.asset_tag).where(col(Asset.id).in_({p.asset_id for p in plans}))
    ).all()
    tags = {int(i): tag for i, tag in rows if i is not None}
    out = DueListOut(today=today, overdue=[], due=[], due_soon=[])
    for plan in _plans_out(session, list(plans), tags, today, within_days):
        bucket = {"overdue": out.overdue, "due": out.due, "due_soon": out.due_soon}
        if plan.status in bucket:
            bucket[plan.status].append(plan)
    return out
