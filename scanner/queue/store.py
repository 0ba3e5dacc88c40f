"""The durable outbox: one SQLite file per agent, WAL + synchronous=FULL (design/sync.md).

Pure SQL, no HTTP. One writer appends (assigning gap-free `seq` in the same transaction), the
sync loop takes frozen batches and acknowledges them up to the server's `hwm`. Nothing is
deleted before the server holds it; when the disk budget is spent, appends are refused.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scanner.events import EventDraft
from scanner.queue.schema import migrate

_LOGGER = logging.getLogger(__name__)
ALARM_FRACTION = 0.8
# Room left in a 1 MiB request for the envelope (ids, clock) around the events.
_BODY_BYTES = 1_000_000
_ROW_OVERHEAD = 48
# Compact JSON; a bound encoder skips json.dumps' per-call argument handling (hot path).
_encode = json.JSONEncoder(separators=(",", ":")).encode


class QueueFullError(Exception):
    """The outbox is at its disk budget: the read is refused, nothing committed is dropped."""


@dataclass(frozen=True, slots=True)
class Batch:
    """A frozen batch: the same id and the same events on every try."""

    batch_id: str
    first_seq: int
    last_seq: int
    events: list[dict[str, Any]]


@dataclass(frozen=True, slots=True)
class DeadLetter:
    """An event the server rejected, kept with its reason for a person to review."""

    seq: int
    event: dict[str, Any]
    reason: str


class Outbox:
    """The queue file at `path`; `budget_bytes` caps its size."""

    def __init__(self, path: Path, budget_bytes: int = 512 * 1024 * 1024) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.budget_bytes = budget_bytes
        self._conn = sqlite3.connect(path, isolation_level=None)
        self._conn.execute("PRAGMA journal_mode = WAL")
        self._conn.execute("PRAGMA synchronous = FULL")
        self._conn.execute("PRAGMA busy_timeout = 5000")
        migrate(self._conn)
        self._page_size: int = self._conn.execute("PRAGMA page_size").fetchone()[0]
        self.stream_id: str = self._conn.execute("SELECT stream_id FROM stream").fetchone()[0]
        self.alarm = False

    def close(self) -> None:
        """Checkpoint and close; safe to call twice."""
        try:
            self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        except sqlite3.ProgrammingError:
            return
        self._conn.close()

    def append(self, drafts: Sequence[EventDraft]) -> list[int]:
        """Commit `drafts` durably in one transaction; their seqs. QueueFullError at budget."""
        if not drafts:
            return []
        conn = self._conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            first: int = conn.execute("SELECT next_seq FROM stream").fetchone()[0]
            now = time.time_ns()
            rows = [(first + i, _encode(d.to_wire(first + i)), now) for i, d in enumerate(drafts)]
            self._check_budget(sum(_ROW_OVERHEAD + len(body) for _, body, _ in rows))
            conn.executemany("INSERT INTO events (seq, body, committed_ns) VALUES (?, ?, ?)", rows)
            conn.execute("UPDATE stream SET next_seq = ?", (first + len(drafts),))
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        self._update_alarm()
        return list(range(first, first + len(drafts)))

    def next_batch(self, max_events: int = 500, max_bytes: int = _BODY_BYTES) -> Batch | None:
        """The batch in flight (unchanged), else a new frozen one from the oldest rows."""
        row = self._conn.execute(
            "SELECT batch_id, first_seq, last_seq FROM batches ORDER BY first_seq LIMIT 1"
        ).fetchone()
        if row is not None:
            self._conn.execute("UPDATE batches SET tries = tries + 1 WHERE batch_id = ?", row[:1])
            return Batch(row[0], row[1], row[2], self._events(row[1], row[2]))
        rows = self._conn.execute(
            "SELECT seq, body FROM events ORDER BY seq LIMIT ?", (max_events,)
        ).fetchall()
        if not rows:
            return None
        taken: list[tuple[int, str]] = []
        size = 0
        for seq, body in rows:
            size += len(body) + 1
            if taken and size > max_bytes:
                break
            taken.append((seq, body))
        batch = Batch(
            str(uuid.uuid4()), taken[0][0], taken[-1][0], [json.loads(b) for _, b in taken]
        )
        self._conn.execute(
            "INSERT INTO batches (batch_id, first_seq, last_seq, frozen_at, tries) "
            "VALUES (?, ?, ?, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), 1)",
            (batch.batch_id, batch.first_seq, batch.last_seq),
        )
        return batch

    def ack(self, batch: Batch, hwm: int, rejected: Sequence[tuple[int, str]] = ()) -> int:
        """Record the server's answer: dead-letter `rejected`, forget rows up to `hwm`.

        Returns how many rows were deleted. The batch is closed either way; rows above `hwm`
        (the server is missing something earlier) go out again in the next batch.
        """
        conn = self._conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            conn.executemany(
                "INSERT OR REPLACE INTO dead_letters (seq, body, reason, dead_at) "
                "SELECT seq, body, ?, strftime('%Y-%m-%dT%H:%M:%fZ', 'now') "
                "FROM events WHERE seq = ?",
                [(reason, seq) for seq, reason in rejected],
            )
            deleted = conn.execute("DELETE FROM events WHERE seq <= ?", (hwm,)).rowcount
            conn.execute("DELETE FROM batches WHERE batch_id = ?", (batch.batch_id,))
            conn.execute("UPDATE stream SET hwm = max(hwm, ?)", (hwm,))
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        self._update_alarm()
        return int(deleted)

    def discard_batch(self, batch: Batch) -> None:
        """Unfreeze a batch the server refused as a whole (413/409); its rows stay pending."""
        self._conn.execute("DELETE FROM batches WHERE batch_id = ?", (batch.batch_id,))

    def depth(self) -> int:
        """Events not yet held by the server."""
        return int(self._conn.execute("SELECT count(*) FROM events").fetchone()[0])

    def committed_seq(self) -> int:
        """The last seq committed (0 if none)."""
        return int(self._conn.execute("SELECT next_seq - 1 FROM stream").fetchone()[0])

    def hwm(self) -> int:
        """The highest `hwm` the server has acknowledged."""
        return int(self._conn.execute("SELECT hwm FROM stream").fetchone()[0])

    def dead_count(self) -> int:
        """How many rejected events are kept for review."""
        return int(self._conn.execute("SELECT count(*) FROM dead_letters").fetchone()[0])

    def dead_letters(self) -> list[DeadLetter]:
        """Rejected events with the server's reasons, oldest first."""
        rows = self._conn.execute("SELECT seq, body, reason FROM dead_letters ORDER BY seq")
        return [DeadLetter(seq, json.loads(body), reason) for seq, body, reason in rows]

    def used_bytes(self) -> int:
        """Bytes the file's live pages take (free pages are reused before the file grows)."""
        pages = self._conn.execute("PRAGMA page_count").fetchone()[0]
        free = self._conn.execute("PRAGMA freelist_count").fetchone()[0]
        return int((pages - free) * self._page_size)

    def usage(self) -> float:
        """Fraction of the disk budget in use."""
        return self.used_bytes() / self.budget_bytes

    def integrity_check(self) -> list[str]:
        """`PRAGMA integrity_check`: `["ok"]` for a sound file, else the problems found."""
        try:
            return [row[0] for row in self._conn.execute("PRAGMA integrity_check")]
        except sqlite3.DatabaseError as err:
            # Damage bad enough that the check itself cannot walk the file.
            return [f"integrity_check failed: {err}"]

    def _check_budget(self, estimate: int) -> None:
        used = self.used_bytes()
        if used + estimate > self.budget_bytes:
            raise QueueFullError(
                f"queue {self.path} is full ({used / 1e6:.1f} of {self.budget_bytes / 1e6:.1f} MB "
                "budget): read refused; nothing queued was dropped. Restore the network or "
                "raise queue_budget_mb."
            )

    def _update_alarm(self) -> None:
        usage = self.usage()
        if usage > ALARM_FRACTION and not self.alarm:
            self.alarm = True
            _LOGGER.warning(
                "queue %s is %.0f%% of its %.1f MB budget; reads will be refused when it is full",
                self.path,
                usage * 100,
                self.budget_bytes / 1e6,
            )
        elif usage <= ALARM_FRACTION and self.alarm:
            self.alarm = False
            _LOGGER.info("queue %s is back under %.0f%% of its budget", self.path, usage * 100)

    def _events(self, first: int, last: int) -> list[dict[str, Any]]:
        rows = self._conn.execute(
            "SELECT body FROM events WHERE seq BETWEEN ? AND ? ORDER BY seq", (first, last)
        )
        return [json.loads(body) for (body,) in rows]
