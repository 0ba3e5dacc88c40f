"""Profile section for UHF RFID readers."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator


class RfidSettings(BaseModel):
    """Protocol family, region, power range, antenna ports and link timing of a reader."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    protocol: Literal["mercury", "r2000", "chafon"]
    region: str
    antennas: int = Field(ge=1, le=16, description="antenna ports on the reader")
    min_power_dbm: float
    max_power_dbm: float
    power_dbm: float
    rssi_floor: float | None = None
    weak_rssi_dbm: float | None = Field(
        default=None,
        description="audit sweep: a tag whose peak RSSI stays below this (and read rarely) is weak",
    )
    weak_read_fraction: float = Field(
        default=0.25,
        gt=0,
        le=1,
        description="audit sweep: 'rarely' = fewer reads than this fraction of the sweep's median",
    )
    antenna_ports: list[int] = Field(
        default=[], description="1-based ports to read, in order; empty = all ports"
    )
    baud_rates: list[int] = Field(default=[], description="rates the reader can be set to")
    default_baud: int | None = Field(default=None, description="the rate after power-on")
    power_step_db: float = Field(default=1.0, gt=0, description="power resolution")
    address: int = Field(default=0xFF, ge=0, le=0xFF, description="bus address; 0xFF broadcast")
    session: int | None = Field(default=None, ge=0, le=3, description="Gen2 session")
    q: int | None = Field(default=None, ge=0, le=15, description="Gen2 initial Q")
    inventory_repeat: int = Field(default=1, ge=1, le=255, description="R2000 0x89 rounds")
    response_timeout_s: float = Field(default=1.0, gt=0, description="per-command answer wait")
    stream_timeout_s: float = Field(
        default=5.0, gt=0, description="silence while reading after which the reader is re-probed"
    )

    @model_validator(mode="after")
    def _check_ranges(self) -> RfidSettings:
        if not self.min_power_dbm <= self.power_dbm <= self.max_power_dbm:
            raise ValueError("power_dbm must lie within min_power_dbm..max_power_dbm")
        bad = [p for p in self.antenna_ports if not 1 <= p <= self.antennas]
        if bad:
            raise ValueError(f"antenna_ports {bad} outside 1..{self.antennas}")
        return self

    def ports(self) -> list[int]:
        """The 1-based antenna ports to read, in order."""
        return list(self.antenna_ports) or list(range(1, self.antennas + 1))
