from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path

import pytest

from scanner.queue import GroupWriter, Outbox, QueueFullError
from tests.scanner.queue.test_store import draft


async def test_group_writer_commits_many_submits_in_few_transactions(tmp_path: Path):
    box = Outbox(tmp_path / "q.db")
    writer = GroupWriter(box, max_rows=100, max_delay_s=0.05)
    task = asyncio.create_task(writer.run())
    try:
        futures = [writer.submit(draft(str(i))) for i in range(250)]
        seqs = await asyncio.wait_for(asyncio.gather(*futures), 10)
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    assert seqs == list(range(1, 251))
    assert writer.commits == 3
    assert box.committed_seq() == 250
    box.close()


async def test_group_writer_commits_a_lone_read_within_the_delay(tmp_path: Path):
    box = Outbox(tmp_path / "q.db")
    writer = GroupWriter(box, max_rows=500, max_delay_s=0.02)
    task = asyncio.create_task(writer.run())
    try:
        assert await asyncio.wait_for(writer.append([draft("ONE")]), 5) == [1]
        # "recorded" means durable: another connection already sees the row.
        other = Outbox(tmp_path / "q.db")
        assert other.depth() == 1
        other._conn.close()
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    box.close()


async def test_group_writer_flush_commits_pending_at_shutdown(tmp_path: Path):
    box = Outbox(tmp_path / "q.db")
    writer = GroupWriter(box, max_rows=500, max_delay_s=10)
    futures = [writer.submit(draft(str(i))) for i in range(3)]
    writer.flush()
    assert [f.result() for f in futures] == [1, 2, 3]
    assert writer.pending() == 0
    box.close()


async def test_group_writer_reports_queue_full_to_each_read(tmp_path: Path):
    box = Outbox(tmp_path / "q.db", budget_bytes=1)
    writer = GroupWriter(box)
    future = writer.submit(draft("X"))
    writer.flush()
    with pytest.raises(QueueFullError):
        future.result()
    assert box.depth() == 0
    box.close()
