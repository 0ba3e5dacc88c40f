"""Maintenance tables: plans per asset (by time, by use, by sightings) and work orders with
their parts."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Column, Numeric
from sqlmodel import Field, SQLModel

from sync_server.db_types import UTCDateTime


class MaintenancePlan(SQLModel, table=True):
    """Service an asset every `every_days`, every `every_units` of recorded use, or every
    `every_sightings` sightings, counted from `start_date` or the plan's last work order."""

    __tablename__ = "maintenance_plan"
    id: int | None = Field(default=None, primary_key=True)
    asset_id: int = Field(foreign_key="asset.id", index=True)
    name: str = Field(max_length=256)
    kind: str = Field(max_length=16)
    every_days: int | None = None
    every_units: Decimal | None = Field(default=None, sa_column=Column(Numeric(14, 2)))
    every_sightings: int | None = None
    start_date: date
    active: bool = True
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class WorkOrder(SQLModel, table=True):
    """Work done (or to do) on an asset, for a plan or not: who, when, cost and downtime."""

    __tablename__ = "work_order"
    id: int | None = Field(default=None, primary_key=True)
    asset_id: int = Field(foreign_key="asset.id", index=True)
    plan_id: int | None = Field(default=None, foreign_key="maintenance_plan.id", index=True)
    title: str = Field(max_length=256)
    status: str = Field(default="open", max_length=16)
    opened_on: date
    completed_on: date | None = None
    performed_by: str | None = Field(default=None, max_length=256)
    labour_cost: Decimal | None = Field(default=None, sa_column=Column(Numeric(14, 2)))
    downtime_hours: Decimal | None = Field(default=None, sa_column=Column(Numeric(10, 2)))
    notes: str | None = None
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class WorkOrderPart(SQLModel, table=True):
    """A part used by a work order."""

    __tablename__ = "work_order_part"
    id: int | None = Field(default=None, primary_key=True)
    work_order_id: int = Field(foreign_key="work_order.id", index=True)
    name: str = Field(max_length=256)
    quantity: Decimal = Field(sa_column=Column(Numeric(14, 2), nullable=False))
    unit_cost: Decimal = Field(sa_column=Column(Numeric(14, 2), nullable=False))
