from __future__ import annotations

import logging
import re
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from scanner.events import EventDraft
from scanner.queue import SCHEMA_VERSION, Outbox, QueueFullError, SchemaError

T0 = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def draft(code: str = "AST-1", **kw) -> EventDraft:
    return EventDraft(
        type="sighting", code=code, source="wand", observed_at=T0, boot_id="b", mono_ns=1, **kw
    )


def test_outbox_file_settings(tmp_path: Path):
    box = Outbox(tmp_path / "q.db")
    conn = box._conn
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert conn.execute("PRAGMA busy_timeout").fetchone()[0] == 5000
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert len(box.stream_id) == 36
    box.close()


def test_outbox_append_assigns_gap_free_seq_across_restarts(tmp_path: Path):
    path = tmp_path / "q.db"
    box = Outbox(path)
    stream = box.stream_id
    assert box.append([draft("A"), draft("B")]) == [1, 2]
    batch = box.next_batch()
    assert batch is not None
    box.ack(batch, hwm=2)
    box.close()
    box = Outbox(path)
    assert box.stream_id == stream
    assert box.append([draft("C")]) == [3]
    assert box.committed_seq() == 3
    box.close()


def test_outbox_batch_is_frozen_and_redelivered_after_crash(tmp_path: Path):
    path = tmp_path / "q.db"
    box = Outbox(path)
    box.append([draft(f"A{i}") for i in range(5)])
    first = box.next_batch(max_events=3)
    assert first is not None
    assert [e["seq"] for e in first.events] == [1, 2, 3]
    box.append([draft("LATE")])
    # Crash mid-lease: the connection goes away without an ack or a clean close.
    box._conn.close()
    box = Outbox(path)
    again = box.next_batch(max_events=50)
    assert again == first  # same id, same events, despite a larger limit and a new row
    box.ack(again, hwm=3)
    rest = box.next_batch(max_events=50)
    assert rest is not None and rest.batch_id != first.batch_id
    assert [e["seq"] for e in rest.events] == [4, 5, 6]
    assert rest.events[-1]["code"] == "LATE"
    box.close()


def test_outbox_ack_deletes_only_rows_covered_by_hwm(tmp_path: Path):
    box = Outbox(tmp_path / "q.db")
    box.append([draft(str(i)) for i in range(10)])
    batch = box.next_batch(max_events=10)
    assert batch is not None
    # The server holds only 1..6 (it lost something earlier): 7..10 must stay and go again.
    assert box.ack(batch, hwm=6) == 6
    assert box.depth() == 4
    assert box.hwm() == 6
    again = box.next_batch()
    assert again is not None and [e["seq"] for e in again.events] == [7, 8, 9, 10]
    box.close()


def test_outbox_rejected_events_become_dead_letters_without_blocking(tmp_path: Path):
    box = Outbox(tmp_path / "q.db")
    box.append([draft("A"), draft("B"), draft("C")])
    batch = box.next_batch()
    assert batch is not None
    box.ack(batch, hwm=3, rejected=[(2, "custodian required for checkout")])
    assert box.depth() == 0
    dead = box.dead_letters()
    assert [(d.seq, d.event["code"], d.reason) for d in dead] == [
        (2, "B", "custodian required for checkout")
    ]
    assert box.next_batch() is None
    box.close()


def test_outbox_discarded_batch_keeps_its_rows_and_counts_dead_letters(tmp_path: Path):
    box = Outbox(tmp_path / "q.db")
    box.append([draft(str(i)) for i in range(4)])
    first = box.next_batch(max_events=2)
    assert first is not None
    box.discard_batch(first)  # refused whole (413/409): unfrozen, nothing lost
    assert box.depth() == 4
    again = box.next_batch(max_events=3)
    assert again is not None and again.batch_id != first.batch_id
    assert [e["seq"] for e in again.events] == [1, 2, 3]
    assert box.dead_count() == 0
    box.ack(again, hwm=3, rejected=[(1, "bad"), (3, "worse")])
    assert (box.dead_count(), box.depth(), box.hwm(), box.committed_seq()) == (2, 1, 3, 4)
    box.close()


def test_outbox_batches_respect_byte_limit(tmp_path: Path):
    box = Outbox(tmp_path / "q.db")
    box.append([draft("X" * 500) for _ in range(20)])
    batch = box.next_batch(max_events=1000, max_bytes=5000)
    assert batch is not None
    assert 1 <= len(batch.events) < 20
    assert sum(len(str(e)) for e in batch.events) < 8000
    box.close()


def test_outbox_refuses_appends_over_budget_and_keeps_everything(tmp_path: Path, caplog):
    caplog.set_level(logging.WARNING, logger="scanner.queue.store")
    box = Outbox(tmp_path / "q.db", budget_bytes=160_000)
    committed = 0
    with pytest.raises(QueueFullError, match="read refused"):
        for _ in range(1000):
            box.append([draft("Y" * 300) for _ in range(10)])
            committed += 10
    assert committed > 0
    assert box.depth() == committed == box.committed_seq()
    assert box.alarm
    assert any("% of its" in r.getMessage() for r in caplog.records)
    # Space comes back once the server acknowledges.
    while (batch := box.next_batch(max_events=1000)) is not None:
        box.ack(batch, hwm=batch.last_seq)
    assert box.append([draft("AGAIN")]) == [committed + 1]
    assert box.integrity_check() == ["ok"]
    box.close()


def _alarm(box: Outbox) -> bool:
    return box.alarm  # read through a call: the state changes behind the type checker's back


def test_outbox_alarm_rises_once_above_80_percent_and_clears_below(tmp_path: Path, caplog):
    caplog.set_level(logging.INFO, logger="scanner.queue.store")
    box = Outbox(tmp_path / "q.db", budget_bytes=160_000)
    assert box.usage() == box.used_bytes() / 160_000
    while box.usage() <= 0.8:
        assert not _alarm(box)
        box.append([draft("Y" * 300) for _ in range(10)])
    assert _alarm(box)
    box.append([draft("Z")])  # still above: no second warning
    warned = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warned) == 1
    assert re.fullmatch(
        rf"queue {re.escape(str(box.path))} is \d+% of its 0\.2 MB budget; "
        "reads will be refused when it is full",
        warned[0],
    )
    with pytest.raises(QueueFullError) as refused:
        box.append([draft("Y" * 300) for _ in range(200)])
    assert re.fullmatch(
        rf"queue {re.escape(str(box.path))} is full \(0\.\d of 0\.2 MB budget\): read "
        "refused; nothing queued was dropped. Restore the network or raise queue_budget_mb.",
        str(refused.value),
    )
    while (batch := box.next_batch(max_events=1000)) is not None:
        box.ack(batch, hwm=batch.last_seq)
    assert not _alarm(box)
    cleared = [r.getMessage() for r in caplog.records if r.levelno == logging.INFO]
    assert cleared == [f"queue {box.path} is back under {box.usage() * 100:.0f}% of its budget"]
    box.close()


def test_outbox_integrity_check_reports_corruption(tmp_path: Path):
    path = tmp_path / "q.db"
    box = Outbox(path)
    box.append([draft(str(i)) for i in range(2000)])
    assert box.integrity_check() == ["ok"]
    box.close()
    data = bytearray(path.read_bytes())
    page = 4096
    # Wreck the b-tree headers of a few table pages (not the file header).
    for n in (3, 5, 8):
        data[n * page : n * page + 12] = b"\xa5" * 12
    path.write_bytes(bytes(data))
    problems = Outbox(path).integrity_check()
    assert problems != ["ok"]
    assert problems


def test_outbox_refuses_newer_schema(tmp_path: Path):
    path = tmp_path / "q.db"
    Outbox(path).close()
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(SchemaError, match="newer"):
        Outbox(path)
