from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from scanner.events import EventDraft
from scanner.handheld.session import AuditSession, key_of
from scanner.protocols.control import OpenAudit
from scanner.queue.cache import ExpectedList
from shared.audits import CATEGORIES, ExpectedAsset, Registered, reconcile

T0 = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
EXPECTED = ExpectedList(
    location="WH1",
    include_sublocations=True,
    as_of=None,
    fetched_at="2026-11-25T11:00:00+00:00",
    assets=(
        ExpectedAsset("A1", ("tag/A1",), "WH1", "Drill"),
        ExpectedAsset("A2", ("tag/A2", "epc/E2801160600002000000000A"), "WH1-A", "Pump"),
    ),
    scope=("WH1", "WH1-A"),
)
REGISTERED = {
    "tag/F1": Registered("F1", "YARD", "Forklift"),
    "tag/F2": Registered("A1", "WH1", "Drill"),  # another key of an expected asset
}


def session(window: float = 5.0) -> AuditSession:
    return AuditSession(
        OpenAudit("a1", "WH1"), EXPECTED, REGISTERED, device_id="hh", undo_window_s=window
    )


def scan(code: str, location: str = "WH1", **kw) -> EventDraft:
    return EventDraft(
        type="sighting",
        code=code,
        source=kw.pop("source", "wand"),
        symbology=kw.pop("symbology", "code128"),
        observed_at=T0,
        boot_id="b",
        mono_ns=1,
        location=location,
        audit_id="a1",
        **kw,
    )


def test_session_verdicts_match_what_the_reconciliation_says():
    s = session()
    notes = [
        s.add(scan("A1"), 0)[0],
        s.add(scan("A1"), 1)[0],
        s.add(scan("F1"), 2)[0],
        s.add(scan("??"), 3)[0],
        s.add(scan("E2801160600002000000000A", "WH1", source="rfid", symbology="epc"), 4)[0],
    ]
    assert [n.verdict for n in notes] == ["found", "again", "unexpected", "unknown", "relocated"]
    assert notes[2].expected_at == "YARD" and notes[2].alarming and notes[3].alarming
    view = s.view()
    assert [r.asset_tag for r in view.found] == ["A1", "A2"]
    assert [r.asset_tag for r in view.relocated] == ["A2"]
    assert [r.asset_tag for r in view.unexpected] == ["F1"]
    assert [r.code for r in view.unknown_codes] == ["??"]


def test_session_weak_rfid_read_is_shown_apart_and_not_found():
    s = session()
    note, _ = s.add(scan("E2801160600002000000000A", source="rfid", symbology="epc", weak=True), 0)
    assert note.verdict == "weak" and not note.alarming
    view = s.view()
    assert [r.asset_tag for r in view.missing] == ["A1", "A2"]
    assert [r.asset_tag for r in view.weak] == ["A2"]


def test_session_holds_the_last_scan_until_the_next_one_or_the_window():
    s = session(window=5.0)
    _, released = s.add(scan("A1"), 0.0)
    assert released == []
    _, released = s.add(scan("A2"), 1.0)
    assert [d.code for d in released] == ["A1"]
    assert s.due(5.9) == []
    assert [d.code for d in s.due(6.0)] == ["A2"]
    assert s.undo() is None  # committed: too late


def test_session_undo_takes_back_only_the_held_scan():
    s = session()
    s.add(scan("A1"), 0)
    s.add(scan("A1"), 1)
    undone = s.undo()
    assert undone is not None and undone.verdict == "again"
    assert [r.asset_tag for r in s.view().found] == ["A1"]  # the first scan still counts
    assert s.release() == []
    s.add(scan("A2"), 2)
    assert s.undo() is not None
    assert [r.asset_tag for r in s.view().missing] == ["A2"]
    assert s.add(scan("A2"), 3)[0].verdict == "relocated"  # not "again": the undo forgot it


def test_session_key_of_undecodable_code_is_the_servers_invalid_key():
    assert key_of("AST-1", "code128") == "tag/AST-1"
    assert key_of("(01)123", "epc").startswith("invalid/")


CODES = st.sampled_from(["A1", "A2", "E2801160600002000000000A", "F1", "??", "F2"])


@given(
    st.lists(
        st.tuples(CODES, st.sampled_from(["WH1", "WH1-A", "YARD"]), st.booleans(), st.booleans()),
        max_size=25,
    )
)
def test_session_live_view_equals_the_full_reconciliation(steps):
    s = session(window=1e9)
    for code, location, weak, undo in steps:
        rfid = code.startswith("E28")
        kw = {"source": "rfid", "symbology": "epc", "weak": weak} if rfid else {}
        s.add(scan(code, location, **kw), 0)
        if undo:
            s.undo()
    live, screen = s.view(), s.live(1)
    s.release()
    full = reconcile(EXPECTED.assets, s._reads, REGISTERED, EXPECTED.scope)
    assert live == full
    assert {name: screen.count(name) for name in CATEGORIES} == {
        name: len(getattr(full, name)) for name in CATEGORIES
    }
    assert screen.missing_head == full.missing[:1]
