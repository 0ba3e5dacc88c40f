from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from scanner.events import RawRead
from scanner.protocols.control import ControlConfig, ControlLabels, Mode

T0 = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
GLN = "0614141000012"


def read(code: str, symbology: str | None = "code128", mono: int = 0) -> RawRead:
    return RawRead(code=code, source="wand", symbology=symbology, wall=T0, mono_ns=mono)


def machine(**kw) -> ControlLabels:
    return ControlLabels(ControlConfig(boot_id="boot", read_point="RP1", location="WH1", **kw))


def test_control_plain_scan_is_a_sighting_at_station_location():
    m = machine()
    out = m.receive(read("AST-1", mono=42), now=0)
    assert out.draft is not None
    d = out.draft
    assert (d.type, d.code, d.location, d.read_point, d.custodian) == (
        "sighting",
        "AST-1",
        "WH1",
        "RP1",
        None,
    )
    assert (d.boot_id, d.mono_ns, d.observed_at, d.symbology, d.source) == (
        "boot",
        42,
        T0,
        "code128",
        "wand",
    )


def test_control_location_label_sets_location_for_later_scans():
    m = machine()
    out = m.receive(read("LOC:WH1-A"), now=0)
    assert out.draft is None and out.change == "location is now WH1-A"
    assert m.receive(read("AST-1"), now=1).draft.location == "WH1-A"  # type: ignore[union-attr]
    m.receive(read("loc:B2"), now=2)
    assert m.receive(read("AST-1"), now=3).draft.location == "B2"  # type: ignore[union-attr]


def test_control_gs1_gln_label_sets_location_to_the_gln():
    m = machine()
    out = m.receive(read("414" + GLN, symbology="gs1-128"), now=0)
    assert out.draft is None
    assert m.location == GLN
    assert m.receive(read("AST-1"), now=1).draft.location == GLN  # type: ignore[union-attr]


def test_control_checkout_then_checkin_then_done():
    m = machine()
    assert m.receive(read("EMP:EMP-042"), now=0).draft is None
    out = m.receive(read("AST-1"), now=1).draft
    assert out is not None and (out.type, out.custodian) == ("checkout", "EMP-042")
    m.receive(read("CMD:CHECKIN"), now=2)
    out = m.receive(read("AST-1"), now=3).draft
    assert out is not None and (out.type, out.custodian) == ("checkin", None)
    m.receive(read("CMD:DONE"), now=4)
    out = m.receive(read("AST-1"), now=5).draft
    assert out is not None and out.type == "sighting"


def test_control_checkout_mode_times_out_without_scans():
    m = machine(mode_timeout_s=120)
    m.receive(read("EMP:P1"), now=0)
    assert m.receive(read("A"), now=100).draft.type == "checkout"  # type: ignore[union-attr]
    # 119 s after the last scan: still checkout (each scan restarts the clock).
    assert m.receive(read("B"), now=219).draft.type == "checkout"  # type: ignore[union-attr]
    out = m.receive(read("C"), now=219 + 120)
    assert out.draft is not None and out.draft.type == "sighting"
    assert out.draft.custodian is None
    assert out.change is not None and "ended" in out.change


def test_control_any_control_label_ends_checkout_but_done_keeps_location():
    m = machine()
    m.receive(read("LOC:B1"), now=0)
    m.receive(read("EMP:P1"), now=1)
    m.receive(read("LOC:B2"), now=2)
    assert m.mode is Mode.SIGHTING and m.custodian is None
    m.receive(read("EMP:P1"), now=3)
    m.receive(read("CMD:DONE"), now=4)
    assert m.location == "B2" and m.mode is Mode.SIGHTING


def test_control_garbage_changes_nothing():
    m = machine()
    m.receive(read("LOC:B1"), now=0)
    m.receive(read("EMP:P1"), now=1)
    for junk in ["EMP:", "LOC:  ", "CMD:REBOOT", "CMD:"]:
        out = m.receive(read(junk), now=2)
        assert out.draft is None and out.change is None
    assert (m.mode, m.custodian, m.location) == (Mode.CHECKOUT, "P1", "B1")


def test_control_prefixes_come_from_the_station():
    m = machine(location_prefix="L/", person_prefix="P/", command_prefix="C/")
    m.receive(read("L/X9"), now=0)
    m.receive(read("P/ADA"), now=1)
    out = m.receive(read("LOC:NOT-A-LABEL"), now=2).draft
    assert out is not None
    assert (out.code, out.type, out.custodian, out.location) == (
        "LOC:NOT-A-LABEL",
        "checkout",
        "ADA",
        "X9",
    )


def test_control_undecodable_gs1_is_still_sent_as_a_scan():
    out = machine().receive(read("01123", symbology="gs1-128"), now=0)
    assert out.draft is not None and out.draft.code == "01123"


SCANS = st.sampled_from(
    [
        "AST-1",
        "AST-2",
        "LOC:A",
        "LOC:B",
        "EMP:P1",
        "EMP:P2",
        "CMD:CHECKIN",
        "CMD:DONE",
        "CMD:XYZ",
        "EMP:",
        "414" + GLN,
    ]
)


@given(st.lists(st.tuples(SCANS, st.floats(min_value=0, max_value=200)), max_size=40))
def test_control_invariants_hold_for_any_scan_sequence(steps):
    m = machine()
    now = 0.0
    for code, gap in steps:
        now += gap
        before = (m.mode, m.custodian, m.location)
        out = m.receive(read(code, "gs1-128" if code.startswith("414") else "code128"), now)
        assert (m.custodian is not None) == (m.mode is Mode.CHECKOUT)
        if out.draft is not None:
            assert code.startswith("AST")
            assert out.draft.type == m.mode.value
            assert out.draft.custodian == m.custodian
            assert out.draft.location == m.location
        else:
            assert not code.startswith("AST")
        if code in ("CMD:XYZ", "EMP:") and gap == 0:
            assert (m.mode, m.custodian, m.location) == before


def ids(*values: str):
    it = iter(values)
    return lambda: next(it)


def test_control_audit_after_location_opens_an_audit_there_and_done_closes_it():
    m = machine(new_audit_id=ids("audit-1"))
    m.receive(read("LOC:WH1-A"), now=0)
    out = m.receive(read("CMD:AUDIT", mono=5), now=1)
    assert [d.type for d in out.drafts] == ["audit_open"]
    opened = out.drafts[0]
    assert (opened.audit_id, opened.code, opened.location, opened.source) == (
        "audit-1",
        "WH1-A",
        "WH1-A",
        "wand",
    )
    assert (opened.mono_ns, opened.observed_at, opened.read_point) == (5, T0, "RP1")
    scan = m.receive(read("AST-1"), now=2).draft
    assert scan is not None and (scan.type, scan.audit_id, scan.location) == (
        "sighting",
        "audit-1",
        "WH1-A",
    )
    done = m.receive(read("CMD:DONE"), now=3)
    assert [(d.type, d.code, d.audit_id) for d in done.drafts] == [
        ("audit_close", "audit-1", "audit-1")
    ]
    assert m.audit is None and m.location == "WH1-A"  # the location stays, like CMD:DONE
    after = m.receive(read("AST-2"), now=4).draft
    assert after is not None and after.audit_id is None


def test_control_location_label_during_an_audit_moves_later_scans_to_the_sublocation():
    m = machine(new_audit_id=ids("audit-1"))
    m.receive(read("CMD:AUDIT"), now=0)  # at the station's location, WH1
    assert m.audit is not None and m.audit.location == "WH1"
    assert m.receive(read("LOC:WH1-B"), now=1).drafts == ()
    scan = m.receive(read("AST-1"), now=2).draft
    assert scan is not None and (scan.audit_id, scan.location) == ("audit-1", "WH1-B")


def test_control_audit_without_a_location_changes_nothing():
    m = ControlLabels(ControlConfig(boot_id="b", new_audit_id=ids("never")))
    out = m.receive(read("CMD:AUDIT"), now=0)
    assert out.drafts == () and "location" in (out.change or "")
    assert m.audit is None


def test_control_audit_during_an_audit_closes_it_and_opens_the_next():
    m = machine(new_audit_id=ids("audit-1", "audit-2"))
    m.receive(read("CMD:AUDIT"), now=0)
    m.receive(read("LOC:WH2"), now=1)
    out = m.receive(read("CMD:AUDIT"), now=2)
    assert [(d.type, d.audit_id, d.code) for d in out.drafts] == [
        ("audit_close", "audit-1", "audit-1"),
        ("audit_open", "audit-2", "WH2"),
    ]


def test_control_audit_ends_checkout_and_outlives_the_mode_timeout():
    m = machine(new_audit_id=ids("audit-1"), mode_timeout_s=10)
    m.receive(read("EMP:EMP-1"), now=0)
    m.receive(read("CMD:AUDIT"), now=1)
    assert m.mode is Mode.SIGHTING and m.custodian is None
    scan = m.receive(read("AST-1"), now=500).draft  # long idle: still in the audit
    assert scan is not None and (scan.type, scan.audit_id) == ("sighting", "audit-1")


def test_control_done_without_an_audit_sends_nothing():
    m = machine()
    assert m.receive(read("CMD:DONE"), now=0).drafts == ()


def test_control_screen_starts_and_finishes_an_audit_like_the_labels():
    m = machine(new_audit_id=ids("audit-1"))
    out = m.start_audit("WH9", T0, 7)
    assert [(d.type, d.source, d.location) for d in out.drafts] == [("audit_open", "manual", "WH9")]
    assert m.location == "WH9"
    assert [d.type for d in m.finish_audit(T0, 8).drafts] == ["audit_close"]
    assert m.finish_audit(T0, 9).drafts == ()


AUDIT_SCANS = st.sampled_from(["AST-1", "LOC:A", "LOC:B", "EMP:P1", "CMD:AUDIT", "CMD:DONE"])


@given(st.lists(st.tuples(AUDIT_SCANS, st.floats(min_value=0, max_value=200)), max_size=40))
def test_control_audit_events_pair_up_and_asset_scans_carry_the_open_audit(steps):
    counter = iter(range(1000))
    m = ControlLabels(ControlConfig(boot_id="b", new_audit_id=lambda: f"a{next(counter)}"))
    now, open_ids = 0.0, list[str | None]()
    for code, gap in steps:
        now += gap
        for d in m.receive(read(code), now).drafts:
            if d.type == "audit_open":
                assert code == "CMD:AUDIT" and not open_ids and d.location == m.location
                open_ids.append(d.audit_id)
            elif d.type == "audit_close":
                assert code in ("CMD:AUDIT", "CMD:DONE") and open_ids == [d.audit_id]
                open_ids.pop()
            else:
                assert code == "AST-1"
                assert d.audit_id == (m.audit.audit_id if m.audit else None)
        assert open_ids == ([m.audit.audit_id] if m.audit else [])
