"""Server fixtures: a real database (SQLite file or PostgreSQL) brought to head by Alembic."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from sync_server.db import make_engine, upgrade_schema


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
