"""Interchange settings: which CBV business steps a portal's crossings map to in EPCIS."""

from __future__ import annotations

from sqlmodel import Field, SQLModel


class ReadPointSteps(SQLModel, table=True):
    """A portal's CBV business steps for crossings: inbound `arriving` or `receiving`,
    outbound `departing` or `shipping` (docs/epcis.md)."""

    read_point_id: int = Field(primary_key=True, foreign_key="readpoint.id")
    inbound: str = Field(default="arriving", max_length=16)
    outbound: str = Field(default="departing", max_length=16)
