"""No request to the sync endpoint gets a 5xx, whatever its body (Hypothesis), and concurrent
deliveries of one batch store it exactly once."""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import Session, func, select

from sync_server.main import create_app
from sync_server.models import Event
from sync_server.services import auth
from sync_server.settings import ServerSettings
from tests.sync_server.conftest import batch, bearer, event

URL = "/api/v1/sync/batches"
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**80), max_value=2**80)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=40)
)
JSON = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=20,
)
FIELDS = [
    "seq", "type", "code", "source", "symbology", "observed_at", "boot_id", "mono_ns",
    "read_point", "location", "antenna", "rssi", "read_count", "first_seen", "last_seen",
    "direction", "audit_id", "custodian", "operator", "due_back", "extra",
]  # fmt: skip
FIELD_VALUES = (
    JSON
    | st.sampled_from(["sighting", "checkout", "checkin", "rfid", "wand", "in", "out", "epc"])
    | st.datetimes(timezones=st.sampled_from([None, __import__("datetime").UTC])).map(
        lambda d: d.isoformat()
    )
    | st.sampled_from(["3034257BF7194E4000001A85", "]C1\x1d8004X", "\x00", "2026-02-30"])
)


@st.composite
def mutated_event(draw: st.DrawFn) -> dict[str, Any]:
    ev = event(draw(st.integers(min_value=-5, max_value=2**63 + 5)))
    for name in draw(st.lists(st.sampled_from(FIELDS), max_size=4)):
        if draw(st.booleans()):
            ev[name] = draw(FIELD_VALUES)
        else:
            ev.pop(name, None)
    return ev


class _LoopClient:
    """Drives the app on a private event loop so a synchronous Hypothesis test can call it."""

    def __init__(self, db_url: str) -> None:
        self.loop = asyncio.new_event_loop()
        self.stack = contextlib.AsyncExitStack()
        self.app = create_app(ServerSettings(db=db_url))
        self.loop.run_until_complete(
            self.stack.enter_async_context(self.app.router.lifespan_context(self.app))
        )
        transport = httpx.ASGITransport(app=self.app)
        self.client = httpx.AsyncClient(transport=transport, base_url="http://testserver")
        self.stack.push_async_callback(self.client.aclose)

    def post(self, url: str, content: str, headers: dict[str, str]) -> httpx.Response:
        return self.loop.run_until_complete(self.client.post(url, content=content, headers=headers))

    def close(self) -> None:
        self.loop.run_until_complete(self.stack.aclose())
        self.loop.close()


@pytest.fixture
def client_and_token(db_url):
    client = _LoopClient(db_url)
    with Session(client.app.state.engine) as s:
        token = auth.enroll_device(s, "fuzz").token
        s.commit()
    yield client, token
    client.close()


SETTINGS = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@SETTINGS
@given(body=JSON)
def test_sync_fuzz_random_json_never_5xx(client_and_token, body):
    client, token = client_and_token
    r = client.post(URL, content=json.dumps(body), headers=bearer(token))
    assert r.status_code < 500, r.text
    assert "detail" in r.json() or r.status_code == 200


@SETTINGS
@given(
    events=st.lists(mutated_event(), max_size=8),
    envelope=st.sampled_from([None, "clock", "wire_version"]),
)
def test_sync_fuzz_mutated_batches_never_5xx_and_counts_add_up(client_and_token, events, envelope):
    client, token = client_and_token
    body = batch("fuzz", events)
    if envelope is not None:
        body[envelope] = {"nonsense": True}
    r = client.post(URL, content=json.dumps(body), headers=bearer(token))
    assert r.status_code < 500, r.text
    if r.status_code == 200:
        ack = r.json()
        assert ack["inserted"] + ack["duplicates"] + len(ack["rejected"]) == len(events)


async def test_sync_concurrent_deliveries_of_one_batch_store_it_once(server):
    token = server.enroll("d1")
    body = batch("d1", [event(i, f"TAG-{i}") for i in range(1, 201)])
    others = [batch("d1", [event(1, "X")], stream_id=str(uuid.uuid4())) for _ in range(4)]
    sends = [server.client.post(URL, json=body, headers=bearer(token)) for _ in range(6)]
    sends += [server.client.post(URL, json=b, headers=bearer(token)) for b in others]
    answers = await asyncio.gather(*sends)
    assert [r.status_code for r in answers] == [200] * len(answers), [r.text for r in answers]
    acks = [r.json() for r in answers[:6]]
    assert sum(a["inserted"] for a in acks) == 200
    assert all(a["hwm"] == 200 for a in acks)
    with Session(server.engine) as s:
        assert s.exec(select(func.count()).select_from(Event)).one() == 204
