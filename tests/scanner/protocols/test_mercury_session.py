from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scanner.codecs import mercury as m
from scanner.profiles.rfid import RfidSettings
from scanner.protocols.mercury_session import MercurySession
from scanner.protocols.uhf_actions import (
    NoAnswer,
    ProtocolError,
    ReaderFault,
    Ready,
    Restarted,
    Send,
    TagSeen,
)
from scanner.protocols.uhf_session import State
from scanner.sim.mercury import NANO_VERSION, MercurySim
from tests.scanner.protocols.uhf_pair import Pair, check_invariants, of_type, state

EPC = "E28011606000020A1B2C3D4E"
SETTINGS = RfidSettings(
    protocol="mercury",
    region="NA2",
    antennas=1,
    min_power_dbm=0,
    max_power_dbm=27,
    power_dbm=5,
    response_timeout_s=0.3,
    stream_timeout_s=2.0,
)


def make_pair(pty, **sim_kwargs) -> Pair:
    sim = MercurySim(pty, tags=sim_kwargs.pop("tags", [EPC]), rate=100, **sim_kwargs)
    return Pair(MercurySession(SETTINGS), sim, pty)


def test_session_configures_and_streams(pty):
    pair = make_pair(pty)
    pair.start()
    assert state(pair.session) is State.STREAMING
    sent = [m.decode_command(a.data).opcode for a in of_type(pair.actions, Send)]
    assert sent == [0x03, 0x0C, 0x93, 0x97, 0x92, 0x91, 0x9A, 0x2F]
    assert of_type(pair.actions, Ready)[0].description.startswith("Mercury module 0x30")
    tags = of_type(pair.advance(0.2), TagSeen)
    assert tags and {t.epc for t in tags} == {EPC}
    assert {t.antenna for t in tags} == {1}
    assert pair.sim.region == 0x0D and pair.sim.power_cdbm == 500 and not pair.sim.read_filter
    pair.close()


def test_session_boots_firmware_from_the_bootloader(pty):
    pair = make_pair(pty, start_in_bootloader=True)
    pair.start()
    sent = [m.decode_command(a.data).opcode for a in of_type(pair.actions, Send)]
    assert sent[:3] == [0x03, 0x0C, 0x04]
    assert state(pair.session) is State.STREAMING
    assert not pair.sim.bootloader
    pair.close()


def test_session_boot_frame_mid_stream_reinitialises(pty):
    pair = make_pair(pty)
    pair.start()
    pair.advance(0.1)
    pair.sim.reboot()
    actions = pair.advance(0.05)
    assert of_type(actions, Restarted)
    assert of_type(actions, Ready)  # probed, configured and streaming again
    assert state(pair.session) is State.STREAMING and pair.sim.streaming
    assert of_type(pair.advance(0.2), TagSeen)
    pair.close()


def test_session_stops_a_stream_left_running(pty):
    pair = make_pair(pty)
    pair.start()
    pair.advance(0.1)
    second = Pair(MercurySession(SETTINGS), pair.sim, pty)  # the agent restarted, not the module
    second.now = pair.now + 0.1
    pair.sim.emit_reads(second.now)  # records already on the line when the probe goes out
    second.start()
    second.advance(0.1)
    sent = [m.decode_command(a.data) for a in of_type(second.actions, Send)]
    assert m.encode_stop_continuous() in [m.encode_command(f.opcode, f.data) for f in sent]
    assert state(second.session) is State.STREAMING
    pair.close()
    second.close()


def test_session_stop_drains_then_stops(pty):
    pair = make_pair(pty)
    pair.start()
    pair.advance(0.1)
    pair.stop()
    assert state(pair.session) is State.STOPPED
    assert not pair.sim.streaming
    assert pair.session.deadline() is None


def test_session_reports_refused_setup_as_fatal(pty):
    pair = make_pair(pty, max_power_dbm=3.0)
    pair.start()
    faults = of_type(pair.actions, ReaderFault)
    assert faults and faults[0].fatal and "power too high" in faults[0].message
    assert state(pair.session) is State.FAILED
    pair.close()


def test_session_silent_reader_gives_no_answer_after_two_probes():
    session = MercurySession(SETTINGS)
    first = session.start(0.0)
    assert first == [Send(m.encode_command(m.OP_VERSION))]
    assert session.tick(0.31) == first  # the second attempt
    assert session.tick(0.62) == [NoAnswer(0)]
    assert state(session) is State.FAILED


def test_session_counts_garbage_during_the_probe():
    session = MercurySession(SETTINGS)
    session.start(0.0)
    session.receive_data(b"\x13\x37" * 10, 0.1)
    session.tick(0.31)
    assert session.tick(0.62) == [NoAnswer(20)]


def test_session_streaming_silence_reprobes():
    session = MercurySession(SETTINGS)
    session.start(0.0)
    for op in (0x03, 0x0C, 0x93, 0x97, 0x92, 0x91, 0x9A, 0x2F):
        data = m.encode_version(NANO_VERSION) if op == 0x03 else b"\x02" if op == 0x0C else b""
        session.receive_data(m.encode_response(op, 0, data), 0.1)
    assert state(session) is State.STREAMING
    assert session.tick(1.0) == []
    actions = session.tick(2.2)
    assert isinstance(actions[0], Restarted) and state(session) is State.PROBING


def test_session_api_misuse_raises_and_keeps_state():
    session = MercurySession(SETTINGS)
    session.start(0.0)
    with pytest.raises(ProtocolError):
        session.start(0.0)
    assert state(session) is State.PROBING


# ---- every (state, input) pair: the invariant holds -------------------------------------


def _responses() -> list[bytes]:
    ok = [m.encode_response(op, 0, b"") for op in (0x0C, 0x93, 0x97, 0x92, 0x91, 0x9A, 0x2A, 0x42)]
    return [
        *ok,
        m.encode_response(0x03, 0, m.encode_version(NANO_VERSION)),
        m.encode_response(0x04, 0, m.encode_version(NANO_VERSION)),  # boot message
        m.encode_response(0x0C, 0, b"\x01"),  # bootloader
        m.encode_response(0x2F, 0, b"\x01"),
        m.encode_response(0x2F, 0, b"\x02"),
        m.encode_response(0x92, 0x0103),
        m.encode_response(0x22, 0x0400),
        m.encode_response(0x22, 0x0505),
        m.encode_response(0x22, 0, b"\x10\x00\x1b\x01\xff\x01"),  # truncated record
        m.encode_tag_record(bytes.fromhex(EPC), rssi=-50, antenna=1, frequency_khz=915000,
                            timestamp_ms=5),
        b"\xff\x05\x22garbage",
    ]  # fmt: skip


INPUTS = st.one_of(
    st.sampled_from(["start", "stop"]),
    st.tuples(st.just("tick"), st.floats(0, 3)),
    st.tuples(st.just("data"), st.sampled_from(_responses())),
    st.tuples(st.just("junk"), st.binary(max_size=40)),
)


@given(st.lists(INPUTS, max_size=40))
def test_session_invariants_hold_for_any_input_sequence(inputs):
    check_invariants(MercurySession(SETTINGS), inputs, m.decode_command, EPC)


def test_session_stream_records_during_setup_queue_a_stop():
    session = MercurySession(SETTINGS)
    session.start(0.0)
    session.receive_data(m.encode_response(0x03, 0, m.encode_version(NANO_VERSION)), 0.1)
    record = m.encode_tag_record(
        bytes.fromhex(EPC), rssi=-50, antenna=1, frequency_khz=915000, timestamp_ms=5
    )
    assert session.receive_data(record * 3, 0.1) == []  # not reported: not our stream
    actions = session.receive_data(m.encode_response(0x0C, 0, b"\x02"), 0.2)
    assert actions == [Send(m.encode_stop_continuous())]
    actions = session.receive_data(m.encode_response(0x2F, 0, b"\x02"), 0.3)
    assert actions == [Send(m.encode_set_tag_protocol())]
