"""The bulk path stores exactly what the ORM stores (SQLite orders times as text, so one
format difference would break every comparison)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import text
from sqlalchemy.dialects import sqlite

from sync_server.db_types import UTCDateTime
from sync_server.models import ClockAnchor
from sync_server.services.bulk import dialect_insert, executemany, sqlite_utc_text

ZONES = st.sampled_from(
    [UTC, timezone(timedelta(hours=5, minutes=30)), timezone(timedelta(hours=-8))]
)


@given(
    st.datetimes(min_value=datetime(1001, 1, 2), max_value=datetime(9998, 12, 30), timezones=ZONES)
)
def test_bulk_sqlite_time_text_matches_sqlalchemy(value):
    dialect = sqlite.dialect()
    reference = UTCDateTime().dialect_impl(dialect).bind_processor(dialect)
    assert reference is not None
    assert sqlite_utc_text(value) == reference(value)


def test_bulk_executemany_rows_read_back_like_orm_rows(session):
    when = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)  # microsecond 0: the risky case
    session.add(ClockAnchor(device_id="orm", boot_id="b", offset_ns=1, error_ns=2, updated_at=when))
    session.flush()
    table = ClockAnchor.__table__  # type: ignore[attr-defined]
    row = {"device_id": "bulk", "boot_id": "b", "offset_ns": 1, "error_ns": 2, "updated_at": when}
    executemany(session, table, dialect_insert(session, table), [row])
    session.commit()
    raw = session.execute(text("SELECT device_id, updated_at FROM clockanchor ORDER BY device_id"))
    (bulk_id, bulk_value), (orm_id, orm_value) = raw.all()
    assert (bulk_id, orm_id) == ("bulk", "orm")
    assert bulk_value == orm_value
