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
