"""Server settings: built once in `create_app` (or a command) and passed in, never at import."""

from __future__ import annotations

from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DB = "sqlite:///./var/scanstation.db"


class ServerSettings(BaseSettings):
    """Everything the sync server can be told; environment variables use `SCANSTATION_`."""

    model_config = SettingsConfigDict(env_prefix="SCANSTATION_", extra="ignore")

    db: str = DEFAULT_DB
    upgrade_schema: bool = True
    session_ttl_s: int = Field(default=12 * 3600, ge=60)
    login_max_failures: int = Field(default=5, ge=1)
    login_window_s: float = Field(default=300.0, gt=0)
    clock_tolerance_s: float = Field(default=30.0, gt=0)
    secure_cookies: bool = False
    # The register's depreciation convention (contract 2.5), for assets that set none.
    depreciation_convention: Literal["full_month", "mid_month", "half_year"] = "full_month"
