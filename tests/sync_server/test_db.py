"""Every connection the server writes through is durable: an acknowledged batch survives a
power cut (SQLite synchronous=FULL; PostgreSQL synchronous_commit never off)."""

from __future__ import annotations

import contextlib
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine, make_url

from sync_server.db import make_engine, upgrade_schema, writer
from sync_server.main import create_app
from sync_server.settings import ServerSettings
from tests.conftest import fresh_pg_database

SQLITE_FULL = 2


def _pooled_connections(engine: Engine, count: int) -> list[Connection]:
    """`count` connections checked out at once, so each is a distinct pooled DBAPI connection."""
    return [engine.connect() for _ in range(count)]


def _durability(conn: Connection) -> str:
    if conn.dialect.name == "sqlite":
        return str(conn.exec_driver_sql("PRAGMA synchronous").scalar())
    return str(conn.exec_driver_sql("SHOW synchronous_commit").scalar())


def _assert_all_durable(engine: Engine, count: int = 4) -> None:
    with contextlib.ExitStack() as stack:
        for conn in _pooled_connections(engine, count):
            stack.enter_context(conn)
            if conn.dialect.name == "sqlite":
                assert _durability(conn) == str(SQLITE_FULL)
                assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            else:
                assert _durability(conn) != "off"


def test_sqlite_every_pooled_and_writer_connection_is_synchronous_full(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'server.db'}"
    upgrade_schema(url)
    engine = make_engine(url)
    try:
        with writer(engine).begin() as conn:  # a write transaction, then back to the pool
            conn.exec_driver_sql("CREATE TABLE probe (x INTEGER)")
            assert _durability(conn) == str(SQLITE_FULL)
        _assert_all_durable(engine)  # writer(engine) shares this pool
    finally:
        engine.dispose()


async def test_the_running_apps_engine_is_durable(tmp_path: Path):
    app = create_app(ServerSettings(db=f"sqlite:///{tmp_path / 'server.db'}"))
    async with app.router.lifespan_context(app):
        with writer(app.state.engine).begin() as conn:
            assert _durability(conn) == str(SQLITE_FULL)
        _assert_all_durable(app.state.engine, count=3)


@pytest.mark.postgres
def test_postgresql_sessions_never_run_with_synchronous_commit_off():
    with fresh_pg_database() as url:
        admin = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
        name = make_url(url).database
        with psycopg.connect(admin, autocommit=True) as conn:
            # A database configured to trade durability for speed: our sessions refuse it.
            conn.execute(f'ALTER DATABASE "{name}" SET synchronous_commit = off')
            assert conn.execute("SHOW synchronous_commit").fetchone() == ("on",)
        with psycopg.connect(admin) as raw:
            assert raw.execute("SHOW synchronous_commit").fetchone() == ("off",)
        upgrade_schema(url)
        engine = make_engine(url)
        try:
            with writer(engine).begin() as conn:
                conn.execute(text("CREATE TABLE probe (x integer)"))
            with engine.connect() as conn:
                conn.rollback()  # the pool's reset-on-return must not undo the setting
            _assert_all_durable(engine, count=4)
        finally:
            engine.dispose()
