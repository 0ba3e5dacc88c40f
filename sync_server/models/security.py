"""Security bookkeeping shared by every server process: sign-in throttling counters and the
secret that binds the sign-in form to its pre-session."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column
from sqlmodel import Field, SQLModel

from sync_server.db_types import UTCDateTime


class LoginThrottle(SQLModel, table=True):
    """Charged sign-in attempts under one key (an account, an account at an address, or an
    address) in the window that started at `window_start`. Kept in the database so that
    several server processes share one count."""

    key: str = Field(primary_key=True, max_length=256)
    failures: int = 0
    window_start: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    locked_until: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    # When the row can be forgotten: the window's end, or the lockout's end if later.
    expires_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False, index=True))


class ServerSecret(SQLModel, table=True):
    """A random secret shared by every server process (made once, on first start)."""

    name: str = Field(primary_key=True, max_length=64)
    value: str = Field(max_length=128)
