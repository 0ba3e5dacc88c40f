"""Alembic: head builds an empty database on both backends and matches the models exactly."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlmodel import SQLModel

import sync_server.models  # noqa: F401  (registers the tables)
from sync_server.db import make_engine, upgrade_schema


def test_migrations_upgrade_head_on_an_empty_database_creates_every_table(db_url):
    upgrade_schema(db_url)
    upgrade_schema(db_url)  # idempotent: a second start finds nothing to do
    engine = make_engine(db_url)
    try:
        tables = set(inspect(engine).get_table_names())
    finally:
        engine.dispose()
    assert set(SQLModel.metadata.tables) <= tables
    assert "alembic_version" in tables


def test_migrations_autogenerate_finds_no_difference_from_the_models(db_url):
    upgrade_schema(db_url)
    engine = make_engine(db_url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            diff = compare_metadata(context, SQLModel.metadata)
    finally:
        engine.dispose()
    assert diff == []
