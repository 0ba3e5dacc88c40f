"""An asset's tag is one of its identities (contract 2.2): whether an asset is created before
or after the scans of its tag arrive, in any interleaving, the result is the same as rebuilding
from the history, and the same as creating every asset first."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from shared.wire import BatchIn
from sync_server.db import writer
from sync_server.models import (
    Asset,
    AssetIdentifier,
    AssetState,
    ClockAnchor,
    Event,
    IngestBatch,
    RejectedEvent,
    Stream,
)
from sync_server.services import InvalidInput, registry
from sync_server.services.identities import asset_tag_problem, check_asset_tag, tag_key
from sync_server.services.ingest import SyncContext, ingest_batch
from sync_server.services.resolution import compute_state, read_state
from sync_server.services.views import history, unknown_codes

BASE = datetime(2026, 5, 4, 8, 0, tzinfo=UTC)
RECEIPT = BASE + timedelta(days=1)
STREAM = "00000000-0000-4000-8000-0000000000aa"
CTX = SyncContext(device_id="wand-1", receipt=RECEIPT, error_ns=0, tolerance_ns=30 * 10**9)
TAGS = ("AST-1", "AST-2", "AST-3")
# (tag scanned, minute, location, type, custodian). Minutes interleave; AST-2 ends checked out.
SCANS: list[tuple[str, int, str | None, str, str | None]] = [
    ("AST-1", 10, "L1", "sighting", None),
    ("AST-1", 30, "L2", "sighting", None),
    ("AST-1", 20, "L3", "sighting", None),
    ("AST-2", 5, "L1", "checkout", "P1"),
    ("AST-2", 25, None, "sighting", None),
    ("AST-3", 15, "L3", "sighting", None),
    ("NOBODY", 40, "L1", "sighting", None),
]


def _event(index: int) -> dict[str, Any]:
    tag, minute, location, kind, custodian = SCANS[index]
    return {
        "seq": index + 1,
        "type": kind,
        "code": tag,
        "source": "wand",
        "symbology": "code128",
        "observed_at": (BASE + timedelta(minutes=minute)).isoformat(),
        "boot_id": "b",
        "mono_ns": minute,
        "location": location,
        "custodian": custodian,
    }


def _deliver(engine: Engine, index: int) -> None:
    body = {
        "wire_version": 1,
        "batch_id": str(uuid.uuid4()),
        "device_id": "wand-1",
        "stream_id": STREAM,
        "clock": {"boot_id": "sync", "mono_ns": 1, "wall": RECEIPT.isoformat()},
        "events": [_event(index)],
    }
    with Session(writer(engine)) as s:
        ingest_batch(s, BatchIn.model_validate(body), CTX)
        s.commit()


def _create(engine: Engine, tag: str) -> None:
    with Session(writer(engine)) as s:
        registry.create_asset(s, registry.AssetIn(asset_tag=tag, name=f"asset {tag}"))
        s.commit()


def _reset(engine: Engine) -> None:
    with Session(writer(engine)) as s:
        for model in (AssetState, Event, RejectedEvent, Stream, IngestBatch, ClockAnchor):
            s.execute(delete(model))
        s.execute(delete(AssetIdentifier))
        s.execute(delete(Asset))
        s.commit()


def _outcome(engine: Engine) -> dict[str, Any]:
    """Everything that resolution decides, by asset tag (ids differ between runs)."""
    with Session(engine) as s:
        tags = {a.id: a.asset_tag for a in s.exec(select(Asset)).all()}
        incremental, rebuilt = read_state(s), compute_state(s)
        assert incremental == rebuilt  # invariant I3: the table equals the rebuild
        drop = ("asset_id",)
        state = {
            tags[aid]: {k: v for k, v in row.items() if k not in drop}
            for aid, row in incremental.items()
        }
        hist = {t: [(e.seq, e.location) for e in history(s, t).events] for t in TAGS}
        unknown = [(c.key, c.count) for c in unknown_codes(s).items]
    return {"state": state, "history": hist, "unknown": unknown}


@pytest.fixture
def register(engine: Engine) -> Engine:
    with Session(writer(engine)) as s:
        for code in ("L1", "L2", "L3"):
            registry.create_location(s, registry.LocationIn(code=code, name=code))
        registry.create_person(s, registry.PersonIn(code="P1", name="P1"))
        from sync_server.services.auth import enroll_device

        enroll_device(s, "wand-1")
        s.commit()
    return engine


def _run(engine: Engine, steps: list[tuple[str, Any]]) -> dict[str, Any]:
    _reset(engine)
    for op, arg in steps:
        if op == "create":
            _create(engine, arg)
        else:
            _deliver(engine, arg)
    return _outcome(engine)


def _check_any_order(engine: Engine, examples: int) -> None:
    steps = [("create", t) for t in TAGS] + [("scan", i) for i in range(len(SCANS))]
    canonical = _run(engine, steps)
    assert canonical["state"]["AST-1"]["location"] == "L2"
    assert canonical["state"]["AST-2"]["custodian"] == "P1"
    assert canonical["unknown"] == [("tag/NOBODY", 1)]
    assert len(canonical["history"]["AST-1"]) == 3

    @settings(
        max_examples=examples,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(st.permutations(steps))
    def check(order: list[tuple[str, Any]]) -> None:
        assert _run(engine, order) == canonical

    check()


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_identities_any_order_of_create_and_scan_equals_rebuild_sqlite(register):
    _check_any_order(register, examples=40)


@pytest.mark.parametrize(
    "db_url", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True
)
def test_identities_any_order_of_create_and_scan_equals_rebuild_postgres(register):
    _check_any_order(register, examples=12)


@pytest.mark.parametrize(
    ("tag", "ok"),
    [
        ("AST-000001", True),
        ("IT LAPTOP ä", True),
        ("A/B", False),
        ("X/history", False),
        ("X/identifiers", False),
        ("history", True),
        (" padded", False),
        ("tab\there", False),
    ],
)
def test_identities_asset_tag_rules(tag: str, ok: bool) -> None:
    assert (asset_tag_problem(tag) is None) is ok
    if not ok:
        with pytest.raises(InvalidInput):
            check_asset_tag(tag)
    assert tag_key(tag) == f"tag/{tag}"
