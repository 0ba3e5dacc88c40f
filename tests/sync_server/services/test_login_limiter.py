"""Sign-in throttling in the database: atomic charge, per-key limits, expiry, lockouts."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from sync_server.db import writer
from sync_server.models import LoginThrottle
from sync_server.services.login_limiter import (
    LoginLimits,
    limiter_keys,
    purge_expired,
    record_outcome,
    reserve_attempt,
)

T0 = datetime(2026, 1, 1, tzinfo=UTC)
LIMITS = LoginLimits(per_account_address=3, per_account=6, per_address=10, window=timedelta(60))
WINDOW = LIMITS.window


def _reserve(engine: Engine, name: str, address: str | None, now: datetime) -> float:
    with writer(engine).begin() as conn:
        return reserve_attempt(conn, name, address, LIMITS, now)


def _settle(engine: Engine, name: str, address: str | None, now: datetime, ok: bool) -> None:
    with writer(engine).begin() as conn:
        record_outcome(conn, name, address, LIMITS, now, ok)


def _fail(engine: Engine, name: str, address: str | None, now: datetime) -> float:
    wait = _reserve(engine, name, address, now)
    if wait == 0:
        _settle(engine, name, address, now, ok=False)
    return wait


def _rows(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(LoginThrottle)).scalar_one())


def test_reserve_is_atomic_so_parallel_attempts_stop_at_the_limit(engine: Engine) -> None:
    # All reserve before any outcome is known: only the limit's worth may go on to check.
    with ThreadPoolExecutor(16) as pool:
        waits = list(pool.map(lambda _: _reserve(engine, "ada", "10.0.0.1", T0), range(40)))
    assert waits.count(0.0) == LIMITS.per_account_address
    assert all(w > 0 for w in waits if w != 0.0)


def test_one_accounts_failures_never_refuse_another_account_at_the_same_address(engine):
    for _ in range(3):
        assert _fail(engine, "bob", "10.0.0.1", T0) == 0
    assert _reserve(engine, "bob", "10.0.0.1", T0) > 0  # bob is locked at this address
    assert _reserve(engine, "ada", "10.0.0.1", T0) == 0  # ada, same address, goes on
    assert _reserve(engine, "bob", "10.0.0.2", T0) == 0  # bob elsewhere goes on


def test_the_account_limit_holds_across_addresses(engine: Engine) -> None:
    for i in range(LIMITS.per_account):
        assert _fail(engine, "ada", f"10.0.1.{i}", T0) == 0
    assert _reserve(engine, "ada", "10.0.2.1", T0) == WINDOW.total_seconds()
    assert _reserve(engine, "bob", "10.0.2.1", T0) == 0


def test_the_address_ceiling_counts_every_account_from_it(engine: Engine) -> None:
    for i in range(LIMITS.per_address):
        assert _fail(engine, f"user{i}", "10.9.9.9", T0) == 0
    assert _reserve(engine, "someone-else", "10.9.9.9", T0) > 0
    assert _reserve(engine, "someone-else", "10.9.9.8", T0) == 0


def test_a_right_password_refunds_its_charge_and_clears_the_address_count(engine) -> None:
    for _ in range(2):
        _fail(engine, "ada", "10.0.0.1", T0)
    assert _reserve(engine, "ada", "10.0.0.1", T0) == 0
    _settle(engine, "ada", "10.0.0.1", T0, ok=True)
    for _ in range(3):  # the full allowance again at this address
        assert _fail(engine, "ada", "10.0.0.1", T0) == 0
    assert _reserve(engine, "ada", "10.0.0.1", T0) > 0


def test_a_success_elsewhere_never_clears_an_active_lockout(engine: Engine) -> None:
    for _ in range(3):
        _fail(engine, "ada", "10.0.0.1", T0)
    _settle(engine, "ada", "10.0.0.1", T0, ok=True)  # a stray success cannot unlock
    assert _reserve(engine, "ada", "10.0.0.1", T0 + timedelta(seconds=1)) > 0


def test_lockouts_last_their_window_then_expire(engine: Engine) -> None:
    for _ in range(3):
        _fail(engine, "ada", "10.0.0.1", T0)
    assert _reserve(engine, "ada", "10.0.0.1", T0 + WINDOW / 2) == WINDOW.total_seconds() / 2
    assert _reserve(engine, "ada", "10.0.0.1", T0 + WINDOW) == 0


def test_entries_expire_on_time_but_never_while_their_lockout_is_on(engine) -> None:
    for offset in (0, 50, 59):  # the lockout starts near the end of the first window
        _fail(engine, "ada", "10.0.0.1", T0 + timedelta(seconds=offset))
    for i in range(120):  # a flood of names: bounded by time, not by clearing everything
        _fail(engine, f"x{i}", f"10.1.{i // 250}.{i % 250}", T0)
    assert _rows(engine) > 120
    after_window = T0 + WINDOW + timedelta(seconds=1)
    with writer(engine).begin() as conn:
        purge_expired(conn, after_window)
    assert _rows(engine) == 1  # only the locked pair is left
    assert _reserve(engine, "ada", "10.0.0.1", after_window) > 0
    assert _reserve(engine, "ada", "10.0.0.1", T0 + timedelta(seconds=59) + WINDOW) == 0


def test_keys_are_bounded_whatever_the_name() -> None:
    keys = limiter_keys("A" * 1_000_000, "1" * 500, LIMITS)
    assert all(len(k) <= 256 for k in keys)
    assert set(keys.values()) == {3, 6, 10}
