from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scanner.codecs import r2000 as r
from scanner.profiles.rfid import RfidSettings
from scanner.protocols.r2000_session import R2000Session
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
from scanner.sim.r2000 import R2000Sim
from tests.scanner.protocols.uhf_pair import Pair, check_invariants, of_type, state

EPC_A = "E28011606000020A1B2C3D4E"
EPC_B = "300833B2DDD9014000000001"


def settings(**kwargs) -> RfidSettings:
    base = {
        "protocol": "r2000",
        "region": "FCC",
        "antennas": 4,
        "min_power_dbm": 0,
        "max_power_dbm": 33,
        "power_dbm": 30,
        "response_timeout_s": 0.3,
        "stream_timeout_s": 2.0,
    }
    return RfidSettings.model_validate({**base, **kwargs})


def make_pair(pty, rfid=None, **sim_kwargs) -> Pair:
    sim = R2000Sim(pty, tags=[], rate=200, **sim_kwargs)
    sim.population.place(EPC_A, antennas=(1,))
    sim.population.place(EPC_B, antennas=(2,))
    return Pair(R2000Session(rfid or settings(antenna_ports=[1, 2])), sim, pty)


def test_session_configures_and_cycles_antennas(pty):
    pair = make_pair(pty)
    pair.start()
    assert state(pair.session) is State.STREAMING
    assert of_type(pair.actions, Ready)[0].description == "R2000 reader, firmware 8.1"
    tags = of_type(pair.advance(0.5), TagSeen)
    assert {(t.epc, t.antenna) for t in tags} == {(EPC_A, 1), (EPC_B, 2)}
    cmds = [r.decode_frame(a.data).cmd for a in of_type(pair.actions, Send)]
    assert cmds[:5] == [0x72, 0x78, 0x76, 0x74, 0x89]
    assert cmds.count(0x74) >= 2  # one per round, alternating ports
    assert pair.sim.region == bytes([1, 7, 59]) and pair.sim.power == [30] * 4
    pair.close()


def test_session_one_port_sets_it_once_and_repeats_inventory(pty):
    pair = make_pair(pty, rfid=settings(antenna_ports=[2]))
    pair.start()
    tags = of_type(pair.advance(0.5), TagSeen)
    assert tags and {t.antenna for t in tags} == {2}
    cmds = [r.decode_frame(a.data).cmd for a in of_type(pair.actions, Send)]
    assert cmds.count(0x74) == 1 and cmds.count(0x89) >= 5
    pair.close()


def test_session_missing_antenna_is_reported_and_reading_goes_on(pty):
    pair = make_pair(pty)
    pair.sim.missing_antennas = {2}
    pair.start()
    actions = pair.advance(0.5)
    faults = of_type(actions, ReaderFault)
    assert faults and "antenna 2" in faults[0].message and not faults[0].fatal
    assert {t.epc for t in of_type(actions, TagSeen)} == {EPC_A}
    pair.close()


@pytest.mark.parametrize("no_tag_as_error", [False, True])
def test_session_round_without_tags_is_not_an_error(pty, no_tag_as_error):
    pair = make_pair(pty, rfid=settings(antenna_ports=[3]), no_tag_as_error=no_tag_as_error)
    pair.start()
    actions = pair.advance(0.5)
    assert not of_type(actions, ReaderFault) and not of_type(actions, TagSeen)
    assert state(pair.session) is State.STREAMING
    pair.close()


def test_session_reboot_shows_as_silence_and_reinitialises(pty):
    pair = make_pair(pty, rfid=settings(antenna_ports=[2]))
    pair.start()
    pair.advance(0.2)
    pair.sim.reboot()
    actions = pair.advance(1.5)
    assert of_type(actions, Restarted)
    assert state(pair.session) is State.STREAMING
    assert pair.sim.work_antenna == 1
    assert of_type(pair.advance(0.3), TagSeen)
    pair.close()


def test_session_stop_waits_for_the_round_end(pty):
    pair = make_pair(pty)
    pair.start()
    pair.advance(0.02)
    assert pair.stop() == []  # nothing to send: a round cannot be interrupted
    assert state(pair.session) is State.STOPPING
    pair.advance(0.2)
    assert state(pair.session) is State.STOPPED and pair.sim.inventory is None
    pair.close()


def test_session_refused_power_is_fatal(pty):
    pair = make_pair(pty, max_power_dbm=26)
    pair.start()
    faults = of_type(pair.actions, ReaderFault)
    assert faults[0].fatal and "output power out of range" in faults[0].message
    assert state(pair.session) is State.FAILED
    pair.close()


def test_session_ignores_other_addresses(pty):
    session = R2000Session(settings(address=0x05))
    session.start(0.0)
    assert session.receive_data(r.encode_frame(0x01, 0x72, b"\x08\x01"), 0.1) == []
    assert state(session) is State.PROBING
    assert session.receive_data(r.encode_frame(0x05, 0x72, b"\x08\x01"), 0.1)
    assert state(session) is State.CONFIGURING


def test_session_silent_reader_gives_no_answer():
    session = R2000Session(settings())
    session.start(0.0)
    session.receive_data(b"\x01\x02\x03", 0.1)
    session.tick(0.31)
    assert session.tick(0.62) == [NoAnswer(3)]
    with pytest.raises(ProtocolError):
        session.start(1.0)
    assert state(session) is State.FAILED


def _outputs() -> list[bytes]:
    a = 0x01
    return [
        r.encode_frame(a, 0x72, b"\x08\x01"),
        *(r.encode_frame(a, cmd, b"\x10") for cmd in (0x78, 0x76, 0x74)),
        r.encode_frame(a, 0x76, b"\x48"),
        r.encode_frame(a, 0x74, b"\x47"),
        r.encode_tag_frame(a, bytes.fromhex(EPC_A), antenna=1, rssi_dbm=-50, frequency_index=9),
        r.encode_round_summary(a, 1, 100, 3),
        r.encode_frame(a, 0x89, b"\x36"),
        r.encode_frame(a, 0x89, b"\x22"),
        r.encode_frame(a, 0x89, b"\x01\x02\x03"),
    ]


INPUTS = st.one_of(
    st.sampled_from(["start", "stop"]),
    st.tuples(st.just("tick"), st.floats(0, 3)),
    st.tuples(st.just("data"), st.sampled_from(_outputs())),
    st.tuples(st.just("junk"), st.binary(max_size=30)),
)


@given(st.lists(INPUTS, max_size=40), st.sampled_from([[1], [1, 2, 4]]))
def test_session_invariants_hold_for_any_input_sequence(inputs, ports):
    check_invariants(R2000Session(settings(antenna_ports=ports)), inputs, r.decode_frame, EPC_A)
