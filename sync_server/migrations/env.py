"""Alembic environment: runs on the connection handed in by `sync_server.db.upgrade_schema`,
or opens one from the configured URL."""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

import sync_server.models  # noqa: F401  (registers the tables on SQLModel.metadata)
from sync_server.db import make_engine

target_metadata = SQLModel.metadata


def _run(connection: object) -> None:
    context.configure(
        connection=connection,  # type: ignore[arg-type]
        target_metadata=target_metadata,
        render_as_batch=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Run every pending migration."""
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_engine(context.config.get_main_option("sqlalchemy.url") or "")
    try:
        with engine.begin() as conn:
            _run(conn)
    finally:
        engine.dispose()


run_migrations_online()
