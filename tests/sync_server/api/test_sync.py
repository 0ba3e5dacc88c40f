"""Contract 2.1 through the real app: idempotency, hwm, rejections, limits, auth."""

from __future__ import annotations

import gzip
import json
import uuid
from collections.abc import AsyncIterator
from typing import Any

from sqlmodel import Session, col, func, select

from shared.wire import MAX_BODY_BYTES
from sync_server.models import Device, Event, RejectedEvent
from tests.sync_server.conftest import batch, bearer, event

URL = "/api/v1/sync/batches"


async def test_sync_batch_counts_inserted_duplicates_and_rejected(server):
    token = server.enroll("d1")
    body = batch("d1", [event(1), event(2), event(2), event(3, type="teleport"), event(4)])
    r = await server.client.post(URL, json=body, headers=bearer(token))
    assert r.status_code == 200, r.text
    ack = r.json()
    assert (ack["inserted"], ack["duplicates"], ack["hwm"]) == (3, 1, 4)
    assert [x["seq"] for x in ack["rejected"]] == [3]
    assert "type" in ack["rejected"][0]["reason"]
    assert ack["inserted"] + ack["duplicates"] + len(ack["rejected"]) == 5


async def test_sync_replay_is_answered_like_any_batch_and_stores_nothing(server):
    token = server.enroll("d1")
    body = batch("d1", [event(1), event(2), event(3, type="bad")])
    first = (await server.client.post(URL, json=body, headers=bearer(token))).json()
    body["clock"]["mono_ns"] = 9_999  # only the clock may differ between tries
    again = await server.client.post(URL, json=body, headers=bearer(token))
    assert again.status_code == 200
    ack = again.json()
    assert (ack["inserted"], ack["duplicates"], ack["rejected"], ack["hwm"]) == (0, 3, [], 3)
    assert first["hwm"] == 3
    with Session(server.engine) as s:
        assert s.exec(select(func.count()).select_from(Event)).one() == 2
        assert s.exec(select(func.count()).select_from(RejectedEvent)).one() == 1


async def test_sync_duplicates_across_batches_count_once(server):
    token = server.enroll("d1")
    stream = str(uuid.uuid4())
    a = await server.client.post(
        URL, json=batch("d1", [event(1), event(2)], stream), headers=bearer(token)
    )
    b = await server.client.post(
        URL, json=batch("d1", [event(2), event(3), event(1)], stream), headers=bearer(token)
    )
    assert a.json()["inserted"] == 2
    assert (b.json()["inserted"], b.json()["duplicates"], b.json()["hwm"]) == (1, 2, 3)


async def test_sync_hwm_stops_at_gaps_and_advances_when_filled(server):
    token = server.enroll("d1")
    stream = str(uuid.uuid4())

    async def send(*seqs: int) -> int:
        body = batch("d1", [event(s) for s in seqs], stream)
        ack = (await server.client.post(URL, json=body, headers=bearer(token))).json()
        return int(ack["hwm"])

    assert await send(2, 3) == 0
    assert await send(1, 5) == 3
    assert await send(7) == 3
    assert await send(4) == 5
    assert await send(6) == 7


async def test_sync_rejected_event_is_kept_counts_as_held_and_resend_is_duplicate(server):
    token = server.enroll("d1")
    stream = str(uuid.uuid4())
    bad = event(1, type="checkout")  # no custodian
    r = await server.client.post(URL, json=batch("d1", [bad], stream), headers=bearer(token))
    assert r.json()["hwm"] == 1
    assert "custodian" in r.json()["rejected"][0]["reason"]
    fixed = event(1, type="checkout", custodian="EMP-1")
    r2 = await server.client.post(URL, json=batch("d1", [fixed], stream), headers=bearer(token))
    assert (r2.json()["duplicates"], r2.json()["inserted"]) == (1, 0)
    with Session(server.engine) as s:
        row = s.exec(select(RejectedEvent)).one()
        assert json.loads(row.body)["type"] == "checkout" and row.seq == 1


async def test_sync_reused_batch_id_with_other_events_is_409(server):
    token = server.enroll("d1")
    body = batch("d1", [event(1)])
    assert (await server.client.post(URL, json=body, headers=bearer(token))).status_code == 200
    body["events"] = [event(1, code="OTHER")]
    r = await server.client.post(URL, json=body, headers=bearer(token))
    assert r.status_code == 409 and "batch" in r.json()["detail"]
    body["events"] = [event(1)]
    body["stream_id"] = str(uuid.uuid4())
    assert (await server.client.post(URL, json=body, headers=bearer(token))).status_code == 409


async def test_sync_too_many_events_is_413(server):
    token = server.enroll("d1")
    body = batch("d1", [{"seq": i} for i in range(1, 1002)])
    r = await server.client.post(URL, json=body, headers=bearer(token))
    assert r.status_code == 413
    assert "1000" in r.json()["detail"]


async def test_sync_body_over_a_mebibyte_is_413_even_when_not_json(server):
    token = server.enroll("d1")
    padding = "x" * (2 * MAX_BODY_BYTES)
    body = batch("d1", [event(1, operator=padding)])
    r = await server.client.post(URL, json=body, headers=bearer(token))
    assert r.status_code == 413
    r = await server.client.post(URL, content=b"\xff" * (2 * MAX_BODY_BYTES), headers=bearer(token))
    assert r.status_code == 413

    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(40):
            yield b"{" * 65536

    r = await server.client.post(URL, content=chunks(), headers=bearer(token))
    assert r.status_code == 413


async def test_sync_event_without_integer_seq_is_422(server):
    token = server.enroll("d1")
    bads: list[Any] = [{"type": "sighting"}, {"seq": "1"}, {"seq": 1.5}, {"seq": True}, "event"]
    for bad in bads:
        body = batch("d1", [event(1), bad])
        r = await server.client.post(URL, json=body, headers=bearer(token))
        assert r.status_code == 422, bad
        assert "seq" in r.json()["detail"]


async def test_sync_malformed_bodies_are_4xx(server):
    token = server.enroll("d1")
    for content in (b"{not json", b"[1, 2]", b"", b'{"events": NaN}', b'"x"', b"[" * 5000):
        r = await server.client.post(URL, content=content, headers=bearer(token))
        assert r.status_code in (400, 422), (content[:20], r.status_code)
        assert "detail" in r.json()
    body = batch("d1", [event(1)])
    del body["clock"]
    assert (await server.client.post(URL, json=body, headers=bearer(token))).status_code == 422


async def test_sync_gzip_body_is_accepted(server):
    token = server.enroll("d1")
    raw = json.dumps(batch("d1", [event(1), event(2)])).encode()
    headers = {**bearer(token), "Content-Encoding": "gzip", "Content-Type": "application/json"}
    r = await server.client.post(URL, content=gzip.compress(raw), headers=headers)
    assert r.status_code == 200 and r.json()["inserted"] == 2
    bomb = gzip.compress(b" " * (3 * MAX_BODY_BYTES))
    assert (await server.client.post(URL, content=bomb, headers=headers)).status_code == 413


async def test_sync_bad_or_revoked_token_is_401(server):
    token = server.enroll("d1")
    body = batch("d1", [event(1)])
    assert (await server.client.post(URL, json=body)).status_code == 401
    r = await server.client.post(URL, json=body, headers=bearer("nope"))
    assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer"
    person = server.user_token("ada", "admin")
    assert (await server.client.post(URL, json=body, headers=bearer(person))).status_code == 401
    with Session(server.engine) as s:
        from sync_server.services.auth import revoke_device

        revoke_device(s, "d1")
        s.commit()
    assert (await server.client.post(URL, json=body, headers=bearer(token))).status_code == 401


async def test_sync_other_devices_id_or_stream_is_403(server):
    t1, t2 = server.enroll("d1"), server.enroll("d2")
    r = await server.client.post(URL, json=batch("d2", [event(1)]), headers=bearer(t1))
    assert r.status_code == 403
    stream = str(uuid.uuid4())
    ok = await server.client.post(URL, json=batch("d1", [event(1)], stream), headers=bearer(t1))
    assert ok.status_code == 200
    r = await server.client.post(URL, json=batch("d2", [event(2)], stream), headers=bearer(t2))
    assert r.status_code == 403 and "stream" in r.json()["detail"]


async def test_sync_unknown_codes_people_and_read_points_are_stored(server):
    token = server.enroll("d1")
    events = [
        event(1, code="NOBODY-KNOWS", read_point="NOWHERE"),
        event(2, type="checkout", custodian="EMP-UNREGISTERED", due_back="2026-04-01"),
        event(3, code="]C1\x1d8004BAD", symbology="gs1-128"),
    ]
    r = await server.client.post(URL, json=batch("d1", events), headers=bearer(token))
    assert r.json()["inserted"] == 3 and r.json()["rejected"] == []
    with Session(server.engine) as s:
        rows = s.exec(select(Event).order_by(col(Event.seq))).all()
        assert [e.asset_id for e in rows] == [None, None, None]
        assert rows[1].custodian == "EMP-UNREGISTERED"
        device = s.exec(select(Device)).one()
        assert device.last_sync_at is not None and device.last_batch_events == 3


async def test_sync_odd_values_are_rejected_per_event_not_5xx(server):
    token = server.enroll("d1")
    events = [
        event(1, code="A\x00B"),
        event(2, mono_ns=2**70),
        event(3, read_count=2**40),
        event(4, observed_at="0001-01-01T00:00:00+05:00"),
        event(5, code="\ud800"),
        event(6, code="x" * 1024, symbology="qr"),
        event(0),
    ]
    content = json.dumps(batch("d1", events))  # ASCII-escaped, so the lone surrogate travels
    r = await server.client.post(URL, content=content, headers=bearer(token))
    assert r.status_code == 200, r.text
    rejected = {x["seq"] for x in r.json()["rejected"]}
    assert rejected == {0, 1, 2, 3, 4, 5}
    assert r.json()["inserted"] == 1 and r.json()["hwm"] == 6
