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
    # Failed sign-ins per window: per account at one address, per account from anywhere,
    # and per address over all accounts (much higher: many people may share one address).
    login_max_failures: int = Field(default=5, ge=1)
    login_max_failures_account: int = Field(default=20, ge=1)
    login_max_failures_address: int = Field(default=100, ge=1)
    login_window_s: float = Field(default=300.0, gt=0)
    # Password checks (argon2: CPU and 64 MiB each) run on at most this many threads at once.
    password_workers: int = Field(default=2, ge=1)
    # argon2id cost of new password hashes (older hashes are upgraded at sign-in).
    password_time_cost: int = Field(default=3, ge=1)
    password_memory_kib: int = Field(default=65536, ge=1024)
    clock_tolerance_s: float = Field(default=30.0, gt=0)
    secure_cookies: bool = False
    # The register's depreciation convention (contract 2.5), for assets that set none.
    depreciation_convention: Literal["full_month", "mid_month", "half_year"] = "full_month"
    # The GS1 company prefix GIAIs are allocated under for labels (GS1 DataMatrix, RFID).
    gs1_company_prefix: str | None = Field(default=None, pattern=r"^[0-9]{6,12}$")
    # Served over HTTPS (TLS here or at a proxy): every cookie is Secure and HSTS is sent.
    # A request that arrives as https (TLS, or a trusted proxy's X-Forwarded-Proto) counts too.
    https: bool = False
