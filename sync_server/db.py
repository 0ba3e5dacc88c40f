"""Engines and schema upgrades for SQLite and PostgreSQL."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Connection, Engine, make_url

_LOGGER = logging.getLogger(__name__)
MIGRATIONS_DIR = Path(__file__).parent / "migrations"
SQLITE_BUSY_TIMEOUT_MS = 30_000


def is_sqlite(url: str) -> bool:
    """True when `url` names a SQLite database."""
    return make_url(url).get_backend_name() == "sqlite"


def _sqlite_file(url: str) -> Path | None:
    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(database)


def _on_sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    # synchronous=FULL: a WAL commit is fsynced before it returns, so an acknowledged batch
    # (the agent then forgets it) survives a power cut; NORMAL could lose the last commits.
    # Let SQLAlchemy's "begin" event emit BEGIN itself: pysqlite's implicit transactions
    # start too late for a read-then-write transaction to be safe under concurrency.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.close()


def _on_postgresql_connect(dbapi_connection: Any, _record: Any) -> None:
    # A server or database configured with synchronous_commit=off acknowledges commits that a
    # crash can lose; every session of ours asks for at least "on" (stronger settings such as
    # remote_apply are kept). Committed at once: a SET rolled back with its transaction is undone.
    with dbapi_connection.cursor() as cursor:
        cursor.execute("SHOW synchronous_commit")
        if cursor.fetchone()[0] == "off":
            cursor.execute("SET synchronous_commit = on")
    dbapi_connection.commit()


def _on_sqlite_begin(conn: Connection) -> None:
    # Writers take the write lock up front so busy_timeout applies instead of a
    # SQLITE_BUSY_SNAPSHOT error when a read transaction tries to upgrade.
    mode = "IMMEDIATE" if conn.get_execution_options().get("sqlite_immediate") else "DEFERRED"
    conn.exec_driver_sql(f"BEGIN {mode}")


def make_engine(url: str) -> Engine:
    """An engine for `url`: SQLite gets WAL, synchronous=FULL, busy_timeout and foreign keys on
    every connection; PostgreSQL goes through psycopg 3 with synchronous_commit never off. A
    SQLite file's directory is created if missing."""
    if is_sqlite(url):
        path = _sqlite_file(url)
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url, connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}
        )
        event.listen(engine, "connect", _on_sqlite_connect)
        event.listen(engine, "begin", _on_sqlite_begin)
        return engine
    engine = create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)
    if make_url(url).get_backend_name() == "postgresql":
        event.listen(engine, "connect", _on_postgresql_connect)
    return engine


def writer(engine: Engine) -> Engine:
    """The same engine, but its SQLite transactions take the write lock at BEGIN."""
    return engine.execution_options(sqlite_immediate=True)


def alembic_config(url: str) -> Any:
    """An Alembic config for `url` pointing at the packaged migrations (no alembic.ini)."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade_schema(url: str) -> None:
    """Bring the database at `url` to the newest schema revision."""
    from alembic import command

    engine = make_engine(url)
    try:
        with writer(engine).begin() as conn:
            config = alembic_config(url)
            config.attributes["connection"] = conn
            command.upgrade(config, "head")
    finally:
        engine.dispose()
    _LOGGER.debug("schema of %s is at head", make_url(url).render_as_string())
