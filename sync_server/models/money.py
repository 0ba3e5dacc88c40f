"""Money tables: recorded use of assets depreciated by units of production."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Column, Numeric
from sqlmodel import Field, SQLModel

from sync_server.db_types import UTCDateTime


class AssetUsage(SQLModel, table=True):
    """Use of an asset on a date: counted `units`, or a cumulative meter `reading`."""

    __tablename__ = "asset_usage"
    id: int | None = Field(default=None, primary_key=True)
    asset_id: int = Field(foreign_key="asset.id", index=True)
    used_on: date
    units: Decimal | None = Field(default=None, sa_column=Column(Numeric(14, 2)))
    reading: Decimal | None = Field(default=None, sa_column=Column(Numeric(14, 2)))
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
