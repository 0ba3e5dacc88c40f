"""Contract 2.2 rules 1, 2, 4, 5: the same events delivered in any order, any number of times,
in any batches, give the same last-known location and custodian, and the incremental state
table always equals the state rebuilt from the history (invariant I3)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete
from sqlalchemy.engine import Engine
from sqlmodel import Session

from shared.wire import BatchIn
from sync_server.db import writer
from sync_server.models import AssetState, ClockAnchor, Event, IngestBatch, RejectedEvent, Stream
from sync_server.services import registry
from sync_server.services.ingest import SyncContext, ingest_batch
from sync_server.services.resolution import compute_state, read_state, rebuild_state
from sync_server.services.views import asset_view

BASE = datetime(2026, 5, 4, 8, 0, tzinfo=UTC)
RECEIPT = BASE + timedelta(days=2)
CLOCK = {"boot_id": "live", "mono_ns": 50 * 10**9, "wall": RECEIPT.isoformat()}
S1, S2 = "00000000-0000-4000-8000-000000000001", "00000000-0000-4000-8000-000000000002"
CTX = SyncContext(device_id="hh-1", receipt=RECEIPT, error_ns=0, tolerance_ns=30 * 10**9)


def _ev(seq: int, minute: int, code: str, **kw: Any) -> dict[str, Any]:
    ev = {
        "seq": seq,
        "type": "sighting",
        "code": code,
        "source": "wand",
        "observed_at": (BASE + timedelta(minutes=minute)).isoformat(),
        "boot_id": "old",
        "mono_ns": minute,
    }
    ev.update(kw)
    return ev


# (stream, event). Times deliberately interleave the streams; A1 has a tie at minute 20.
EVENTS: list[tuple[str, dict[str, Any]]] = [
    (S1, _ev(1, 10, "A1", location="L1")),
    (S1, _ev(2, 20, "A1", location="L2")),
    (S1, _ev(3, 5, "A2", type="checkout", custodian="P1", due_back="2026-06-01", location="L1")),
    (S1, _ev(4, 40, "A2", read_point="DOCK", direction="in")),
    (S1, _ev(5, 50, "A3", type="checkout", custodian="P2")),
    (S1, _ev(6, 60, "A3")),  # no location: history only
    (S2, _ev(1, 20, "A1", location="L3")),  # ties A1@20 on time; S2 > S1 wins
    (S2, _ev(2, 30, "A2", type="checkin", location="L2")),
    (S2, _ev(3, 35, "A2", type="checkout", custodian="P2", due_back="2026-07-01")),
    (S2, _ev(4, 45, "A3", read_point="DOCK", direction="out")),
    (S2, _ev(5, 55, "A3", type="checkin")),
    (S2, _ev(6, 70, "UNKNOWN-9", location="L1")),
    (S2, _ev(7, 15, "A1", type="checkout")),  # rejected: no custodian
    # Wall clock a day behind, but on the anchored boot: estimated from mono_ns instead
    # (50 s before the sync, i.e. after everything above), so it moves A3 to L2.
    (S2, _ev(8, -1440, "A3", location="L2", boot_id="live", mono_ns=0)),
]


def _setup_register(engine: Engine) -> None:
    with Session(writer(engine)) as s:
        for code in ("L1", "L2", "L3", "IN", "OUT"):
            registry.create_location(s, registry.LocationIn(code=code, name=code))
        registry.create_read_point(
            s, registry.ReadPointIn(code="DOCK", location="L1", inside="IN", outside="OUT")
        )
        for tag in ("A1", "A2", "A3"):
            registry.create_asset(s, registry.AssetIn(asset_tag=tag, name=tag, barcode=tag))
        from sync_server.services.auth import enroll_device

        enroll_device(s, "hh-1")
        s.commit()


def _reset_history(engine: Engine) -> None:
    with Session(writer(engine)) as s:
        for model in (AssetState, Event, RejectedEvent, Stream, IngestBatch, ClockAnchor):
            s.execute(delete(model))
        s.commit()


def _deliver(engine: Engine, batches: list[tuple[str, list[dict[str, Any]]]]) -> None:
    for stream, events in batches:
        body = {
            "wire_version": 1,
            "batch_id": str(uuid.uuid4()),
            "device_id": "hh-1",
            "stream_id": stream,
            "clock": CLOCK,
            "events": events,
        }
        with Session(writer(engine)) as s:
            ingest_batch(s, BatchIn.model_validate(body), CTX)
            s.commit()


def _answer(engine: Engine) -> dict[str, tuple[str | None, str | None, str | None]]:
    with Session(engine) as s:
        out = {}
        for tag in ("A1", "A2", "A3"):
            view = asset_view(s, tag)
            where = view.last_seen.location if view.last_seen else None
            due = view.due_back.isoformat() if view.due_back else None
            out[tag] = (where, view.custodian, due)
        return out


def _state(engine: Engine) -> tuple[dict[int, Any], dict[int, Any]]:
    with Session(engine) as s:
        return read_state(s), compute_state(s)


@pytest.fixture
def world(engine):
    _setup_register(engine)
    _deliver(
        engine, [(S1, [e for s, e in EVENTS if s == S1]), (S2, [e for s, e in EVENTS if s == S2])]
    )
    expected = (_answer(engine), _state(engine)[0])
    return engine, expected


def test_resolution_in_order_delivery_gives_the_hand_computed_answer(world):
    engine, (answer, table) = world
    assert answer == {
        "A1": ("L3", None, None),
        "A2": ("IN", "P2", "2026-07-01"),
        "A3": ("L2", None, None),
    }
    incremental, rebuilt = _state(engine)
    assert incremental == rebuilt == table
    with Session(writer(engine)) as s:
        rebuild_state(s)
        s.commit()
    assert _state(engine)[0] == table


@st.composite
def deliveries(draw: st.DrawFn) -> list[tuple[str, list[dict[str, Any]]]]:
    """The events in a random order, some repeated, cut into random single-stream batches."""
    order = draw(st.permutations(range(len(EVENTS))))
    repeats = draw(st.lists(st.sampled_from(range(len(EVENTS))), max_size=8))
    items = list(order)
    for r in repeats:
        items.insert(draw(st.integers(0, len(items))), r)
    batches: list[tuple[str, list[dict[str, Any]]]] = []
    i = 0
    while i < len(items):
        size = draw(st.integers(1, 6))
        chunk = items[i : i + size]
        i += size
        for stream in (S1, S2):
            events = [EVENTS[k][1] for k in chunk if EVENTS[k][0] == stream]
            if events:
                batches.append((stream, events))
    return batches


def _check_permutations(world: tuple[Engine, Any], examples: int) -> None:
    engine, (answer, table) = world

    @settings(
        max_examples=examples,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(deliveries())
    def check(batches: list[tuple[str, list[dict[str, Any]]]]) -> None:
        _reset_history(engine)
        _deliver(engine, batches)
        assert _answer(engine) == answer
        incremental, rebuilt = _state(engine)
        assert incremental == rebuilt == table

    check()


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_resolution_any_order_and_repetition_gives_the_same_state_sqlite(world):
    _check_permutations(world, examples=60)


@pytest.mark.parametrize(
    "db_url", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True
)
def test_resolution_any_order_and_repetition_gives_the_same_state_postgres(world):
    _check_permutations(world, examples=15)


def test_resolution_attaching_an_identifier_claims_past_unknown_codes(world):
    engine, _ = world
    with Session(writer(engine)) as s:
        asset = registry.create_asset(s, registry.AssetIn(asset_tag="A9", name="late label"))
        registry.attach_identifier(s, asset, "UNKNOWN-9", None)
        s.commit()
    with Session(engine) as s:
        view = asset_view(s, "A9")
        assert view.last_seen is not None and view.last_seen.location == "L1"
        incremental, rebuilt = read_state(s), compute_state(s)
        assert incremental == rebuilt


def test_resolution_a_time_tie_within_one_stream_goes_to_the_later_seq(world):
    engine, _ = world
    earlier, later = _ev(1, 90, "A1", location="L1"), _ev(2, 90, "A1", location="L2")
    for order in ([earlier, later], [later, earlier]):  # one batch each: the SQL guard decides
        _reset_history(engine)
        _deliver(engine, [(S1, [event]) for event in order])
        assert _answer(engine)["A1"][0] == "L2"
        incremental, rebuilt = _state(engine)
        assert incremental == rebuilt
