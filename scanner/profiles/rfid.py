"""Profile section for UHF RFID readers."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class RfidSettings(BaseModel):
    """Protocol family, region, power range and antenna ports of a reader."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    protocol: Literal["mercury", "r2000", "chafon"]
    region: str
    antennas: int = Field(ge=1, le=16)
    min_power_dbm: float
    max_power_dbm: float
    power_dbm: float
    rssi_floor: float | None = None
