"""The station's reference cache: what the server last said is registered and what each
location expects, kept on the device so an audit runs with no network (issue 9, offline first).

A SQLite file of its own beside the outbox (the outbox's schema stays the outbox's). The sync
side writes the downloads (`scanner.sync.reference`), the handheld reads them; nothing here
knows HTTP. The handheld also keeps its open audit here (the expected list it started from and
every scan it let out to the outbox), so a station that restarts mid-audit resumes it.
Each download replaces the previous one whole, in one transaction, so a reader never sees half
of two downloads. Payloads are the server's JSON as downloaded (`GET /api/v1/identities`,
`GET /api/v1/locations/{code}/expected`).
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from shared.audits import ExpectedAsset, Registered

_SCHEMA_VERSION = 1
_SCHEMA = """
CREATE TABLE IF NOT EXISTS identities (
    key TEXT PRIMARY KEY,
    asset_tag TEXT NOT NULL,
    name TEXT,
    status TEXT,
    location TEXT
);
CREATE TABLE IF NOT EXISTS expected (
    location TEXT NOT NULL,
    include_sublocations INTEGER NOT NULL,
    as_of TEXT,
    fetched_at TEXT NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (location, include_sublocations)
);
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS open_audit (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    audit_id TEXT NOT NULL,
    location TEXT NOT NULL,
    expected TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS audit_reads (
    audit_id TEXT NOT NULL,
    n INTEGER NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (audit_id, n)
);
"""


class CacheError(Exception):
    """A cache file written by a newer agent, or a download that is not what it should be."""


@dataclass(frozen=True, slots=True)
class ExpectedList:
    """What one location (with or without its sublocations) expects, as last downloaded."""

    location: str
    include_sublocations: bool
    as_of: str | None
    fetched_at: str
    assets: tuple[ExpectedAsset, ...]
    scope: tuple[str, ...] | None


class ReferenceCache:
    """The cache file at `path`."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._conn.execute("PRAGMA journal_mode = WAL")
        # WAL + NORMAL: no fsync per scan journalled on the screen's loop. A crash of the
        # process loses nothing; a power cut may lose the journal's last scans (they are in the
        # outbox, which is FULL): a resumed audit then shows fewer than the server counts.
        self._conn.execute("PRAGMA synchronous = NORMAL")
        self._conn.execute("PRAGMA busy_timeout = 5000")
        version = self._conn.execute("PRAGMA user_version").fetchone()[0]
        if version > _SCHEMA_VERSION:
            raise CacheError(f"{path}: cache schema {version} is newer than this agent's")
        self._conn.executescript(_SCHEMA)
        self._conn.execute(f"PRAGMA user_version = {_SCHEMA_VERSION}")

    def close(self) -> None:
        """Close the file; safe to call twice."""
        self._conn.close()

    def store_identities(self, payload: Any, fetched_at: str) -> int:
        """Replace the identities with a download; how many keys it holds."""
        rows = [
            (
                _text(item, "key"),
                _text(item, "asset_tag"),
                item.get("name"),
                item.get("status"),
                item.get("location"),
            )
            for item in _items(payload, "identities")
        ]
        with self._transaction() as conn:
            conn.execute("DELETE FROM identities")
            conn.executemany("INSERT OR REPLACE INTO identities VALUES (?, ?, ?, ?, ?)", rows)
            as_of = payload.get("as_of") if isinstance(payload, dict) else None
            conn.executemany(
                "INSERT OR REPLACE INTO meta VALUES (?, ?)",
                [("identities_fetched_at", fetched_at), ("identities_as_of", as_of or fetched_at)],
            )
        return len(rows)

    def store_expected(
        self, location: str, include_sublocations: bool, payload: Any, fetched_at: str
    ) -> ExpectedList:
        """Replace a location's expected list with a download; the list as it will be read."""
        body = json.dumps(payload, separators=(",", ":"))
        parsed = _expected(location, include_sublocations, payload, fetched_at)
        with self._transaction() as conn:
            conn.execute(
                "INSERT OR REPLACE INTO expected VALUES (?, ?, ?, ?, ?)",
                (location, int(include_sublocations), parsed.as_of, fetched_at, body),
            )
        return parsed

    def expected(self, location: str, include_sublocations: bool) -> ExpectedList | None:
        """The last download of a location's expected list, or None if there never was one."""
        row = self._conn.execute(
            "SELECT fetched_at, body FROM expected WHERE location = ? AND include_sublocations = ?",
            (location, int(include_sublocations)),
        ).fetchone()
        if row is None:
            return None
        return _expected(location, include_sublocations, json.loads(row[1]), row[0])

    def registered(self) -> dict[str, Registered]:
        """Every registered key -> its asset, as last downloaded."""
        rows = self._conn.execute("SELECT key, asset_tag, name, location FROM identities")
        return {key: Registered(tag, location, name) for key, tag, name, location in rows}

    def identities_fetched_at(self) -> str | None:
        """When the identities were last downloaded (None: never)."""
        row = self._conn.execute(
            "SELECT value FROM meta WHERE name = 'identities_fetched_at'"
        ).fetchone()
        return None if row is None else str(row[0])

    def locations(self) -> list[str]:
        """Locations this device can audit offline (an expected list is cached), sorted."""
        rows = self._conn.execute("SELECT DISTINCT location FROM expected ORDER BY location")
        return [r[0] for r in rows]

    def save_open_audit(self, audit_id: str, location: str, expected: ExpectedList) -> None:
        """Remember the audit this station has open and what it expects (one at a time)."""
        body = json.dumps(_expected_json(expected), separators=(",", ":"))
        with self._transaction() as conn:
            conn.execute("DELETE FROM audit_reads")
            conn.execute(
                "INSERT OR REPLACE INTO open_audit VALUES (1, ?, ?, ?)", (audit_id, location, body)
            )

    def journal_read(self, audit_id: str, read: dict[str, Any]) -> None:
        """Append one scan of the open audit, as it went into the outbox."""
        self._conn.execute(
            "INSERT INTO audit_reads VALUES (?, "
            "(SELECT coalesce(max(n), 0) + 1 FROM audit_reads WHERE audit_id = ?), ?)",
            (audit_id, audit_id, json.dumps(read, separators=(",", ":"))),
        )

    def open_audit(self) -> tuple[str, str, ExpectedList, list[dict[str, Any]]] | None:
        """The audit left open (id, location, expected list, its scans in order), or None."""
        row = self._conn.execute("SELECT audit_id, location, expected FROM open_audit").fetchone()
        if row is None:
            return None
        body = json.loads(row[2])
        expected = _expected(row[1], True, body, body.get("fetched_at", ""))
        reads = self._conn.execute(
            "SELECT body FROM audit_reads WHERE audit_id = ? ORDER BY n", (row[0],)
        )
        return row[0], row[1], expected, [json.loads(r[0]) for r in reads]

    def clear_open_audit(self) -> None:
        """The audit is finished: forget it and its scans."""
        with self._transaction() as conn:
            conn.execute("DELETE FROM open_audit")
            conn.execute("DELETE FROM audit_reads")

    def _transaction(self) -> _Transaction:
        return _Transaction(self._conn)


class _Transaction:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def __enter__(self) -> sqlite3.Connection:
        self.conn.execute("BEGIN IMMEDIATE")
        return self.conn

    def __exit__(self, exc_type: object, *_: object) -> None:
        self.conn.execute("ROLLBACK" if exc_type is not None else "COMMIT")


def _items(payload: Any, name: str) -> list[dict[str, Any]]:
    # The list itself, or under `name` / `items` (the server's envelope).
    items = payload
    if isinstance(payload, dict):
        items = payload.get(name, payload.get("items"))
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise CacheError(f"download has no list of {name}")
    return items


def _text(item: dict[str, Any], field: str) -> str:
    value = item.get(field)
    if not isinstance(value, str) or not value:
        raise CacheError(f"download has an entry without {field}: {item!r:.200}")
    return value


def _expected(
    location: str, include_sublocations: bool, payload: Any, fetched_at: str
) -> ExpectedList:
    assets = tuple(
        ExpectedAsset(
            asset_tag=_text(item, "asset_tag"),
            keys=tuple(str(k) for k in item.get("keys") or ()),
            location=item.get("location"),
            name=item.get("name"),
        )
        for item in _items(payload, "assets")
    )
    envelope = payload if isinstance(payload, dict) else {}
    scope = envelope.get("scope")
    return ExpectedList(
        location=location,
        include_sublocations=include_sublocations,
        as_of=envelope.get("as_of"),
        fetched_at=fetched_at,
        assets=assets,
        scope=tuple(scope) if isinstance(scope, list) else None,
    )


def _expected_json(listed: ExpectedList) -> dict[str, Any]:
    return {
        "location": listed.location,
        "as_of": listed.as_of,
        "fetched_at": listed.fetched_at,
        "scope": list(listed.scope) if listed.scope is not None else None,
        "assets": [
            {"asset_tag": a.asset_tag, "keys": list(a.keys), "location": a.location, "name": a.name}
            for a in listed.assets
        ],
    }
