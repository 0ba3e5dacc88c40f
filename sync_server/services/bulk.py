"""Bulk statements through the driver's executemany: the ingest path's hot loop. SQLAlchemy
compiles the statement and supplies each column type's bind processor (so values are stored
exactly as the ORM would store them); only its per-row parameter machinery is skipped."""

from __future__ import annotations

import functools
import operator
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Float, Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql.psycopg import PGDialect_psycopg
from sqlalchemy.engine import Dialect
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
    return insert_for(session.get_bind().dialect.name, table)


def insert_for(dialect_name: str, table: Table) -> Any:
    """An INSERT on `table` that supports ON CONFLICT on the backend named `dialect_name`."""
    return (postgresql.insert if dialect_name == "postgresql" else sqlite.insert)(table)


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
    statements of one transaction) keeps converted values, so one object converts once.
    Build `stmt` once and reuse it: its compiled form is cached by identity."""
    conn = session.connection()
    plan = _compiled(stmt, table, conn.dialect, tuple(rows[0]))
    params = _params(rows, plan.order, plan.procs, plan.kinds, {} if memo is None else memo)
    if plan.unnest:
        columns = zip(*params, strict=True)
        return int(conn.exec_driver_sql(plan.sql, tuple(list(c) for c in columns)).rowcount)
    if not plan.positional:
        params = [dict(zip(plan.order, p, strict=True)) for p in params]
    return int(conn.exec_driver_sql(plan.sql, params).rowcount)


@dataclass(frozen=True)
class _Plan:
    sql: str
    order: list[str]
    positional: bool
    unnest: bool
    procs: dict[str, Callable[[Any], Any] | None]
    kinds: dict[str, str]


@functools.lru_cache(maxsize=256)
def _compiled(stmt: Any, table: Table, dialect: Dialect, keys: tuple[str, ...]) -> _Plan:
    procs = {k: _processor(table.c[k].type, dialect) for k in keys}
    kinds = {k: type(table.c[k].type).__name__ for k in keys}
    if dialect.name != "postgresql":
        compiled = stmt.compile(dialect=dialect, column_keys=list(keys), for_executemany=True)
        order = list(compiled.positiontup or ()) if compiled.positional else list(keys)
        return _Plan(compiled.string, order, compiled.positional, False, procs, kinds)
    # PostgreSQL: one statement whose rows come from one array per column. executemany
    # would cost one server-side execution per row, and a long VALUES list defeats
    # psycopg's query cache. %b sends the arrays in binary, without quoting every element.
    fmt = _pg_format()
    compiled = stmt.compile(dialect=fmt, column_keys=list(keys), for_executemany=True)
    order = list(compiled.positiontup or ())
    arrays = ", ".join(f"%b::{table.c[n].type.compile(dialect=fmt)}[]" for n in order)
    values = _values_group(compiled.string)
    sql = compiled.string.replace(f"VALUES {values}", f"SELECT * FROM unnest({arrays})", 1)
    return _Plan(sql, order, True, True, procs, kinds)


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
    if isinstance(type_, Float) and not type_.asdecimal and dialect.name == "sqlite":
        return None  # the values are Python floats already; sqlite3 takes them as they are
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
            if kind != "UTCDateTime":
                values[i] = proc(value)
                continue
            seen = memo.get((id(value), kind))
            if seen is not None and seen[0] is value:
                values[i] = seen[1]
            else:
                values[i] = converted = proc(value)
                memo[(id(value), kind)] = (value, converted)
        out.append(tuple(values))
    return out
