"""The station file (contract section 4), parsed once in `main` and passed in."""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from shared.wire import DEVICE_ID_PATTERN


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Timing(_Frozen):
    """RFID aggregation and portal timing; every field may be overridden per source."""

    dwell_s: float | None = Field(default=None, gt=0)
    max_window_s: float | None = Field(default=None, gt=0)
    still_here_s: float | None = Field(default=None, gt=0)
    crossing_s: float | None = Field(default=None, gt=0)
    rssi_floor: float | None = None
    weak_rssi_dbm: float | None = None
    weak_read_fraction: float | None = Field(default=None, gt=0, le=1)


class StationSection(Timing):
    """The `[station]` table."""

    device_id: str = Field(pattern=DEVICE_ID_PATTERN)
    server: str
    token_file: str | None = None
    queue: str = "var/queue.db"
    read_point: str | None = None
    location: str | None = None
    location_prefix: str = "LOC:"
    person_prefix: str = "EMP:"
    command_prefix: str = "CMD:"
    mode_timeout_s: float = Field(default=120.0, gt=0)
    queue_budget_mb: float = Field(default=512.0, gt=0)
    batch_size: int = Field(default=500, ge=1, le=1000)
    sync_interval_s: float = Field(default=1.0, gt=0)


class AuditSection(_Frozen):
    """The `[audit]` table: how `scanstation audit` (the handheld screen) works."""

    cache: str = "var/cache.db"
    log: str = "var/audit.log"
    undo_window_s: float = Field(default=5.0, ge=0)
    download_timeout_s: float = Field(default=3.0, gt=0)
    refresh_s: float = Field(default=300.0, gt=0)
    prefetch: list[str] = []


class SourceConfig(Timing):
    """One `[[sources]]` entry: a device and where it is attached."""

    profile: str
    name: str | None = None
    port: str | None = None
    camera: int | str | None = None
    device: str | None = None
    antennas: dict[int, Literal["in", "out"]] = {}


class StationConfig(_Frozen):
    """A whole station file. Relative paths are relative to the file's folder."""

    station: StationSection
    sources: list[SourceConfig] = []
    audit: AuditSection = AuditSection()
    base_dir: Path = Path()

    def path(self, value: str) -> Path:
        """`value` resolved against the station file's folder."""
        p = Path(value)
        return p if p.is_absolute() else self.base_dir / p

    def token(self) -> str:
        """The device token: `SCANSTATION_DEVICE_TOKEN`, else the first line of `token_file`."""
        env = os.environ.get("SCANSTATION_DEVICE_TOKEN")
        if env:
            return env.strip()
        if not self.station.token_file:
            raise StationFileError("no device token: set token_file or SCANSTATION_DEVICE_TOKEN")
        try:
            return self.path(self.station.token_file).read_text().strip()
        except OSError as err:
            raise StationFileError(f"cannot read token_file: {err}") from err


class StationFileError(Exception):
    """A station file that cannot be read or does not match the contract."""


def load_station(path: Path) -> StationConfig:
    """Parse a station file; errors name the file and the field."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        return StationConfig.model_validate({**data, "base_dir": path.parent.resolve()})
    except (OSError, tomllib.TOMLDecodeError, ValidationError) as err:
        raise StationFileError(f"{path}: {err}") from err
