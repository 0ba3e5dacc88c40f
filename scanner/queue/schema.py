"""The outbox file's schema, versioned in `PRAGMA user_version` (design/sync.md, edge queue).

Rows are the wire events (JSON, frozen at append) keyed by their gap-free `seq`. An event is
pending while it has a row; it is in flight while a batch row covers it; it is gone once the
server's `hwm` covers it. Rejected events move to `dead_letters` with the server's reason.
"""

from __future__ import annotations

import sqlite3
import uuid

SCHEMA_VERSION = 1

_V1 = """
CREATE TABLE stream (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    stream_id TEXT NOT NULL,
    next_seq INTEGER NOT NULL,
    hwm INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL
);
CREATE TABLE events (
    seq INTEGER PRIMARY KEY,
    body TEXT NOT NULL,
    committed_ns INTEGER NOT NULL
);
CREATE TABLE batches (
    batch_id TEXT PRIMARY KEY,
    first_seq INTEGER NOT NULL,
    last_seq INTEGER NOT NULL,
    frozen_at TEXT NOT NULL,
    tries INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE dead_letters (
    seq INTEGER PRIMARY KEY,
    body TEXT NOT NULL,
    reason TEXT NOT NULL,
    dead_at TEXT NOT NULL
);
"""


class SchemaError(Exception):
    """A queue file written by a newer agent, or not a queue file at all."""


def migrate(conn: sqlite3.Connection) -> None:
    """Bring the file to `SCHEMA_VERSION`, creating the stream on first use."""
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if version > SCHEMA_VERSION:
        raise SchemaError(
            f"queue schema version {version} is newer than this agent's {SCHEMA_VERSION}"
        )
    if version == SCHEMA_VERSION:
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        for statement in _V1.split(";"):
            if statement.strip():
                conn.execute(statement)
        conn.execute(
            "INSERT INTO stream (id, stream_id, next_seq, created_at) "
            "VALUES (1, ?, 1, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))",
            (str(uuid.uuid4()),),
        )
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
