"""Server fixtures: a real database (SQLite file or PostgreSQL) brought to head by Alembic."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.engine import Engine
from sqlmodel import Session

from sync_server.db import make_engine, upgrade_schema
from sync_server.main import create_app
from sync_server.services import auth
from sync_server.settings import ServerSettings


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    """An engine on a fresh database migrated to head."""
    upgrade_schema(db_url)
    eng = make_engine(db_url)
    yield eng
    eng.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    """A session on the migrated database; tests commit or flush as they need."""
    with Session(engine) as s:
        yield s


@dataclass
class Server:
    """A running app (lifespan entered) with an httpx client talking to it in-process."""

    app: FastAPI
    client: httpx.AsyncClient
    url: str

    @property
    def engine(self) -> Engine:
        engine: Engine = self.app.state.engine
        return engine

    def enroll(self, name: str = "dev-1", read_point: str | None = None) -> str:
        """Enroll a device and return its bearer token."""
        with Session(self.engine) as s:
            token = auth.enroll_device(s, name, read_point).token
            s.commit()
        return token

    def user_token(self, name: str, role: str) -> str:
        """Create a user with `role` and return an API token for it."""
        with Session(self.engine) as s:
            user = auth.add_user(s, name, role)  # token only: no argon2 work per test
            token = auth.create_api_token(s, user)
            s.commit()
        return token


@pytest.fixture
async def server(db_url: str) -> AsyncIterator[Server]:
    """The real app on a fresh database, driven through httpx.ASGITransport."""
    app = create_app(ServerSettings(db=db_url))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield Server(app, client, db_url)


def bearer(token: str) -> dict[str, str]:
    """An Authorization header."""
    return {"Authorization": f"Bearer {token}"}


T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def event(seq: int, code: str = "TAG-1", **fields: Any) -> dict[str, Any]:
    """A valid wire event (a wand sighting unless `fields` say otherwise)."""
    ev: dict[str, Any] = {
        "seq": seq,
        "type": "sighting",
        "code": code,
        "source": "wand",
        "symbology": None,
        "observed_at": T0.isoformat(),
        "boot_id": "boot-1",
        "mono_ns": 1_000,
    }
    ev.update(fields)
    return ev


def batch(
    device_id: str,
    events: list[dict[str, Any]],
    stream_id: str | None = None,
    batch_id: str | None = None,
    clock: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A sync batch envelope."""
    return {
        "wire_version": 1,
        "batch_id": batch_id or str(uuid.uuid4()),
        "device_id": device_id,
        "stream_id": stream_id or str(uuid.uuid4()),
        "clock": clock or {"boot_id": "boot-sync", "mono_ns": 2_000, "wall": T0.isoformat()},
        "events": events,
    }
