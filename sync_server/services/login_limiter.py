"""Sign-in throttling kept in the database, so every server process shares one count.

An attempt is *charged* before its password is checked (`reserve_attempt`), in one short write
transaction that also decides whether it may go ahead, so concurrent attempts cannot all slip
past the limit. The outcome then either refunds the charge (a right password) or keeps it and
locks the key once it reaches its limit (`record_outcome`). Three keys are charged per attempt:
the account (from anywhere), the account at this address, and the address alone, each with its
own limit; the address's limit is much higher, so one person's typos never lock other accounts
behind the same address. Time is passed in as `now`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from sync_server.models import LoginThrottle

MAX_NAME = 128  # User.name: longer names are refused before any work
MAX_ADDRESS = 64


@dataclass(frozen=True)
class LoginLimits:
    """Failed sign-ins allowed per window for each key, and the window (also the lockout)."""

    per_account_address: int = 5
    per_account: int = 20
    per_address: int = 100
    window: timedelta = timedelta(minutes=5)


def limiter_keys(name: str, address: str | None, limits: LoginLimits) -> dict[str, int]:
    """The keys an attempt at `name` from `address` is charged to, each with its limit."""
    name = name[:MAX_NAME].lower()
    keys = {f"acct:{name}": limits.per_account}
    if address:
        address = address[:MAX_ADDRESS]
        keys[f"pair:{name}|{address}"] = limits.per_account_address
        keys[f"addr:{address}"] = limits.per_address
    return keys


def _table() -> Any:
    return LoginThrottle.__table__  # type: ignore[attr-defined]


def _window(row: Any, window: timedelta, now: datetime) -> tuple[datetime, int]:
    """The row's (window start, failures) as of `now`: a lapsed, unlocked window starts over."""
    locked = row.locked_until is not None and row.locked_until > now
    if not locked and row.window_start + window <= now:
        return now, 0
    return row.window_start, row.failures


def _wait(row: Any, limit: int, window: timedelta, now: datetime) -> float:
    """Seconds before this key may be charged again; 0.0 when it may now."""
    if row.locked_until is not None and row.locked_until > now:
        return float((row.locked_until - now).total_seconds())
    start, failures = _window(row, window, now)
    if failures >= limit:
        # Attempts still in flight fill the window; wait for its end at most.
        return max((start + window - now).total_seconds(), 1.0)
    return 0.0


def _ensure_rows(conn: Connection, keys: list[str], window: timedelta, now: datetime) -> None:
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    values = [
        {"key": k, "failures": 0, "window_start": now, "expires_at": now + window} for k in keys
    ]
    conn.execute(dialect.insert(_table()).values(values).on_conflict_do_nothing())


def _locked_rows(conn: Connection, keys: list[str]) -> list[Any]:
    # Sorted and FOR UPDATE: on PostgreSQL concurrent attempts queue here, never deadlock;
    # on SQLite the caller's BEGIN IMMEDIATE already serialises them.
    table = _table()
    query = select(table).where(table.c.key.in_(keys)).order_by(table.c.key).with_for_update()
    return list(conn.execute(query).all())


def _save(conn: Connection, key: str, **values: Any) -> None:
    table = _table()
    conn.execute(update(table).where(table.c.key == key).values(**values))


def _expiry(start: datetime, window: timedelta, locked_until: datetime | None) -> datetime:
    end = start + window
    return max(end, locked_until) if locked_until is not None else end


def purge_expired(conn: Connection, now: datetime) -> int:
    """Forget rows whose window and lockout are both over; an active lockout is never cleared."""
    table = _table()
    return conn.execute(delete(table).where(table.c.expires_at <= now)).rowcount


def reserve_attempt(
    conn: Connection, name: str, address: str | None, limits: LoginLimits, now: datetime
) -> float:
    """Charge one attempt to every key of (`name`, `address`) and return 0.0; or, when any key
    is at its limit or locked, charge nothing and return the seconds to wait. Call inside a
    write transaction (BEGIN IMMEDIATE on SQLite) and commit at once."""
    keys = limiter_keys(name, address, limits)
    purge_expired(conn, now)
    _ensure_rows(conn, sorted(keys), limits.window, now)
    rows = _locked_rows(conn, sorted(keys))
    wait = max(_wait(row, keys[row.key], limits.window, now) for row in rows)
    if wait > 0:
        return wait
    for row in rows:
        start, failures = _window(row, limits.window, now)
        expires = _expiry(start, limits.window, row.locked_until)
        _save(conn, row.key, failures=failures + 1, window_start=start, expires_at=expires)
    return 0.0


def record_outcome(
    conn: Connection,
    name: str,
    address: str | None,
    limits: LoginLimits,
    now: datetime,
    success: bool,
) -> None:
    """Settle a reserved attempt: a success refunds its charge (and clears the account-at-
    address count, unless locked); a failure keeps it and locks each key at its limit."""
    keys = limiter_keys(name, address, limits)
    for row in _locked_rows(conn, sorted(keys)):
        locked = row.locked_until is not None and row.locked_until > now
        if success:
            failures = 0 if row.key.startswith("pair:") and not locked else row.failures - 1
            _save(conn, row.key, failures=max(failures, 0))
        elif not locked and row.failures >= keys[row.key]:
            until = now + limits.window
            _save(conn, row.key, locked_until=until, expires_at=max(row.expires_at, until))
