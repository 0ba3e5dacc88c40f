"""The agent's sync side against the real server app (httpx.ASGITransport), both databases."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from sqlmodel import Session

from scanner.events import EventDraft
from scanner.queue import Batch, Outbox
from scanner.sync import DeviceRevoked, SyncClient, SyncLoop, device_clock
from sync_server.main import create_app
from sync_server.services import auth
from sync_server.settings import ServerSettings
from tests.scanner.queue.test_store import draft


@pytest.fixture
async def app_client(db_url: str) -> AsyncIterator[tuple[httpx.AsyncClient, str]]:
    app = create_app(ServerSettings(db=db_url))
    async with app.router.lifespan_context(app):
        with Session(app.state.engine) as s:
            token = auth.enroll_device(s, "dock-1", None).token
            s.commit()
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            yield http, token


def loop_for(outbox: Outbox, http: httpx.AsyncClient, token: str) -> SyncLoop:
    client = SyncClient(
        http, "http://testserver", token, "dock-1", outbox.stream_id, device_clock("boot-x")
    )
    return SyncLoop(outbox, client, interval_s=0.01, batch_size=300)


async def drain(loop: SyncLoop) -> None:
    for _ in range(100):
        delay = await loop.step()
        assert delay is not None
        if loop.outbox.depth() == 0:
            return
    raise AssertionError("the queue did not drain")


async def test_contract_batches_drain_and_replays_are_duplicates(app_client, tmp_path: Path):
    http, token = app_client
    outbox = Outbox(tmp_path / "q.db")
    outbox.append([draft(f"AST-{i}", location="WH1") for i in range(700)])
    bad = EventDraft(
        type="checkout",
        code="AST-X",
        source="wand",
        observed_at=draft().observed_at,
        boot_id="b",
        mono_ns=1,
    )  # no custodian: the server must reject this one event, not the batch
    outbox.append([bad, draft("AST-LAST")])
    loop = loop_for(outbox, http, token)
    await drain(loop)
    assert loop.status.inserted == 701
    assert loop.status.rejected == 1
    assert [d.seq for d in outbox.dead_letters()] == [701]
    assert outbox.hwm() == 702
    # A lost ack: the same frozen batch replayed is answered as duplicates.
    replay = SyncClient(
        http, "http://testserver", token, "dock-1", outbox.stream_id, device_clock("boot-x")
    )
    again = await replay.push(
        Batch(
            "00000000-0000-4000-8000-000000000001",
            1,
            2,
            [draft("AST-0", location="WH1").to_wire(1), draft("AST-1", location="WH1").to_wire(2)],
        )
    )
    assert (again.inserted, again.duplicates, again.hwm) == (0, 2, 702)
    outbox.close()


async def test_contract_wrong_token_stops_sync(app_client, tmp_path: Path):
    http, _ = app_client
    outbox = Outbox(tmp_path / "q.db")
    outbox.append([draft("A")])
    loop = loop_for(outbox, http, "not-a-token")
    batch = outbox.next_batch()
    assert batch is not None
    with pytest.raises(DeviceRevoked):
        await loop.client.push(batch)
    assert await loop.step() is None
    assert outbox.depth() == 1
    outbox.close()
