"""Bulk statements through the driver's executemany: the ingest path's hot loop. SQLAlchemy
compiles the statement and supplies each column type's bind processor (so values are stored
exactly as the ORM would store them); only its per-row parameter machinery is skipped."""

from __future__ import annotations

import functools
import operator
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql.psycopg import PGDialect_psycopg
from sqlalchemy.engine import Connection, Dialect
from sqlmodel import Session

from sync_server.db_types import UTCDateTime

# (id of a value, column type name) -> (the value, what it converts to)
Memo = dict[tuple[int, str], tuple[Any, Any]]


@functools.cache
def _pg_format() -> PGDialect_psycopg:
    # Compiles PostgreSQL statements with positional %s markers so VALUES can be repeated.
    return PGDialect_psycopg(paramstyle="format")  # type: ignore[no-untyped-call]


def dialect_insert(session: Session, table: Table) -> Any:
    """An INSERT on `table` that supports ON CONFLICT for the session's backend."""
    name = session.get_bind().dialect.name
    return (postgresql.insert if name == "postgresql" else sqlite.insert)(table)


def executemany(
    session: Session,
    table: Table,
    stmt: Any,
    rows: Sequence[dict[str, Any]],
    memo: Memo | None = None,
) -> int:
    """Run `stmt` (an INSERT on `table` whose values are the keys of the first row) for every
    row in as few round trips as the backend allows; every row must have the same keys.
    Returns the number of rows the database reports as written. `memo` (shared by the
    statements of one transaction) keeps converted values, so one object converts once."""
    conn = session.connection()
    dialect = conn.dialect
    keys = list(rows[0])
    procs = {k: _processor(table.c[k].type, dialect) for k in keys}
    kinds = {k: type(table.c[k].type).__name__ for k in keys}
    memo = {} if memo is None else memo
    if dialect.name == "postgresql":
        return _pg_unnest(conn, table, stmt, rows, procs, kinds, memo)
    compiled = stmt.compile(dialect=dialect, column_keys=keys, for_executemany=True)
    order = list(compiled.positiontup or ()) if compiled.positional else keys
    params = _params(rows, order, procs, kinds, memo)
    if not compiled.positional:
        params = [dict(zip(order, p, strict=True)) for p in params]
    return int(conn.exec_driver_sql(compiled.string, params).rowcount)


def _pg_unnest(
    conn: Connection,
    table: Table,
    stmt: Any,
    rows: Sequence[dict[str, Any]],
    procs: dict[str, Callable[[Any], Any] | None],
    kinds: dict[str, str],
    memo: Memo,
) -> int:
    # One statement whose rows come from one array per column: executemany would cost one
    # server-side execution per row, and a long VALUES list defeats psycopg's query cache.
    dialect = _pg_format()
    compiled = stmt.compile(dialect=dialect, column_keys=list(rows[0]), for_executemany=True)
    order = list(compiled.positiontup or ())
    # %b: psycopg sends the arrays in binary, skipping text quoting of every element.
    arrays = ", ".join(f"%b::{table.c[n].type.compile(dialect=dialect)}[]" for n in order)
    values = _values_group(compiled.string)
    sql = compiled.string.replace(f"VALUES {values}", f"SELECT * FROM unnest({arrays})", 1)
    columns = list(zip(*_params(rows, order, procs, kinds, memo), strict=True))
    return int(conn.exec_driver_sql(sql, tuple(list(c) for c in columns)).rowcount)


def _values_group(sql: str) -> str:
    """The parenthesised row after VALUES in a compiled single-row INSERT."""
    start = sql.index(" VALUES (") + len(" VALUES ")
    depth = 0
    for end in range(start, len(sql)):
        depth += {"(": 1, ")": -1}.get(sql[end], 0)
        if depth == 0:
            return sql[start : end + 1]
    raise ValueError(f"no VALUES row in {sql!r}")


def _processor(type_: Any, dialect: Dialect) -> Callable[[Any], Any] | None:
    if isinstance(type_, UTCDateTime) and dialect.name == "sqlite":
        return sqlite_utc_text
    proc: Callable[[Any], Any] | None = type_.dialect_impl(dialect).bind_processor(dialect)
    return proc


def sqlite_utc_text(value: datetime) -> str:
    """What SQLAlchemy stores in SQLite for a UTCDateTime value (naive UTC, microseconds),
    computed without its generic formatting."""
    offset = value.utcoffset()
    if offset is None:
        raise ValueError("naive datetime given to a UTCDateTime column")
    if offset:
        value = value.astimezone(UTC)
    return value.isoformat(" ", "microseconds")[:26]  # drop the "+00:00"


def _params(
    rows: Sequence[dict[str, Any]],
    order: list[str],
    procs: dict[str, Callable[[Any], Any] | None],
    kinds: dict[str, str],
    memo: Memo | None = None,
) -> list[Any]:
    # itemgetter pulls a row's values in C; only the few typed columns (times, dates) are
    # converted in Python, each distinct object once: an event's time is usually its
    # observed_at, and the receipt time is shared by the whole batch.
    getter = operator.itemgetter(*order)
    typed = [(i, p, kinds[n]) for i, n in enumerate(order) if (p := procs[n]) is not None]
    memo = {} if memo is None else memo
    out: list[Any] = []
    for row in rows:
        values = list(getter(row)) if len(order) > 1 else [getter(row)]
        for i, proc, kind in typed:
            value = values[i]
            if value is None:
                continue
            seen = memo.get((id(value), kind))
            if seen is not None and seen[0] is value:
                values[i] = seen[1]
            else:
                values[i] = converted = proc(value)
                memo[(id(value), kind)] = (value, converted)
        out.append(tuple(values))
    return out
